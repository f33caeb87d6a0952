package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** The manual executor's task queue: FIFO, tasks taken from the middle, many producers and one consumer. */
class TaskInboxTest {

    private static Runnable task(List<String> ran, String name) {
        return () -> ran.add(name);
    }

    @Test
    void tasksComeOutInTheOrderTheyWentIn() {
        TaskInbox inbox = new TaskInbox();
        assertTrue(inbox.isEmpty());
        assertNull(inbox.poll());
        Runnable a = () -> { };
        Runnable b = () -> { };
        Runnable c = () -> { };
        inbox.add(a);
        inbox.add(b);
        assertFalse(inbox.isEmpty());
        assertEquals(2, inbox.size());
        assertSame(a, inbox.poll());
        inbox.add(c);
        assertEquals(List.of(b, c), inbox.snapshot());
        assertSame(b, inbox.poll());
        assertSame(c, inbox.poll());
        assertNull(inbox.poll());
        assertTrue(inbox.isEmpty());
        assertEquals(0, inbox.size());
    }

    @Test
    void aTaskTakenFromTheMiddleLeavesTheOthersInOrder() {
        TaskInbox inbox = new TaskInbox();
        List<String> ran = new ArrayList<>();
        for (String name : List.of("a", "b", "c", "d")) {
            inbox.add(task(ran, name));
        }
        inbox.takeAt(1).run(); // b
        inbox.takeAt(2).run(); // d: the last node stays linked, empty
        assertNull(inbox.takeAt(2));
        assertEquals(2, inbox.size());
        for (Runnable next; (next = inbox.poll()) != null; ) {
            next.run();
        }
        assertEquals(List.of("b", "d", "a", "c"), ran);
        assertTrue(inbox.isEmpty());
        inbox.add(task(ran, "e"));
        inbox.poll().run();
        assertEquals(List.of("b", "d", "a", "c", "e"), ran);
    }

    @Test
    void everyTaskPostedByManyThreadsRunsOnceInEachThreadsOrder() throws InterruptedException {
        // Four threads post to a manual executor while the test thread drains it: every task runs exactly once, and
        // the tasks of one thread run in the order that thread posted them.
        ManualCompletionExecutor executor = new ManualCompletionExecutor();
        int threads = 4;
        int perThread = 20_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
        int[] lastSeen = new int[threads];
        java.util.Arrays.fill(lastSeen, -1);
        List<String> orderErrors = new ArrayList<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> posters = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread poster = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    int index = i;
                    executor.execute(() -> { // the tasks run on the test thread only: plain arrays are fine
                        runs.incrementAndGet(thread * perThread + index);
                        if (lastSeen[thread] != index - 1) {
                            orderErrors.add("thread " + thread + ": task " + index + " after " + lastSeen[thread]);
                        }
                        lastSeen[thread] = index;
                    });
                }
            });
            poster.start();
            posters.add(poster);
        }
        start.countDown();
        while (posters.stream().anyMatch(Thread::isAlive)) {
            executor.runPending();
        }
        for (Thread poster : posters) {
            poster.join();
        }
        executor.runPending();
        assertEquals(List.of(), orderErrors);
        for (int i = 0; i < runs.length(); i++) {
            assertEquals(1, runs.get(i), "task " + i);
        }
        assertEquals(threads * perThread, executor.executedCount());
        assertEquals(0, executor.pendingCount());
    }

    @Test
    void runUntilWakesForATaskPostedFromAnotherThread() throws InterruptedException {
        ManualCompletionExecutor executor = new ManualCompletionExecutor(); // unbound: waits in real time
        boolean[] ran = new boolean[1];
        Thread poster = new Thread(() -> executor.execute(() -> ran[0] = true));
        poster.start();
        assertTrue(executor.runUntil(() -> ran[0], Duration.ofSeconds(30)));
        poster.join();
    }
}
