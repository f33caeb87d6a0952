package org.wsk4j.nt;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * The manual executor's lock-free task queue (issue 17, session 8): producers that race the consumer, and the
 * wake-up handshake the executor builds on it (a waiter counts itself, then looks at the queue; a producer queues,
 * then reads the count).
 */
public final class TaskInboxStress {

    private TaskInboxStress() {
    }

    /**
     * A producer posts two tasks while the consumer polls twice (the consumer may see the tail moved before the link
     * is visible, and must wait for it rather than miss the task). r1: tasks taken exactly once (by the consumer or by
     * the arbiter's drain afterwards); r2: tasks taken out of order. (Two actors: the machine's two CPUs.)
     */
    @JCStressTest
    @Outcome(id = "2, 0", expect = ACCEPTABLE, desc = "both tasks taken once, in order")
    @Outcome(expect = FORBIDDEN, desc = "a task lost, taken twice or overtaken")
    @State
    public static class ProducerRacingTheConsumer {
        final TaskInbox inbox = new TaskInbox();
        final int[] taken = new int[2];
        int next;
        int outOfOrder;

        private Runnable task(int index) {
            return () -> {
                taken[index]++;
                if (index != next++) {
                    outOfOrder++;
                }
            };
        }

        @Actor
        public void producer() {
            inbox.add(task(0));
            inbox.add(task(1));
        }

        @Actor
        public void consumer() {
            for (int i = 0; i < 2; i++) {
                Runnable task = inbox.poll();
                if (task != null) {
                    task.run();
                }
            }
        }

        @Arbiter
        public void arbiter(II_Result r) {
            for (Runnable task; (task = inbox.poll()) != null; ) {
                task.run();
            }
            r.r1 = (taken[0] == 1 ? 1 : 0) + (taken[1] == 1 ? 1 : 0);
            r.r2 = outOfOrder;
        }
    }

    /**
     * r1: the producer saw the waiter (it would wake it); r2: the waiter saw the task (it would not wait). At least
     * one of the two holds: a task is never left behind a waiter that nobody wakes.
     */
    @JCStressTest
    @Outcome(id = {"1, 1", "1, 0", "0, 1"}, expect = ACCEPTABLE, desc = "the waiter is woken or sees the task")
    @Outcome(id = "0, 0", expect = FORBIDDEN, desc = "a missed wake-up")
    @State
    public static class WakeUpHandshake {
        final TaskInbox inbox = new TaskInbox();
        volatile int waiters;

        @Actor
        public void producer(II_Result r) {
            inbox.add(() -> { });
            r.r1 = waiters;
        }

        @Actor
        public void waiter(II_Result r) {
            waiters = 1;
            r.r2 = inbox.isEmpty() ? 0 : 1;
        }
    }
}
