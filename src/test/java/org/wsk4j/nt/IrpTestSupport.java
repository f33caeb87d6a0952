package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.function.Executable;

/**
 * Shared test support for the kernel primitives: a fresh {@link IoManager} bound to the test thread for
 * each test, the "lower driver" steps, and a recording completion routine.
 */
abstract class IrpTestSupport {

    /** Generous bound for waiting on other threads; never a timing assertion. */
    static final long AWAIT_SECONDS = 30;

    /** The I/O manager of the running test, bound to the test thread. */
    IoManager io;
    /** Receives the test's violations and routine failures instead of the ERROR log. */
    final VerifierSink.Recording sink = VerifierSink.recording();
    private IoManager.Binding binding;

    @BeforeEach
    final void bindIoManager(TestInfo test) {
        io = IoManager.create(getClass().getSimpleName() + "." + test.getDisplayName());
        io.verifier().setSink(sink); // the tests provoke violations on purpose and assert on them
        binding = io.bindToCurrentThread();
    }

    @AfterEach
    final void unbindIoManager() {
        Irql left = Ke.getCurrentIrql();
        if (left != Irql.PASSIVE_LEVEL) {
            Ke.lowerIrql(Irql.PASSIVE_LEVEL); // do not poison the next test on this thread
        }
        binding.close();
        assertEquals(Irql.PASSIVE_LEVEL, left, "the test left the thread above PASSIVE_LEVEL");
    }

    /** Puts one rule in LOG mode so a violation is recorded instead of thrown. */
    void logOnly(VerifierRule rule) {
        io.verifier().setMode(rule, Verifier.Mode.LOG);
    }

    /** Allocates an IRP from the current I/O manager and checks that it was not refused. */
    static Irp allocate(int stackSize) {
        Irp irp = Io.allocateIrp(stackSize, false);
        assertNotNull(irp, "IoAllocateIrp returned NULL");
        return irp;
    }

    /** The lower driver accepts the IRP: {@code IoSetNextIrpStackLocation}. */
    static void handDown(Irp irp) {
        assertTrue(Io.setNextIrpStackLocation(irp), "the IRP could not be handed down");
    }

    /** The lower driver completes an IRP it owns with the given status. */
    static void complete(Irp irp, NtStatus status) {
        irp.ioStatus().setStatus(status).setInformation(0);
        Io.completeRequest(irp);
    }

    /** The lower driver accepts the IRP and completes it at once with the given status. */
    static void handDownAndComplete(Irp irp, NtStatus status) {
        handDown(irp);
        complete(irp, status);
    }

    /** Asserts that the action breaks {@code rule} (FAIL mode) and returns the error. */
    static VerifierError assertViolation(VerifierRule rule, Executable action) {
        VerifierError error = assertThrows(VerifierError.class, action);
        assertEquals(rule, error.rule(), error::getMessage);
        return error;
    }

    /** Asserts that exactly the given rules were recorded by the verifier, in order. */
    void assertRecorded(VerifierRule... rules) {
        assertEquals(List.of(rules), io.verifier().violations().stream().map(VerifierReport::rule).toList());
    }

    /** Frees an IRP that must be back with its owner, and asserts that nothing is left alive. */
    void freeAndAssertNoLeaks(Irp... irps) {
        for (Irp irp : irps) {
            Io.freeIrp(irp);
        }
        assertEquals(0, io.liveIrpCount(), () -> "live IRPs: " + io.liveIrps());
    }

    /** Waits for a latch set by another thread, failing (not hanging) if it never is. */
    static void await(CountDownLatch latch) throws InterruptedException {
        assertTrue(latch.await(AWAIT_SECONDS, TimeUnit.SECONDS), "timed out waiting for another thread");
    }

    /** Waits for a thread to end, failing if it does not. */
    static void join(Thread thread) throws InterruptedException {
        thread.join(TimeUnit.SECONDS.toMillis(AWAIT_SECONDS));
        assertFalse(thread.isAlive(), () -> thread.getName() + " did not end");
    }

    /** Waits until a thread is blocked in a wait (so a signal is known to reach a waiter), or has ended. */
    static void awaitWaiting(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        while (thread.isAlive() && thread.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, () -> thread.getName() + " never started waiting");
            Thread.onSpinWait();
        }
    }

    /**
     * A completion routine that records what it saw on each call and returns a fixed result
     * (STATUS_MORE_PROCESSING_REQUIRED unless told otherwise).
     */
    static final class RecordingRoutine implements IoCompletionRoutine {
        final AtomicInteger calls = new AtomicInteger();
        private final NtStatus result;
        private final Consumer<Irp> action;
        volatile NtStatus status;
        volatile boolean pendingReturned;
        volatile boolean cancel;
        volatile Irql irql;
        volatile Object context;
        volatile DeviceObject deviceObject;

        RecordingRoutine() {
            this(NtStatus.STATUS_MORE_PROCESSING_REQUIRED, irp -> { });
        }

        RecordingRoutine(NtStatus result, Consumer<Irp> action) {
            this.result = result;
            this.action = action;
        }

        /** Registers this routine on the IRP's next location with the given invoke flags. */
        RecordingRoutine setOn(Irp irp, boolean onSuccess, boolean onError, boolean onCancel) {
            Io.setCompletionRoutine(irp, this, this, onSuccess, onError, onCancel);
            return this;
        }

        /** Registers this routine on the IRP's next location for every outcome. */
        RecordingRoutine setOn(Irp irp) {
            return setOn(irp, true, true, true);
        }

        @Override
        public NtStatus complete(DeviceObject device, Irp irp, Object ctx) {
            calls.incrementAndGet();
            status = irp.ioStatus().status();
            pendingReturned = irp.pendingReturned();
            cancel = irp.cancel();
            irql = Ke.getCurrentIrql();
            context = ctx;
            deviceObject = device;
            action.accept(irp);
            return result;
        }
    }
}
