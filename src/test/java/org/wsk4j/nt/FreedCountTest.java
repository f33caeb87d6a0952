package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.wsk4j.internal.CompletionThread;

/**
 * The freed-IRP count: the first thread to free counts in a field of its own (release stores by that one thread),
 * every other thread, wsk4j's included, in the atomic counter; the total is exact once they are done.
 */
class FreedCountTest {

    private static final int EACH = 20_000;

    @Test
    void theFirstThreadCountsAloneAndTheSumIsExact() {
        FreedCount count = new FreedCount();
        assertEquals(0, count.get());
        count.increment(); // this thread becomes the owner
        count.increment();
        assertEquals(2, count.get());
    }

    @Test
    void ownerOthersAndWsk4jThreadsAddUp() throws InterruptedException {
        FreedCount count = new FreedCount();
        count.increment(); // the test thread is the owner
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            threads.add(new Thread(() -> countAfter(start, count), "other-" + i));
        }
        threads.add(new CompletionThread(() -> countAfter(start, count), "wsk4j-test-completion"));
        for (Thread thread : threads) {
            thread.start();
        }
        start.countDown();
        for (int i = 0; i < EACH; i++) {
            count.increment(); // the owner, concurrently with the others
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(1 + EACH + threads.size() * (long) EACH, count.get());
    }

    @Test
    void aWsk4jThreadFirstBecomesTheOwnerLikeAnyOther() throws InterruptedException {
        FreedCount count = new FreedCount();
        Thread wsk4j = new CompletionThread(() -> {
            for (int i = 0; i < EACH; i++) {
                count.increment();
            }
        }, "wsk4j-test-completion");
        wsk4j.start();
        wsk4j.join();
        count.increment();
        Thread other = new Thread(() -> {
            for (int i = 0; i < EACH; i++) {
                count.increment();
            }
        }, "other");
        other.start();
        other.join();
        assertEquals(2L * EACH + 1, count.get());
    }

    private static void countAfter(CountDownLatch start, FreedCount count) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (int i = 0; i < EACH; i++) {
            count.increment();
        }
    }
}
