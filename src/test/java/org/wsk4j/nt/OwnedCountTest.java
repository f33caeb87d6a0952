package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.wsk4j.internal.CompletionThread;

/**
 * The I/O manager's thread-affine IRP counters ({@link OwnedCount}): the freed count (the first thread to free owns
 * it, wsk4j's threads included) and the completed-to-owner count (the first non-wsk4j thread owns it; wsk4j's threads
 * count in cells of their own, everyone else in an adder). Whoever counts, the total is exact once they are done.
 */
class OwnedCountTest {

    private static final int EACH = 20_000;

    /** One counter under test: how to count one and how to read the total. */
    record Counter(String name, Runnable increment, LongSupplier total) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Counter> counters() {
        FreedCount freed = new FreedCount();
        CompletedCount completed = new CompletedCount();
        return Stream.of(new Counter("FreedCount", freed::increment, freed::get),
                new Counter("CompletedCount", completed::increment, completed::sum));
    }

    @ParameterizedTest
    @MethodSource("counters")
    void theFirstThreadCountsAloneAndTheTotalIsExact(Counter count) {
        assertEquals(0, count.total().getAsLong());
        count.increment().run(); // this thread becomes the owner
        count.increment().run();
        assertEquals(2, count.total().getAsLong());
    }

    @ParameterizedTest
    @MethodSource("counters")
    void ownerOthersAndWsk4jThreadsAddUp(Counter count) throws InterruptedException {
        count.increment().run(); // the test thread is the owner
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
        countTimes(count); // the owner, concurrently with the others
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(1 + EACH + threads.size() * (long) EACH, count.total().getAsLong());
    }

    @ParameterizedTest
    @MethodSource("counters")
    void aWsk4jThreadCountingFirstStillLeavesAnExactTotal(Counter count) throws InterruptedException {
        // FreedCount: the wsk4j thread becomes the owner; CompletedCount: it counts in its cell and the owner field
        // goes to the next other thread. Either way nothing is lost.
        Thread wsk4j = new CompletionThread(() -> countTimes(count), "wsk4j-test-completion");
        wsk4j.start();
        wsk4j.join();
        count.increment().run();
        Thread other = new Thread(() -> countTimes(count), "other");
        other.start();
        other.join();
        assertEquals(2L * EACH + 1, count.total().getAsLong());
    }

    private static void countTimes(Counter count) {
        for (int i = 0; i < EACH; i++) {
            count.increment().run();
        }
    }

    private static void countAfter(CountDownLatch start, Counter count) {
        try {
            start.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        countTimes(count);
    }
}
