package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ManualCompletionExecutorTest extends IrpTestSupport {

    private final ManualCompletionExecutor executor = new ManualCompletionExecutor();
    private final List<String> ran = Collections.synchronizedList(new ArrayList<>());

    private Runnable record(String name) {
        return () -> ran.add(name);
    }

    /** A timer task that records its name and the virtual time at which it ran. */
    private ScheduledTask timer(long millis, String name, List<Long> times) {
        return executor.schedule(Duration.ofMillis(millis), () -> {
            ran.add(name);
            times.add(executor.nanoTime());
        });
    }

    @Test
    void nothingRunsUntilTheTestRunsItThenInFifoOrder() {
        executor.execute(record("a"));
        executor.execute(record("b"));
        executor.execute(record("c"));

        assertEquals(List.of(), ran);
        assertEquals(3, executor.pendingCount());

        assertEquals(3, executor.runPending());
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(0, executor.pendingCount());
        assertEquals(3, executor.executedCount());
        assertEquals(0, executor.runPending());
    }

    @Test
    void tasksQueuedByTasksRunInTheSameRunPending() {
        executor.execute(() -> {
            ran.add("first");
            executor.execute(() -> {
                ran.add("second");
                executor.execute(record("third"));
            });
        });
        executor.execute(record("queued-before-second"));

        assertEquals(4, executor.runPending());

        assertEquals(List.of("first", "queued-before-second", "second", "third"), ran);
    }

    @Test
    void runNextRunsExactlyOneTask() {
        executor.execute(record("a"));
        executor.execute(record("b"));

        assertTrue(executor.runNext());
        assertEquals(List.of("a"), ran);
        assertEquals(1, executor.pendingCount());
        assertTrue(executor.runNext());
        assertFalse(executor.runNext());
        assertEquals(List.of("a", "b"), ran);
    }

    @Test
    void timersFireWhenTheClockReachesThemFifoAmongEqualTimes() {
        List<Long> times = Collections.synchronizedList(new ArrayList<>());
        ScheduledTask late = timer(50, "late", times);
        ScheduledTask firstAt30 = timer(30, "first-at-30", times);
        ScheduledTask early = timer(10, "early", times);
        ScheduledTask secondAt30 = timer(30, "second-at-30", times);

        assertEquals(0, executor.runPending(), "timers do not fire before their time");
        assertEquals(4, executor.timerCount());

        executor.advanceTimeBy(Duration.ofMillis(20));
        assertEquals(List.of("early"), ran);
        executor.advanceTimeBy(Duration.ofMillis(20));
        assertEquals(List.of("early", "first-at-30", "second-at-30"), ran);
        executor.advanceTimeBy(Duration.ofMillis(20));
        assertEquals(List.of("early", "first-at-30", "second-at-30", "late"), ran);

        List<Long> due = List.of(early.dueNanos(), firstAt30.dueNanos(), secondAt30.dueNanos(), late.dueNanos());
        assertEquals(due, times, "each timer runs with the clock at its due time");
        assertEquals(Duration.ofMillis(10).toNanos(), early.dueNanos());
        assertEquals(0, executor.timerCount());
    }

    @Test
    void cancelBeforeFiringPreventsItAndCancelAfterFiringReturnsFalse() {
        List<Long> times = new ArrayList<>();
        ScheduledTask cancelled = timer(10, "cancelled", times);
        ScheduledTask fired = timer(10, "fired", times);

        assertTrue(cancelled.cancel());
        assertFalse(cancelled.cancel(), "already cancelled");
        assertEquals(1, executor.timerCount());
        executor.advanceTimeBy(Duration.ofMillis(10));

        assertEquals(List.of("fired"), ran);
        assertFalse(fired.cancel(), "already fired");
    }

    @Test
    void advanceTimeByEndsExactlyAtStartPlusDuration() {
        timer(7, "t", new ArrayList<>());
        executor.advanceTimeBy(Duration.ofMillis(3));
        long start = executor.nanoTime();

        executor.advanceTimeBy(Duration.ofMillis(100));

        assertEquals(start + Duration.ofMillis(100).toNanos(), executor.nanoTime());
        assertEquals(Duration.ofMillis(103), executor.now());
        assertThrows(IllegalArgumentException.class, () -> executor.advanceTimeBy(Duration.ofMillis(-1)));
    }

    @Test
    void timerArmedByATimerFiresWithinTheSameAdvance() {
        List<Long> times = new ArrayList<>();
        executor.schedule(Duration.ofMillis(10), () -> {
            ran.add("outer");
            timer(10, "inner", times);
        });

        executor.advanceTimeBy(Duration.ofMillis(25));

        assertEquals(List.of("outer", "inner"), ran);
        assertEquals(List.of(Duration.ofMillis(20).toNanos()), times);
        assertEquals(Duration.ofMillis(25).toNanos(), executor.nanoTime());
    }

    @Test
    void runUntilIdleJumpsToTheLastTimer() {
        List<Long> times = new ArrayList<>();
        timer(Duration.ofHours(2).toMillis(), "last", times);
        timer(5_000, "first", times);
        executor.execute(record("task"));

        assertEquals(3, executor.runUntilIdle());

        assertEquals(List.of("task", "first", "last"), ran);
        assertEquals(Duration.ofHours(2).toNanos(), executor.nanoTime());
    }

    @Test
    void runUntilIdleRunsWhatATimerQueuesBeforeTheNextTimerEvenAtTheSameTime() {
        List<Long> times = new ArrayList<>();
        executor.schedule(Duration.ofMillis(10), () -> {
            ran.add("a");
            times.add(executor.nanoTime());
            executor.execute(() -> {
                ran.add("queued by a");
                times.add(executor.nanoTime());
                executor.schedule(Duration.ZERO, record("due now, armed by the task"));
            });
        });
        timer(10, "b", times);
        timer(20, "c", times);
        long executedBefore = executor.executedCount();

        assertEquals(5, executor.runUntilIdle());

        // The queue first, then due timers in due order (ties: the order they were armed), the clock moved to each.
        assertEquals(List.of("a", "queued by a", "b", "due now, armed by the task", "c"), ran);
        long ten = Duration.ofMillis(10).toNanos();
        assertEquals(List.of(ten, ten, ten, Duration.ofMillis(20).toNanos()), times);
        assertEquals(5, executor.executedCount() - executedBefore);
        assertFalse(executor.inExecutorThread(), "the draining thread gives up the runner when idle");
        assertEquals(0, executor.runUntilIdle());
    }

    @Test
    void tasksRunWithTheDrainingThreadAsRunnerWhichItGivesUpWhenIdle() {
        executor.execute(() -> {
            ran.add("inside");
            assertTrue(executor.inExecutorThread());
        });
        executor.execute(record("second"));

        assertEquals(2, executor.runPending());
        assertFalse(executor.inExecutorThread());
        executor.execute(record("third"));
        assertTrue(executor.runNext(), "runNext works after a drain: the runner was released");
        assertEquals(List.of("inside", "second", "third"), ran);
    }

    @Test
    void zeroOrNegativeDelayIsDueNow() {
        executor.schedule(Duration.ZERO, record("zero"));
        executor.schedule(Duration.ofMillis(-5), record("negative"));

        assertEquals(2, executor.runPending());
        assertEquals(List.of("zero", "negative"), ran);
        assertEquals(0, executor.nanoTime());
    }

    @Test
    void runningFromInsideATaskThrowsIllegalStateExceptionRecordedAsARoutineFailure() {
        executor.execute(() -> {
            ran.add("outer");
            executor.runPending();
            ran.add("not reached");
        });
        executor.execute(record("after"));

        assertEquals(2, executor.runPending());

        assertEquals(List.of("outer", "after"), ran);
        List<Throwable> failures = io.routineFailures();
        assertEquals(1, failures.size());
        assertInstanceOf(IllegalStateException.class, failures.get(0));
        assertFalse(executor.inExecutorThread());
    }

    @Test
    void runUntilWaitsForTasksPostedByAnotherThread() throws InterruptedException {
        AtomicBoolean done = new AtomicBoolean();
        Thread poster = new Thread(() -> executor.execute(() -> done.set(true)), "poster");
        poster.start();

        assertTrue(executor.runUntil(done::get, Duration.ofSeconds(AWAIT_SECONDS)));

        join(poster);
        assertEquals(0, executor.nanoTime(), "the virtual clock does not move");
    }

    @Test
    void runUntilReturnsFalseWhenTheConditionNeverHolds() {
        assertFalse(executor.runUntil(() -> false, Duration.ofMillis(10)));
    }

    @Test
    void tasksRunWithTheBoundIoManagerAtPassiveLevel() {
        IoManager bound = IoManager.create("executor");
        VerifierSink.Recording reports = VerifierSink.recording();
        bound.verifier().setSink(reports);
        executor.bindIoManager(bound);
        AtomicReference<IoManager> current = new AtomicReference<>();
        AtomicBoolean inside = new AtomicBoolean();
        executor.execute(() -> {
            current.set(IoManager.current());
            inside.set(executor.inExecutorThread());
            Ke.raiseIrql(Irql.DISPATCH_LEVEL); // a buggy task that forgets to lower
        });
        AtomicReference<Irql> next = new AtomicReference<>();
        executor.execute(() -> next.set(Ke.getCurrentIrql()));

        executor.runPending();

        assertSame(bound, current.get());
        assertTrue(inside.get());
        assertFalse(executor.inExecutorThread());
        assertEquals(Irql.PASSIVE_LEVEL, next.get(), "the runner resets the IRQL after each task");
        assertEquals(1, reports.count(VerifierRule.IRQL_BAD_TRANSITION), "the buggy task is reported once");
        assertSame(io, IoManager.current(), "the test thread's binding is restored");
    }

    @Test
    void exceptionInATaskIsRecordedInTheBoundManagerAndLaterTasksRun() {
        IoManager bound = IoManager.create("executor");
        VerifierSink.Recording reports = VerifierSink.recording();
        bound.verifier().setSink(reports);
        executor.bindIoManager(bound);
        RuntimeException boom = new RuntimeException("task boom");
        executor.execute(() -> {
            throw boom;
        });
        executor.execute(record("later"));

        assertEquals(2, executor.runPending());

        assertEquals(List.of("later"), ran);
        assertEquals(List.of(boom), bound.routineFailures());
        assertEquals(List.of(boom), reports.routineFailures(), "passed to the sink (not logged)");
        assertEquals(List.of(), io.routineFailures());
    }
}
