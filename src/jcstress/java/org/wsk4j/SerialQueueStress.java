package org.wsk4j;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ScheduledTask;

/**
 * The serial queue's idle hand-over (issues 15 and 17): the tail is the queue's stub exactly while the queue is idle,
 * the drain running dry CASes the stub back in as the tail, and the producer whose exchange takes the stub schedules
 * the next drain. Whatever the interleaving, no task is stranded (every task runs once the scheduled drains ran) and
 * exactly one drain is scheduled per idle period.
 */
public final class SerialQueueStress {

    private SerialQueueStress() {
    }

    /** An executor that only collects what it is given; the arbiter runs it. */
    static final class Collecting implements CompletionExecutor {
        final ConcurrentLinkedQueue<Runnable> scheduled = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            scheduled.add(task);
        }

        /** The arbiter's part: runs what was scheduled (and what that schedules) and says how many tasks ran. */
        int runScheduled() {
            int ran = 0;
            Runnable task;
            while ((task = scheduled.poll()) != null) {
                ran++;
                task.run();
            }
            return ran;
        }

        @Override
        public ScheduledTask schedule(Duration delay, Runnable task) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public boolean inExecutorThread() {
            return false;
        }

        @Override
        public void bindIoManager(IoManager ioManager) {
        }

        @Override
        public void close() {
        }
    }

    /** r1: tasks run in all; r2: drains scheduled in all (the first post's included). */
    @JCStressTest
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "the drain took the second task before running dry")
    @Outcome(id = "2, 2", expect = ACCEPTABLE, desc = "the drain ran dry first; the post scheduled a new one")
    @Outcome(expect = FORBIDDEN, desc = "a task was stranded, or drains were scheduled twice")
    @State
    public static class PostRacingTheDrain {
        final Collecting executor = new Collecting();
        final SerialQueue queue = new SerialQueue("stress", executor);
        int ran;
        Runnable firstDrain;

        public PostRacingTheDrain() {
            queue.post(() -> ran++); // schedules the first drain, which the drainer actor runs
            firstDrain = executor.scheduled.poll();
        }

        @Actor
        public void drainer() {
            firstDrain.run();
        }

        @Actor
        public void producer() {
            queue.post(() -> ran++);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = 1 + executor.runScheduled(); // the first drain, and those the race scheduled
            r.r1 = ran;
        }
    }

    /** r1: tasks run in all; r2: drains scheduled in all. Two posts race on an idle queue. */
    @JCStressTest
    @Outcome(id = "2, 1", expect = ACCEPTABLE, desc = "one of the two posts took the stub and scheduled the drain")
    @Outcome(expect = FORBIDDEN, desc = "a task was stranded, or both posts scheduled a drain")
    @State
    public static class TwoPostsOnAnIdleQueue {
        final Collecting executor = new Collecting();
        final SerialQueue queue = new SerialQueue("stress", executor);
        int ran;

        @Actor
        public void first() {
            queue.post(() -> ran++);
        }

        @Actor
        public void second() {
            queue.post(() -> ran++);
        }

        @Arbiter
        public void arbiter(II_Result r) {
            r.r2 = executor.runScheduled();
            r.r1 = ran;
        }
    }
}
