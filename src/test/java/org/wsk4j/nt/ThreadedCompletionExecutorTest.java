package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.internal.CompletionThread;

class ThreadedCompletionExecutorTest extends IrpTestSupport {

    private static final int PRODUCERS = 8;
    private static final int IRPS_PER_PRODUCER = 10_000;

    /**
     * Issue 17's batched hand-off: tasks posted during a transport's readiness pass (a {@link CompletionThread} between
     * beginBatch and endBatch) defer the wake-up to the end of the pass; none is lost, whether the workers are busy,
     * waiting or just going to wait, and with other threads posting at the same time.
     */
    @Test
    void tasksPostedInBatchesAndFromOtherThreadsAllRun() throws InterruptedException {
        int batches = 2_000;
        int others = 2;
        int perOther = 5_000;
        int inBatches = 0;
        for (int b = 0; b < batches; b++) {
            inBatches += b % 5; // empty passes too
        }
        // Counted down by the tasks themselves: nothing else is posted that could wake a worker for a lost batch.
        CountDownLatch ran = new CountDownLatch(inBatches + others * perOther);
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("batch", 2)) {
            executor.bindIoManager(io);
            CompletionThread transport = new CompletionThread(() -> {
                CompletionThread self = (CompletionThread) Thread.currentThread();
                for (int b = 0; b < batches; b++) {
                    self.beginBatch();
                    for (int i = 0; i < b % 5; i++) {
                        executor.execute(ran::countDown);
                    }
                    self.endBatch();
                    if (b % 100 == 0) {
                        Thread.yield(); // let the workers go idle now and then
                    }
                }
            }, "test-transport");
            List<Thread> posters = new ArrayList<>();
            for (int t = 0; t < others; t++) {
                posters.add(new Thread(() -> {
                    for (int i = 0; i < perOther; i++) {
                        executor.execute(ran::countDown);
                    }
                }, "test-poster-" + t));
            }
            transport.start();
            posters.forEach(Thread::start);
            assertTrue(ran.await(30, java.util.concurrent.TimeUnit.SECONDS), ran.getCount() + " tasks never ran");

            // Then passes alone, each waited for: the workers often wait already when the next pass posts, and
            // only the wake-up at the end of the pass can get its tasks run.
            AtomicReference<String> lost = new AtomicReference<>();
            CompletionThread alone = new CompletionThread(() -> {
                CompletionThread self = (CompletionThread) Thread.currentThread();
                for (int b = 0; b < 200 && lost.get() == null; b++) {
                    CountDownLatch pass = new CountDownLatch(3);
                    self.beginBatch();
                    for (int i = 0; i < 3; i++) {
                        executor.execute(pass::countDown);
                    }
                    self.endBatch();
                    try {
                        if (!pass.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                            lost.set("pass " + b + ": " + pass.getCount() + " of 3 tasks never ran");
                        }
                    } catch (InterruptedException e) {
                        lost.set("interrupted");
                    }
                }
            }, "test-transport-alone");
            alone.start();
            alone.join(60_000);
            assertNull(lost.get());
        }
    }

    @Test
    void concurrentCompletionsRunEachRoutineExactlyOnce() throws InterruptedException {
        io.verifier().setStackCapture(Verifier.StackCapture.OFF);
        int total = PRODUCERS * IRPS_PER_PRODUCER;
        AtomicIntegerArray calls = new AtomicIntegerArray(total);
        CountDownLatch allDone = new CountDownLatch(total);
        IoCompletionRoutine routine = (device, irp, context) -> {
            calls.incrementAndGet((Integer) context);
            Io.freeIrp(irp);
            allDone.countDown();
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        };
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("stress", 2)) {
            executor.bindIoManager(io);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int first = p * IRPS_PER_PRODUCER;
                producers.add(new Thread(() -> {
                    try (IoManager.Binding ignored = io.bindToCurrentThread()) {
                        for (int i = first; i < first + IRPS_PER_PRODUCER; i++) {
                            Irp irp = allocate(1);
                            Io.setCompletionRoutine(irp, routine, i, true, true, true);
                            handDown(irp);
                            irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS).setInformation(i);
                            executor.execute(() -> Io.completeRequest(irp));
                        }
                    } catch (Throwable t) {
                        producerFailure.set(t);
                    }
                }, "producer-" + p));
            }
            producers.forEach(Thread::start);
            for (Thread producer : producers) {
                join(producer);
            }
            assertNull(producerFailure.get());
            await(allDone);
        }

        for (int i = 0; i < total; i++) {
            assertEquals(1, calls.get(i), "IRP " + i);
        }
        assertEquals(List.of(), io.routineFailures());
        assertRecorded();
        assertEquals(total, io.statistics().completedToOwner());
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void throwingTaskDoesNotKillTheWorker() throws InterruptedException {
        RuntimeException boom = new RuntimeException("boom");
        AtomicReference<Thread> thrower = new AtomicReference<>();
        AtomicReference<Thread> later = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("throwing", 1)) {
            executor.bindIoManager(io);
            executor.execute(() -> {
                thrower.set(Thread.currentThread());
                throw boom;
            });
            executor.execute(() -> {
                later.set(Thread.currentThread());
                done.countDown();
            });
            await(done);
        }
        assertSame(thrower.get(), later.get(), "the same (only) worker ran the later task");
        assertEquals(List.of(boom), io.routineFailures());
    }

    @Test
    void closeRunsTasksAlreadyQueued() {
        AtomicInteger ran = new AtomicInteger();
        ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("closing", 1);
        executor.execute(() -> {
            while (!executor.isClosed()) {
                Thread.onSpinWait(); // hold the only worker until close() has started
            }
        });
        for (int i = 0; i < 100; i++) {
            executor.execute(ran::incrementAndGet);
        }

        executor.close();

        assertTrue(executor.isClosed());
        assertEquals(100, ran.get());
        executor.close(); // idempotent
    }

    @Test
    void executeAfterCloseRunsOnTheCallingThread() {
        ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("closed", 1);
        executor.close();
        AtomicReference<Thread> ranOn = new AtomicReference<>();

        executor.execute(() -> ranOn.set(Thread.currentThread()));

        assertSame(Thread.currentThread(), ranOn.get());
    }

    @Test
    void scheduledTaskFiresAndCancelledOneDoesNot() throws InterruptedException {
        CountDownLatch fired = new CountDownLatch(1);
        AtomicBoolean cancelledRan = new AtomicBoolean();
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("timers", 2)) {
            ScheduledTask cancelled = executor.schedule(Duration.ofHours(1), () -> cancelledRan.set(true));
            executor.schedule(Duration.ofMillis(5), fired::countDown);

            assertTrue(cancelled.cancel());
            assertFalse(cancelled.cancel());
            await(fired);
        }
        assertFalse(cancelledRan.get());
    }

    @Test
    void tasksRunAtPassiveLevelWithTheBoundIoManagerInAnExecutorThread() throws InterruptedException {
        IoManager bound = IoManager.create("executor");
        VerifierSink.Recording reports = VerifierSink.recording();
        bound.verifier().setSink(reports);
        AtomicReference<Irql> irql = new AtomicReference<>();
        AtomicReference<IoManager> current = new AtomicReference<>();
        AtomicBoolean inside = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("context", 1)) {
            executor.bindIoManager(bound);
            executor.execute(() -> Ke.raiseIrql(Irql.DISPATCH_LEVEL)); // a task that forgets to lower
            executor.execute(() -> {
                irql.set(Ke.getCurrentIrql());
                current.set(IoManager.current());
                inside.set(executor.inExecutorThread());
                done.countDown();
            });
            await(done);
            assertFalse(executor.inExecutorThread());
            assertEquals(1, executor.concurrency());
        }
        assertEquals(Irql.PASSIVE_LEVEL, irql.get());
        assertEquals(1, reports.count(VerifierRule.IRQL_BAD_TRANSITION), "the task that forgot to lower is reported");
        assertSame(bound, current.get());
        assertTrue(inside.get());
    }

    @Test
    void concurrencyMustBeBetweenOneAndSixtyFour() {
        assertThrows(IllegalArgumentException.class, () -> new ThreadedCompletionExecutor("none", 0));
        assertThrows(IllegalArgumentException.class, () -> new ThreadedCompletionExecutor("many", 65));
    }
}
