package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.ThreadedCompletionExecutor;

/** The socket's lock-free serial queue: order per producer, one task at a time, nothing lost, failures recorded. */
class SerialQueueTest {

    private static final int PRODUCERS = 6;
    private static final int TASKS_PER_PRODUCER = 50_000;

    @Test
    void tasksFromManyThreadsRunOneAtATimeInEachProducersOrder() throws InterruptedException {
        int total = PRODUCERS * TASKS_PER_PRODUCER;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        int[] lastSeen = new int[PRODUCERS]; // written by the tasks only: serialised by the queue itself
        AtomicInteger outOfOrder = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(total);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // Four executor threads: only the queue keeps the tasks serial.
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("serial-test", 4)) {
            SerialQueue queue = new SerialQueue("test socket", executor);
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(new Thread(() -> {
                    try {
                        for (int i = 1; i <= TASKS_PER_PRODUCER; i++) {
                            int sequence = i;
                            queue.post(() -> {
                                if (running.incrementAndGet() != 1) {
                                    overlaps.incrementAndGet();
                                }
                                if (lastSeen[producer] != sequence - 1) {
                                    outOfOrder.incrementAndGet();
                                }
                                lastSeen[producer] = sequence;
                                running.decrementAndGet();
                                done.countDown();
                            });
                        }
                    } catch (Throwable t) {
                        failure.set(t);
                    }
                }, "producer-" + p));
            }
            producers.forEach(Thread::start);
            for (Thread producer : producers) {
                producer.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertTrue(done.await(30, TimeUnit.SECONDS), "tasks lost: " + done.getCount() + " never ran");
        }
        assertEquals(null, failure.get());
        assertEquals(0, overlaps.get(), "two tasks of one queue ran at the same time");
        assertEquals(0, outOfOrder.get(), "a producer's tasks ran out of order");
        for (int p = 0; p < PRODUCERS; p++) {
            assertEquals(TASKS_PER_PRODUCER, lastSeen[p]);
        }
    }

    @Test
    void aTaskPostedByATaskRunsAfterItInTheSameDrain() {
        ManualCompletionExecutor executor = new ManualCompletionExecutor();
        SerialQueue queue = new SerialQueue("test socket", executor);
        List<String> order = new ArrayList<>();
        queue.post(() -> {
            order.add("first");
            queue.post(() -> order.add("posted by first"));
            order.add("first ends");
        });
        queue.post(() -> order.add("second"));
        assertEquals(1, executor.pendingCount(), "one drain is scheduled for the three tasks");
        executor.runPending();
        assertEquals(List.of("first", "first ends", "second", "posted by first"), order);
        queue.post(() -> order.add("after idle"));
        assertEquals(1, executor.pendingCount(), "an idle queue schedules a new drain");
        executor.runPending();
        assertEquals("after idle", order.get(order.size() - 1));
    }

    @Test
    void aTaskThatThrowsIsRecordedAndTheNextOneStillRuns() {
        IoManager manager = IoManager.create("serial-queue-test");
        org.wsk4j.nt.VerifierSink.Recording sink = org.wsk4j.nt.VerifierSink.recording();
        manager.verifier().setSink(sink);
        ManualCompletionExecutor executor = new ManualCompletionExecutor();
        SerialQueue queue = new SerialQueue("test socket", executor);
        AtomicInteger ran = new AtomicInteger();
        try (IoManager.Binding ignored = manager.bindToCurrentThread()) {
            queue.post(() -> {
                throw new IllegalStateException("broken routine");
            });
            queue.post(ran::incrementAndGet);
            executor.runPending();
        }
        assertEquals(1, ran.get());
        assertEquals(1, manager.routineFailures().size());
        assertEquals("broken routine", manager.routineFailures().get(0).getMessage());
        assertEquals(manager.routineFailures(), sink.routineFailures(), "reported to the sink, not logged");
    }

    /**
     * Fairness (issue 15): a drain runs at most {@link SerialQueue#BATCH} tasks, then yields the executor thread, so
     * a busy socket cannot starve another socket whose drain was queued behind it.
     */
    @Test
    void aBusyQueueYieldsToAnotherAfterABatch() {
        ManualCompletionExecutor executor = new ManualCompletionExecutor();
        SerialQueue busy = new SerialQueue("busy socket", executor);
        SerialQueue other = new SerialQueue("other socket", executor);
        List<String> order = new ArrayList<>();
        int busyTasks = 3 * SerialQueue.BATCH;
        for (int i = 0; i < busyTasks; i++) {
            int n = i;
            busy.post(() -> order.add("busy " + n));
        }
        other.post(() -> order.add("other"));
        executor.runPending();
        assertEquals(busyTasks + 1, order.size(), "nothing lost");
        assertEquals(SerialQueue.BATCH, order.indexOf("other"), "the other socket ran after one batch: " + order);
        for (int i = 0; i < busyTasks; i++) {
            assertEquals(i < SerialQueue.BATCH ? i : i + 1, order.indexOf("busy " + i), "the busy queue kept its order");
        }
    }
}
