package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CancelTest extends IrpTestSupport {

    /** A cancel routine that completes the IRP as cancelled, recording what it saw. */
    private static final class CompletingCancelRoutine implements DriverCancel {
        final AtomicInteger calls = new AtomicInteger();
        volatile Irql irql;
        volatile boolean cancelFlag;
        volatile DriverCancel routineWhileRunning;
        volatile DeviceObject deviceObject;

        @Override
        public void cancel(DeviceObject device, Irp irp) {
            calls.incrementAndGet();
            irql = Ke.getCurrentIrql();
            cancelFlag = irp.cancel();
            routineWhileRunning = irp.cancelRoutine();
            deviceObject = device;
            complete(irp, NtStatus.STATUS_CANCELLED);
        }
    }

    @Test
    void cancelWithoutCancelRoutineOnlySetsTheFlag() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);

        assertFalse(Io.cancelIrp(irp));

        assertTrue(irp.cancel());
        assertTrue(irp.isInFlight(), "cancelling does not complete the IRP by itself");
        assertEquals(0, routine.calls.get());
        complete(irp, NtStatus.STATUS_CANCELLED);
        assertTrue(routine.cancel);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void cancelRoutineRunsOnceAtDispatchLevelAndIsCleared() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);
        CompletingCancelRoutine cancelRoutine = new CompletingCancelRoutine();
        Io.setCancelRoutine(irp, cancelRoutine);

        assertTrue(Io.cancelIrp(irp));
        assertFalse(Io.cancelIrp(irp), "the routine was cleared before it ran");

        assertEquals(1, cancelRoutine.calls.get());
        assertEquals(Irql.DISPATCH_LEVEL, cancelRoutine.irql);
        assertTrue(cancelRoutine.cancelFlag);
        assertNull(cancelRoutine.routineWhileRunning);
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        assertEquals(1, routine.calls.get());
        assertSame(NtStatus.STATUS_CANCELLED, routine.status);
        assertTrue(routine.cancel);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void cancelRoutineReceivesTheDeviceThatOwnsTheCurrentLocation() {
        CompletingCancelRoutine cancelRoutine = new CompletingCancelRoutine();
        DeviceObject device = DeviceObject.create("\\Device\\Pending", 1, (dev, irp) -> {
            Io.markIrpPending(irp);
            Io.setCancelRoutine(irp, cancelRoutine);
            return NtStatus.STATUS_PENDING;
        });
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);

        assertSame(NtStatus.STATUS_PENDING, Io.callDriver(device, irp));
        assertTrue(Io.cancelIrp(irp));

        assertSame(device, cancelRoutine.deviceObject);
        assertTrue(routine.pendingReturned);
        assertSame(NtStatus.STATUS_CANCELLED, routine.status);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void cancelBeforeTheCancelRoutineIsSetIsCaughtByTheSetThenCheckPattern() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);
        assertFalse(Io.cancelIrp(irp), "cancelled before the lower driver set its routine");

        // The lower driver pends the IRP the documented way.
        CompletingCancelRoutine cancelRoutine = new CompletingCancelRoutine();
        assertNull(Io.setCancelRoutine(irp, cancelRoutine));
        if (irp.cancel() && Io.setCancelRoutine(irp, null) != null) {
            complete(irp, NtStatus.STATUS_CANCELLED);
        }

        assertEquals(0, cancelRoutine.calls.get());
        assertEquals(1, routine.calls.get());
        assertSame(NtStatus.STATUS_CANCELLED, routine.status);
        assertRecorded();
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void setCancelRoutineReturnsThePreviousRoutine() {
        Irp irp = allocate(1);
        DriverCancel first = (device, i) -> { };
        DriverCancel second = (device, i) -> { };

        assertNull(Io.setCancelRoutine(irp, first));
        assertSame(first, Io.setCancelRoutine(irp, second));
        assertSame(second, irp.cancelRoutine());
        assertSame(second, Io.setCancelRoutine(irp, null));
        assertNull(irp.cancelRoutine());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void exceptionFromACancelRoutineIsRecordedAndDoesNotPropagate() {
        Irp irp = allocate(1);
        new RecordingRoutine().setOn(irp);
        handDown(irp);
        IllegalStateException boom = new IllegalStateException("cancel boom");
        Io.setCancelRoutine(irp, (device, i) -> {
            throw boom;
        });

        assertTrue(Io.cancelIrp(irp));

        assertEquals(List.of(boom), io.routineFailures());
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        complete(irp, NtStatus.STATUS_CANCELLED);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void cancelRacingWithCompletionCompletesEachIrpExactlyOnce() throws Exception {
        int iterations = 2_000;
        int succeeded = 0;
        int cancelled = 0;
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < iterations; i++) {
                Irp irp = allocate(1);
                RecordingRoutine routine = new RecordingRoutine().setOn(irp);
                handDown(irp);
                Io.setCancelRoutine(irp, (device, x) -> complete(x, NtStatus.STATUS_CANCELLED));
                CountDownLatch start = new CountDownLatch(1);
                AtomicReference<Boolean> completedNormally = new AtomicReference<>();
                Future<?> completer = threads.submit(() -> {
                    await(start);
                    // Clear the cancel routine first; complete only if it was still ours.
                    boolean ours = Io.setCancelRoutine(irp, null) != null;
                    if (ours) {
                        complete(irp, NtStatus.STATUS_SUCCESS);
                    }
                    completedNormally.set(ours);
                    return null;
                });
                Future<?> canceller = threads.submit(() -> {
                    await(start);
                    Io.cancelIrp(irp);
                    return null;
                });
                start.countDown();
                completer.get(AWAIT_SECONDS, TimeUnit.SECONDS);
                canceller.get(AWAIT_SECONDS, TimeUnit.SECONDS);

                assertEquals(1, routine.calls.get(), "iteration " + i);
                NtStatus expected = completedNormally.get() ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_CANCELLED;
                assertSame(expected, routine.status, "iteration " + i);
                assertTrue(irp.cancel());
                if (completedNormally.get()) {
                    succeeded++;
                } else {
                    cancelled++;
                }
                Io.freeIrp(irp);
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(iterations, succeeded + cancelled);
        assertRecorded();
        assertEquals(List.of(), io.routineFailures());
        assertEquals(0, io.liveIrpCount());
    }
}
