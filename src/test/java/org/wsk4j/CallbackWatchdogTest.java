package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.VerifierSink;

/**
 * The completion executors' watchdog (CALLBACK_TOO_LONG, Windows' DPC_WATCHDOG_VIOLATION): a routine that blocks
 * in a plain Java wait - here the classic deadlock, waiting for a completion queued behind it on the only
 * completion thread - is reported and, in mode FAIL, interrupted, so the subsystem goes on instead of hanging.
 */
class CallbackWatchdogTest {

    private static final Duration LIMIT = Duration.ofMillis(100); // the watchdog reports at twice this
    private static final long WAIT_SECONDS = 10;

    private WskSubsystem wsk;

    @BeforeEach
    void start() {
        wsk = WskSubsystem.builder().threadedExecutor(1).build();
        wsk.ioManager().verifier().setBlockingWaitLimit(LIMIT).setSink(VerifierSink.recording());
    }

    @AfterEach
    void stop() {
        wsk.close();
    }

    @Test
    void aRoutineWaitingForACompletionQueuedBehindItIsReportedAndInterrupted() throws InterruptedException {
        CountDownLatch secondRan = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        wsk.executor().execute(() -> {
            wsk.executor().execute(secondRan::countDown); // queued behind this task on the only thread
            try {
                secondRan.await(); // can never end by itself: a deadlock in a real kernel
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            firstDone.countDown();
        });
        assertTrue(firstDone.await(WAIT_SECONDS, TimeUnit.SECONDS), "the watchdog broke the wait");
        assertTrue(interrupted.get());
        assertTrue(secondRan.await(WAIT_SECONDS, TimeUnit.SECONDS), "the executor went on with the next task");

        List<VerifierReport> reports = wsk.ioManager().verifier().violations();
        assertEquals(1, reports.size(), reports::toString);
        VerifierReport report = reports.get(0);
        assertEquals(VerifierRule.CALLBACK_TOO_LONG, report.rule());
        assertEquals(0x133, report.rule().bugCheckCode());
        assertTrue(report.message().contains("-completion-0") && report.message().contains("CountDownLatch.await"),
                report.message());
        assertFalse(runOnExecutor(() -> Thread.currentThread().isInterrupted()),
                "the interrupt ended with the task it was meant for");
    }

    @Test
    void inModeLogTheRoutineIsReportedButLeftAlone() throws InterruptedException {
        Verifier verifier = wsk.ioManager().verifier();
        verifier.setMode(VerifierRule.CALLBACK_TOO_LONG, Verifier.Mode.LOG);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean interrupted = new AtomicBoolean();
        wsk.executor().execute(() -> {
            try {
                interrupted.set(!release.await(WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                interrupted.set(true);
            }
            done.countDown();
        });
        assertTrue(within(() -> !verifier.violations().isEmpty()), "reported while still running");
        release.countDown();
        assertTrue(done.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertFalse(interrupted.get(), "LOG mode does not interrupt");
        assertEquals(VerifierRule.CALLBACK_TOO_LONG, verifier.violations().get(0).rule());
        assertEquals(1, verifier.violations().size(), "one report per task");
    }

    /**
     * A routine waiting for a task queued behind it on the only worker: once it has held the worker for the hold limit,
     * an extra worker runs what is queued, so the wait ends by itself, long before the watchdog's CALLBACK_TOO_LONG;
     * the extra worker ends when it is no longer needed, and nothing is reported.
     */
    @Test
    void aHeldWorkerGetsAnExtraWorkerThatRunsWhatIsQueuedBehindIt() throws InterruptedException {
        Verifier verifier = wsk.ioManager().verifier();
        verifier.setBlockingWaitLimit(Duration.ofSeconds(30)).setTransportHoldLimit(LIMIT);
        CountDownLatch secondRan = new CountDownLatch(1);
        CountDownLatch firstDone = new CountDownLatch(1);
        AtomicBoolean waitEnded = new AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<Thread> first = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Thread> second = new java.util.concurrent.atomic.AtomicReference<>();
        wsk.executor().execute(() -> {
            first.set(Thread.currentThread());
            wsk.executor().execute(() -> {
                second.set(Thread.currentThread());
                secondRan.countDown();
            });
            try {
                waitEnded.set(secondRan.await(WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            firstDone.countDown();
        });
        assertTrue(firstDone.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(waitEnded.get(), "the task queued behind the held routine ran meanwhile");
        assertNotSame(first.get(), second.get());
        assertTrue(second.get().getName().contains("-completion-extra-"), second.get().getName());
        second.get().join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
        assertFalse(second.get().isAlive(), "the extra worker ended once no worker was held");
        assertSame(first.get(), runOnExecutorThread(), "the first worker serves again");
        assertTrue(verifier.violations().isEmpty(), verifier.violations()::toString);
    }

    @Test
    void quickRoutinesAreNeverReported() throws InterruptedException {
        CountDownLatch all = new CountDownLatch(1000);
        for (int i = 0; i < 1000; i++) {
            wsk.executor().execute(all::countDown);
        }
        assertTrue(all.await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(wsk.ioManager().verifier().violations().isEmpty());
    }

    private Thread runOnExecutorThread() throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Thread> thread = new java.util.concurrent.atomic.AtomicReference<>();
        wsk.executor().execute(() -> {
            thread.set(Thread.currentThread());
            ran.countDown();
        });
        assertTrue(ran.await(WAIT_SECONDS, TimeUnit.SECONDS));
        return thread.get();
    }

    private boolean runOnExecutor(BooleanSupplier check) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        AtomicBoolean result = new AtomicBoolean();
        wsk.executor().execute(() -> {
            result.set(check.getAsBoolean());
            ran.countDown();
        });
        assertTrue(ran.await(WAIT_SECONDS, TimeUnit.SECONDS));
        return result.get();
    }

    /** Polls a condition for up to WAIT_SECONDS (a bounded wait for something another thread does). */
    private static boolean within(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }
}
