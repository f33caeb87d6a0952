package org.wsk4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.IoWorkItem;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.KDpc;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.KThread;
import org.wsk4j.nt.KTimer;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Kernel;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.WorkQueueType;
import org.wsk4j.nt.Zw;
import org.wsk4j.sim.SimNetwork;

/**
 * The kernel's thread and wait primitives on the simulated network, through the public API and the JUnit extension:
 * the test method is itself a driver thread at PASSIVE_LEVEL that blocks, starts system threads and waits for them.
 */
@WskTest
class KernelThreadsTest {

    private static Handle createThread(Ref<Object> thread, org.wsk4j.nt.KStartRoutine routine, Object context) {
        Ref<Handle> handle = new Ref<>();
        assertSame(STATUS_SUCCESS, Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, routine,
                context));
        assertSame(STATUS_SUCCESS, Ob.referenceObjectByHandle(handle.get(), Ps.THREAD_ALL_ACCESS, Ps.PsThreadType,
                KernelMode, thread, null));
        assertSame(STATUS_SUCCESS, Zw.close(handle.get()));
        return handle.get();
    }

    private static void join(Ref<Object> thread) {
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(thread.get(), Executive, KernelMode, false, null));
        Ob.dereferenceObject(thread.get());
    }

    @Test
    void aSystemThreadRunsWhenTheCreatorWaitsAndItsObjectIsSignaledWhenItEnds(Kernel kernel) {
        assertTrue(kernel.isDeterministic());
        List<String> order = new CopyOnWriteArrayList<>();
        KEvent started = new KEvent();
        Ke.initializeEvent(started, SynchronizationEvent, false);
        Ref<Object> thread = new Ref<>();
        createThread(thread, context -> {
            order.add("thread runs at " + Ke.getCurrentIrql());
            Ke.setEvent(started, Io.IO_NO_INCREMENT, false);
            Ps.terminateSystemThread(STATUS_CONNECTION_RESET);
            order.add("not reached");
        }, null);
        order.add("creator goes on");
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(started, Executive, KernelMode, false, null));
        order.add("creator woken");
        join(thread);
        assertEquals(List.of("creator goes on", "thread runs at PASSIVE_LEVEL", "creator woken"), order);
        assertSame(STATUS_CONNECTION_RESET, ((KThread) thread.get()).exitStatus());
    }

    @Test
    void aTimeoutIsVirtualAndCostsNoRealTime(ManualCompletionExecutor executor) {
        KEvent never = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        long realStart = System.nanoTime();
        long virtualStart = executor.nanoTime();
        assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(never, Executive, KernelMode, false, -210_000_000L)); // 21 s
        assertEquals(Duration.ofSeconds(21).toNanos(), executor.nanoTime() - virtualStart);
        assertTrue(System.nanoTime() - realStart < Duration.ofSeconds(5).toNanos(), "virtual, not real, seconds");
        // absolute timeout: system time moves with virtual time
        long now = Ke.querySystemTime();
        assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(never, Executive, KernelMode, false, now + 10_000_000L));
        assertEquals(now + 10_000_000L, Ke.querySystemTime());
        assertSame(STATUS_SUCCESS, Ke.delayExecutionThread(KernelMode, false, -5_000_000L));
        assertEquals(Duration.ofMillis(21_000 + 1_000 + 500).toNanos(), executor.nanoTime() - virtualStart);
    }

    @Test
    void pollingNeverBlocks() {
        KEvent event = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
        assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(event, Executive, KernelMode, false, 0L));
        event.set();
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(event, Executive, KernelMode, false, 0L));
        assertFalse(event.readState(), "a satisfied wait resets a synchronization event");
    }

    @Test
    void waitAnyReturnsTheLowestSignaledIndexAndWaitAllTakesAllAtOnce() {
        KEvent manual = new KEvent(NotificationEvent, false);
        KEvent auto = new KEvent(SynchronizationEvent, true);
        Object[] both = {manual, auto};
        assertSame(STATUS_WAIT_1, Ke.waitForMultipleObjects(2, both, WaitAny, Executive, KernelMode, false, 0L, null));
        auto.set();
        manual.set();
        assertSame(STATUS_WAIT_0, Ke.waitForMultipleObjects(2, both, WaitAny, Executive, KernelMode, false, 0L, null));
        manual.reset();
        assertSame(STATUS_TIMEOUT, Ke.waitForMultipleObjects(2, both, WaitAll, Executive, KernelMode, false, 0L, null));
        assertTrue(auto.readState(), "a WaitAll that timed out consumed nothing");
        manual.set();
        assertSame(STATUS_SUCCESS, Ke.waitForMultipleObjects(2, both, WaitAll, Executive, KernelMode, false, 0L, null));
        assertFalse(auto.readState());
        assertTrue(manual.readState());
    }

    @Test
    void timersFireInVirtualTimeAndQueueTheirDpcAtDispatchLevel(ManualCompletionExecutor executor) {
        KTimer timer = new KTimer();
        Ke.initializeTimerEx(timer, SynchronizationTimer);
        KDpc dpc = new KDpc();
        List<String> runs = new ArrayList<>();
        Ke.initializeDpc(dpc, (d, context, a1, a2) -> runs.add(context + " at " + Ke.getCurrentIrql() + " t="
                + executor.now().toMillis()), "dpc");
        long start = executor.nanoTime();
        assertFalse(Ke.setTimerEx(timer, -10_000_000L, 250, dpc), "not set before");
        for (int i = 0; i < 3; i++) {
            assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(timer, Executive, KernelMode, false, null));
        }
        assertEquals(Duration.ofMillis(1500).toNanos(), executor.nanoTime() - start, "1 s, then two 250 ms periods");
        assertTrue(Ke.cancelTimer(timer), "a periodic timer stays set");
        Ke.delayExecutionThread(KernelMode, false, 0L); // the last expiry's DPC was queued after the wait ended
        assertEquals(List.of("dpc at DISPATCH_LEVEL t=1000", "dpc at DISPATCH_LEVEL t=1250",
                "dpc at DISPATCH_LEVEL t=1500"), runs);
        assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(timer, Executive, KernelMode, false, -50_000_000L));
    }

    @Test
    void workItemsRunAtPassiveLevelOnASystemWorkerThread() {
        IoWorkItem item = Io.allocateWorkItem(DeviceObject.create("test", 1, (device, irp) -> STATUS_SUCCESS));
        KEvent done = new KEvent(SynchronizationEvent, false);
        AtomicReference<String> ran = new AtomicReference<>();
        Io.queueWorkItem(item, (device, context) -> {
            ran.set(context + " on " + Ps.getCurrentThread().name() + " at " + Ke.getCurrentIrql());
            // a work item may block: here, briefly, in virtual time
            Ke.delayExecutionThread(KernelMode, false, -1_000_000L);
            done.set();
        }, WorkQueueType.DelayedWorkQueue, "item");
        assertTrue(item.isQueued());
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(done, Executive, KernelMode, false, null));
        assertEquals("item on wsk4j-worker-1 at PASSIVE_LEVEL", ran.get());
        Io.freeWorkItem(item);
    }

    @Test
    void globalFunctionsUseTheTestsSubsystem(WskSubsystem wsk) {
        org.wsk4j.WskRegistration registration = new org.wsk4j.WskRegistration();
        assertSame(wsk, WskSubsystem.current());
        assertSame(STATUS_SUCCESS, org.wsk4j.Wsk.wskRegister(new org.wsk4j.WskClientNpi(null,
                new org.wsk4j.WskClientDispatch(org.wsk4j.Wsk.MAKE_WSK_VERSION(1, 0), 0, null)), registration));
        assertTrue(wsk.registrations().contains(registration), "registered on the test's simulated subsystem");
        // and a system thread created here inherits the binding
        AtomicReference<WskSubsystem> seen = new AtomicReference<>();
        Ref<Object> thread = new Ref<>();
        createThread(thread, context -> seen.set(WskSubsystem.current()), null);
        join(thread);
        assertSame(wsk, seen.get());
        org.wsk4j.Wsk.wskDeregister(registration);
    }

    @Test
    void twoThreadsWaitingForEachOtherAreReportedAtOnce(IoManager io) {
        io.verifier().setMode(VerifierRule.DRIVER_THREADS_DEADLOCKED, Verifier.Mode.LOG);
        KEvent a = new KEvent(SynchronizationEvent, false);
        KEvent b = new KEvent(SynchronizationEvent, false);
        Ref<Object> thread = new Ref<>();
        AtomicReference<Throwable> threadSaw = new AtomicReference<>();
        createThread(thread, context -> {
            try {
                Ke.waitForSingleObject(a, Executive, KernelMode, false, null);
                b.set();
            } catch (VerifierError e) {
                threadSaw.set(e);
                throw e;
            }
        }, null);
        long start = System.nanoTime();
        VerifierError error = assertThrows(VerifierError.class,
                () -> Ke.waitForSingleObject(b, Executive, KernelMode, false, null));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(1).toNanos(), "reported in well under a second");
        assertSame(VerifierRule.DRIVER_THREADS_DEADLOCKED, error.rule());
        String report = error.getMessage();
        assertTrue(report.contains("wsk4j-system-thread-1 (system): waiting in KeWaitForSingleObject on KEvent"), report);
        assertTrue(report.contains("KernelThreadsTest"), "each thread's stack names where it waits: " + report);
        List<VerifierReport> violations = io.verifier().violations();
        assertEquals(1, violations.size());
        io.verifier().clearViolations();
        assertTrue(io.routineFailures().isEmpty(), "a thread the kernel ended is not a routine failure");
    }

    @Test
    void badInputGetsTheKernelsAnswer(IoManager io) {
        io.verifier().setAllModes(Verifier.Mode.LOG);
        assertSame(STATUS_INVALID_PARAMETER, Ke.waitForSingleObject(null, Executive, KernelMode, false, null));
        assertSame(STATUS_INVALID_PARAMETER, Ke.waitForSingleObject(new KEvent(), Executive, KernelMode, false, 0L));
        assertSame(STATUS_INVALID_PARAMETER, Ke.waitForSingleObject("not an object", Executive, KernelMode, false, 0L));
        KTimer uninitialized = new KTimer();
        assertFalse(Ke.setTimer(uninitialized, -1L, null));
        assertSame(STATUS_INVALID_PARAMETER, Ke.waitForMultipleObjects(65, new Object[65], WaitAny, Executive,
                KernelMode, false, 0L, null));
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(new KEvent(NotificationEvent, false), Executive,
                    KernelMode, false, -10_000L), "the simulated processor cannot block at DISPATCH_LEVEL");
        } finally {
            Ke.lowerIrql(old);
        }
        IoWorkItem item = Io.allocateWorkItem(DeviceObject.create("bad", 1, (device, irp) -> STATUS_SUCCESS));
        KEvent done = new KEvent(NotificationEvent, false);
        AtomicInteger runs = new AtomicInteger();
        Io.queueWorkItem(item, (d, c) -> {
            runs.incrementAndGet();
            done.set();
        }, WorkQueueType.DelayedWorkQueue, null);
        Io.queueWorkItem(item, (d, c) -> runs.incrementAndGet(), WorkQueueType.DelayedWorkQueue, null);
        Io.freeWorkItem(item);
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(done, Executive, KernelMode, false, null));
        assertEquals(1, runs.get(), "the item accepted first runs exactly once");
        Io.freeWorkItem(item);
        assertSame(STATUS_INVALID_HANDLE, Zw.close(new Handle(0x1234)));
        List<VerifierRule> rules = io.verifier().violations().stream().map(VerifierReport::rule).toList();
        assertEquals(List.of(VerifierRule.WAIT_OBJECT_INVALID, VerifierRule.WAIT_OBJECT_INVALID,
                VerifierRule.WAIT_OBJECT_INVALID, VerifierRule.TIMER_OR_DPC_INVALID,
                VerifierRule.MAXIMUM_WAIT_OBJECTS_EXCEEDED, VerifierRule.IRQL_NOT_PASSIVE,
                VerifierRule.CALLBACK_BLOCKED, VerifierRule.WORK_ITEM_INVALID, VerifierRule.WORK_ITEM_INVALID,
                VerifierRule.OBJECT_REFERENCE_INVALID), rules);
        io.verifier().clearViolations();
    }

    @Test
    void aWaitOnAFreedThreadObjectIsReported(IoManager io) {
        io.verifier().setMode(VerifierRule.WAIT_OBJECT_INVALID, Verifier.Mode.LOG);
        Ref<Object> thread = new Ref<>();
        createThread(thread, context -> { }, null);
        join(thread); // drops the last reference once the thread ended
        assertSame(STATUS_INVALID_PARAMETER, Ke.waitForSingleObject(thread.get(), Executive, KernelMode, false, 0L));
        assertEquals(VerifierRule.WAIT_OBJECT_INVALID, io.verifier().violations().get(0).rule());
        io.verifier().clearViolations();
    }

    @Test
    void spinLocksRaiseTheIrqlAndCatchSelfDeadlocks(IoManager io) {
        org.wsk4j.nt.KSpinLock lock = new org.wsk4j.nt.KSpinLock();
        Ke.initializeSpinLock(lock);
        Ref<Irql> old = new Ref<>();
        Ke.acquireSpinLock(lock, old);
        assertSame(Irql.DISPATCH_LEVEL, Ke.getCurrentIrql());
        assertTrue(lock.isHeld());
        io.verifier().setMode(VerifierRule.SPIN_LOCK_MISUSE, Verifier.Mode.LOG);
        Ke.acquireSpinLockAtDpcLevel(lock); // the holder again: reported, not a hang
        Ke.releaseSpinLock(lock, old.get());
        assertSame(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        assertFalse(lock.isHeld());
        Ke.releaseSpinLock(lock, Irql.PASSIVE_LEVEL); // not held: reported
        assertEquals(List.of(VerifierRule.SPIN_LOCK_MISUSE, VerifierRule.SPIN_LOCK_MISUSE),
                io.verifier().violations().stream().map(VerifierReport::rule).toList());
        io.verifier().clearViolations();
    }

    @Test
    void flushQueuedDpcsReturnsOnceEarlierDpcsRan() {
        KDpc dpc = new KDpc();
        AtomicInteger ran = new AtomicInteger();
        Ke.initializeDpc(dpc, (d, context, a1, a2) -> ran.incrementAndGet(), null);
        assertTrue(Ke.insertQueueDpc(dpc, null, null));
        assertFalse(Ke.insertQueueDpc(dpc, null, null), "queued at most once");
        Ke.flushQueuedDpcs();
        assertEquals(1, ran.get());
        assertTrue(Ke.insertQueueDpc(dpc, null, null));
        assertTrue(Ke.removeQueueDpc(dpc));
        Ke.flushQueuedDpcs();
        assertEquals(1, ran.get(), "a removed DPC does not run");
    }

    @Test
    void aFailedRunLeavesNothingBehindOnTheTestThread() {
        SimNetwork failed = SimNetwork.create(3);
        try (WskSubsystem wsk = failed.newSubsystem(); IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            wsk.ioManager().verifier().setMode(VerifierRule.DRIVER_THREADS_DEADLOCKED, Verifier.Mode.LOG);
            wsk.ioManager().verifier().setSink(org.wsk4j.nt.VerifierSink.recording());
            KEvent never = new KEvent(SynchronizationEvent, false);
            Ref<Object> thread = new Ref<>();
            createThread(thread, context -> Ke.waitForSingleObject(never, Executive, KernelMode, false, null), null);
            // the system thread runs last and detects the deadlock; this (adopted) thread is woken with the error
            assertThrows(VerifierError.class, () -> Ke.waitForSingleObject(never, Executive, KernelMode, false, null));
            Ob.dereferenceObject(thread.get());
        } finally {
            failed.executor().close();
        }
        // the same Java thread, on this test's kernel and on a real one, waits normally afterwards
        KEvent set = new KEvent(NotificationEvent, true);
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(set, Executive, KernelMode, false, -10_000L));
        try (WskSubsystem real = WskSubsystem.builder().manualExecutor().build();
             IoManager.Binding ignored = real.bindToCurrentThread()) {
            assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(new KEvent(NotificationEvent, false), Executive,
                    KernelMode, false, -10_000L));
            assertNull(Ps.getCurrentThread(), "not a driver thread of the real kernel");
        }
    }

    /** The same seed gives the same interleaving; other seeds give others. */
    @Test
    void interleavingsAreReproducibleFromTheSeed() {
        List<String> first = race(7);
        assertEquals(first, race(7), "same seed, same event log");
        boolean differs = false;
        for (long seed = 1; seed <= 8 && !differs; seed++) {
            differs = !race(seed).equals(first);
        }
        assertTrue(differs, "some seed interleaves the threads differently");
    }

    /** Three threads append to a shared list, each waiting between steps; returns the network's event log. */
    private static List<String> race(long seed) {
        SimNetwork network = SimNetwork.create(seed);
        List<String> steps = new CopyOnWriteArrayList<>();
        try (WskSubsystem wsk = network.newSubsystem(); IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            KEvent go = new KEvent(NotificationEvent, false);
            List<Ref<Object>> threads = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                Ref<Object> thread = new Ref<>();
                int id = t;
                createThread(thread, context -> {
                    Ke.waitForSingleObject(go, Executive, KernelMode, false, null);
                    for (int step = 0; step < 3; step++) {
                        steps.add("thread " + id + " step " + step);
                        Ke.delayExecutionThread(KernelMode, false, 0L); // a yield: a scheduling point
                    }
                }, null);
                threads.add(thread);
            }
            go.set();
            threads.forEach(KernelThreadsTest::join);
        } finally {
            network.executor().close();
        }
        List<String> log = new ArrayList<>(network.eventLog());
        log.addAll(steps);
        return log;
    }
}
