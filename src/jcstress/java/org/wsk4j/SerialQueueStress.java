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
 * The serial queue's IDLE/SCHEDULED word (issue 15): a post racing the drain that is running dry. The drain stores
 * IDLE and re-checks the tail; the producer exchanges the tail and reads the state. Whatever the interleaving, no
 * task is stranded (both run once the scheduled drains ran) and at most one extra drain is scheduled.
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
            int drains = 1;
            Runnable drain;
            while ((drain = executor.scheduled.poll()) != null) {
                drains++;
                drain.run();
            }
            r.r1 = ran;
            r.r2 = drains;
        }
    }
}
