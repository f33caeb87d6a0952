package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class KEventTest extends IrpTestSupport {

    /** Starts a thread that waits forever on the event and records the result. */
    private static Thread waiter(KEvent event, ConcurrentLinkedQueue<NtStatus> results, CountDownLatch done) {
        Thread thread = new Thread(() -> {
            results.add(event.waitFor(null));
            done.countDown();
        }, "kevent-waiter");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Test
    void notificationEventReleasesAllWaitersAndStaysSignaled() throws InterruptedException {
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        ConcurrentLinkedQueue<NtStatus> results = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(3);
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiters.add(waiter(event, results, done));
        }
        waiters.forEach(IrpTestSupport::awaitWaiting);
        assertEquals(0, results.size());

        assertFalse(event.set());
        await(done);

        assertEquals(List.of(NtStatus.STATUS_SUCCESS, NtStatus.STATUS_SUCCESS, NtStatus.STATUS_SUCCESS),
                new ArrayList<>(results));
        assertTrue(event.readState());
        assertSame(NtStatus.STATUS_SUCCESS, event.waitFor(Duration.ZERO), "still signaled");
        assertTrue(event.readState());
    }

    @Test
    void synchronizationEventReleasesOneWaiterAndResetsItself() throws InterruptedException {
        KEvent event = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
        ConcurrentLinkedQueue<NtStatus> results = new ConcurrentLinkedQueue<>();
        CountDownLatch first = new CountDownLatch(1);
        CountDownLatch both = new CountDownLatch(2);
        Runnable onDone = () -> {
            both.countDown(); // before first: the main thread reads both's count as soon as first opens
            first.countDown();
        };
        Thread a = new Thread(() -> { results.add(event.waitFor(null)); onDone.run(); }, "sync-waiter-a");
        Thread b = new Thread(() -> { results.add(event.waitFor(null)); onDone.run(); }, "sync-waiter-b");
        a.start();
        b.start();
        awaitWaiting(a);
        awaitWaiting(b);

        event.set();
        await(first);

        assertEquals(1, results.size(), "one signal releases one waiter");
        assertFalse(event.readState(), "the released wait reset the event");
        assertEquals(1, both.getCount());

        event.set();
        await(both);
        join(a);
        join(b);
        assertEquals(2, results.size());
        assertFalse(event.readState());
    }

    @Test
    void setReturnsThePreviousStateAndResetClearAndReadStateWork() {
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        assertEquals(KEvent.EventType.NOTIFICATION_EVENT, event.type());
        assertFalse(event.readState());
        assertFalse(event.set());
        assertTrue(event.set());
        assertTrue(event.readState());
        assertTrue(event.reset());
        assertFalse(event.reset());
        event.set();
        event.clear();
        assertFalse(event.readState());
        assertTrue(new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, true).readState());
    }

    @Test
    void waitOnAnUnsignaledEventTimesOut() {
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        assertSame(NtStatus.STATUS_TIMEOUT, event.waitFor(Duration.ofMillis(20)));
        assertFalse(event.readState());
    }

    @Test
    void infiniteWaitIsReleasedBySetFromAnotherThread() throws InterruptedException {
        KEvent event = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
        Thread main = Thread.currentThread();
        Thread setter = new Thread(() -> {
            awaitWaiting(main);
            event.set();
        }, "kevent-setter");
        setter.start();

        assertSame(NtStatus.STATUS_SUCCESS, event.waitFor(null));

        join(setter);
        assertFalse(event.readState());
    }

    @Test
    void zeroTimeoutPolls() {
        KEvent event = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
        assertSame(NtStatus.STATUS_TIMEOUT, event.waitFor(Duration.ZERO));
        event.set();
        assertSame(NtStatus.STATUS_SUCCESS, event.waitFor(Duration.ZERO));
        assertFalse(event.readState(), "a successful poll of a synchronization event resets it");
        assertSame(NtStatus.STATUS_TIMEOUT, event.waitFor(Duration.ZERO));
    }

    @Test
    void waitingAtDispatchLevelIsIrqlNotPassive() {
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, true);
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            assertViolation(VerifierRule.IRQL_NOT_PASSIVE, () -> event.waitFor(Duration.ofMillis(1)));
            assertViolation(VerifierRule.IRQL_NOT_PASSIVE, () -> event.waitFor(null));
            assertSame(NtStatus.STATUS_SUCCESS, event.waitFor(Duration.ZERO), "a poll is allowed");
        } finally {
            Ke.lowerIrql(old);
        }
        assertRecorded(VerifierRule.IRQL_NOT_PASSIVE, VerifierRule.IRQL_NOT_PASSIVE);
    }

    @Test
    void interruptedWaiterIsAlertedAndKeepsTheInterruptFlag() throws InterruptedException {
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        Thread.currentThread().interrupt();
        try {
            assertSame(NtStatus.STATUS_ALERTED, event.waitFor(null));
            assertTrue(Thread.currentThread().isInterrupted());
        } finally {
            Thread.interrupted();
        }

        ConcurrentLinkedQueue<NtStatus> results = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Boolean> flags = new ConcurrentLinkedQueue<>();
        Thread blocked = new Thread(() -> {
            results.add(event.waitFor(null));
            flags.add(Thread.currentThread().isInterrupted());
        }, "kevent-interrupted");
        blocked.start();
        awaitWaiting(blocked);
        blocked.interrupt();
        join(blocked);

        assertEquals(List.of(NtStatus.STATUS_ALERTED), new ArrayList<>(results));
        assertEquals(List.of(true), new ArrayList<>(flags));
        assertFalse(event.readState());
    }
}
