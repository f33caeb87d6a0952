package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class IrpCompletionTest extends IrpTestSupport {

    /** How the lower driver ends the request. */
    enum Outcome {
        SUCCESS(NtStatus.STATUS_SUCCESS, false),
        ERROR(NtStatus.STATUS_CONNECTION_REFUSED, false),
        CANCELLED(NtStatus.STATUS_CANCELLED, true);

        final NtStatus status;
        final boolean cancelled;

        Outcome(NtStatus status, boolean cancelled) {
            this.status = status;
            this.cancelled = cancelled;
        }
    }

    static Stream<Arguments> invokeMatrix() {
        List<Arguments> cases = new ArrayList<>();
        for (Verifier.Mode mode : List.of(Verifier.Mode.LOG, Verifier.Mode.FAIL)) {
            for (int flags = 0; flags < 8; flags++) {
                for (Outcome outcome : Outcome.values()) {
                    cases.add(Arguments.of(outcome, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, mode));
                }
            }
        }
        return cases.stream();
    }

    // ---- when the routine runs ----------------------------------------------------------------------

    @ParameterizedTest(name = "{0}: onSuccess={1} onError={2} onCancel={3}, {4}")
    @MethodSource("invokeMatrix")
    void routineRunsExactlyWhenWindowsWould(Outcome outcome, boolean onSuccess, boolean onError, boolean onCancel,
                                            Verifier.Mode mode) throws Throwable {
        io.verifier().setMode(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER, mode);
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp, onSuccess, onError, onCancel);
        handDown(irp);
        if (outcome.cancelled) {
            assertFalse(Io.cancelIrp(irp), "no cancel routine was set");
        }
        boolean success = outcome.status.isSuccess();
        boolean expected = (success && onSuccess) || (!success && onError) || (outcome.cancelled && onCancel);

        if (expected || mode == Verifier.Mode.LOG) {
            complete(irp, outcome.status);
        } else {
            VerifierError error = assertViolation(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER,
                    () -> complete(irp, outcome.status));
            assertTrue(error.report().message().contains("IRP#" + irp.id()), error::getMessage);
        }

        assertEquals(expected ? 1 : 0, routine.calls.get());
        if (expected) {
            assertSame(outcome.status, routine.status);
            assertEquals(outcome.cancelled, routine.cancel);
            assertRecorded();
        } else {
            assertRecorded(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER);
        }
        assertFalse(irp.isInFlight());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void warningStatusCountsAsAnErrorForTheInvokeFlags() {
        logOnly(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER);
        Irp successOnly = allocate(1);
        RecordingRoutine notCalled = new RecordingRoutine().setOn(successOnly, true, false, false);
        handDownAndComplete(successOnly, NtStatus.STATUS_BUFFER_OVERFLOW);
        Irp errorOnly = allocate(1);
        RecordingRoutine called = new RecordingRoutine().setOn(errorOnly, false, true, false);
        handDownAndComplete(errorOnly, NtStatus.STATUS_BUFFER_OVERFLOW);

        assertEquals(0, notCalled.calls.get());
        assertEquals(1, called.calls.get());
        assertSame(NtStatus.STATUS_BUFFER_OVERFLOW, called.status);
        assertRecorded(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER);
        freeAndAssertNoLeaks(successOnly, errorOnly);
    }

    @Test
    void routineGetsItsContextAndNoDeviceForAOneLocationIrp() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine();
        Object context = new Object();
        Io.setCompletionRoutine(irp, routine, context, true, true, true);
        handDown(irp);
        irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS).setInformation(1234);
        Io.completeRequest(irp, Io.IO_NETWORK_INCREMENT);

        assertSame(context, routine.context);
        assertNull(routine.deviceObject);
        assertEquals(1234, irp.ioStatus().information());
        assertEquals(1, io.statistics().completedToOwner());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void readingAFreedIrpsIoStatusOrStackLocationIsUseAfterFree() {
        Irp irp = allocate(1);
        Io.setCompletionRoutine(irp, new RecordingRoutine(), null, true, true, true);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);
        assertSame(NtStatus.STATUS_SUCCESS, irp.ioStatus().status(), "read before the free: fine");
        Io.freeIrp(irp);

        VerifierError error = assertViolation(VerifierRule.IRP_USED_AFTER_FREE, irp::ioStatus);
        assertTrue(error.getMessage().contains("IoStatus read from freed IRP#"), error::getMessage);
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.getCurrentIrpStackLocation(irp));
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.getNextIrpStackLocation(irp));
        assertEquals(3, sink.count(VerifierRule.IRP_USED_AFTER_FREE), "each read reported once, to the sink");

        logOnly(VerifierRule.IRP_USED_AFTER_FREE);
        assertSame(NtStatus.STATUS_SUCCESS, irp.ioStatus().status(), "LOG mode: reported, the stale value returned");
        assertEquals(4, sink.count(VerifierRule.IRP_USED_AFTER_FREE));
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void theCompletionIsCountedBeforeTheOwnersRoutineCanFreeTheIrp() {
        Irp irp = allocate(1);
        java.util.concurrent.atomic.AtomicReference<String> seenInRoutine = new java.util.concurrent.atomic.AtomicReference<>();
        Io.setCompletionRoutine(irp, (device, completed, context) -> {
            Io.freeIrp(completed); // a driver that frees in its routine, then signals its unload thread
            IoManager.IrpStatistics now = io.statistics();
            seenInRoutine.set("completed " + now.completedToOwner() + ", freed " + now.freed());
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals("completed 1, freed 1", seenInRoutine.get(), "a summary printed from the routine is consistent");
        assertEquals(1, io.statistics().completedToOwner(), "counted once");
        assertEquals(0, io.liveIrpCount());
    }

    // ---- layered drivers: STATUS_MORE_PROCESSING_REQUIRED versus STATUS_CONTINUE_COMPLETION ---------

    /** A two-layer driver stack: the upper device sets a routine and passes the IRP to the lower one. */
    private static final class Layers {
        final List<String> order = Collections.synchronizedList(new ArrayList<>());
        final RecordingRoutine upperRoutine;
        final DeviceObject lower = DeviceObject.create("\\Device\\Lower", 1, (device, irp) -> {
            complete(irp, NtStatus.STATUS_SUCCESS);
            return NtStatus.STATUS_SUCCESS;
        });
        final DeviceObject upper = DeviceObject.create("\\Device\\Upper", 2, (device, irp) -> {
            Io.copyCurrentIrpStackLocationToNext(irp);
            Io.setCompletionRoutine(irp, upperRoutine(), null, true, true, true);
            return Io.callDriver(lower, irp);
        });

        Layers(NtStatus upperResult) {
            upperRoutine = new RecordingRoutine(upperResult, irp -> order.add("upper"));
        }

        RecordingRoutine upperRoutine() {
            return upperRoutine;
        }

        RecordingRoutine originatorRoutine(Irp irp) {
            return new RecordingRoutine(NtStatus.STATUS_MORE_PROCESSING_REQUIRED, i -> order.add("originator"))
                    .setOn(irp);
        }
    }

    @Test
    void continueCompletionGoesOnToTheNextHigherRoutineLowerFirst() {
        Layers layers = new Layers(NtStatus.STATUS_CONTINUE_COMPLETION);
        Irp irp = allocate(2);
        RecordingRoutine originator = layers.originatorRoutine(irp);

        assertSame(NtStatus.STATUS_SUCCESS, Io.callDriver(layers.upper, irp));

        assertEquals(List.of("upper", "originator"), layers.order);
        assertSame(layers.upper, layers.upperRoutine.deviceObject, "the device of the driver that set it");
        assertNull(originator.deviceObject);
        assertFalse(irp.isInFlight());
        assertRecorded();
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void moreProcessingRequiredStopsCompletionAndHandsTheIrpBack() {
        Layers layers = new Layers(NtStatus.STATUS_MORE_PROCESSING_REQUIRED);
        Irp irp = allocate(2);
        RecordingRoutine originator = layers.originatorRoutine(irp);

        Io.callDriver(layers.upper, irp);

        assertEquals(List.of("upper"), layers.order);
        assertEquals(0, originator.calls.get());
        assertTrue(irp.isInFlight(), "handed back to the upper driver, not to the originator");
        assertViolation(VerifierRule.IRP_FREED_WHILE_OWNED, () -> Io.freeIrp(irp));

        // The upper driver finishes its work and resumes completion where it stopped.
        Io.completeRequest(irp);

        assertEquals(List.of("upper", "originator"), layers.order);
        assertEquals(1, layers.upperRoutine.calls.get());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void moreProcessingRequiredAtTheTopHandsTheIrpBackToItsAllocator() {
        Irp irp = allocate(1);
        new RecordingRoutine().setOn(irp);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertFalse(irp.isInFlight());
        assertRecorded();
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void deviceWithoutDispatchRoutineCompletesWithInvalidDeviceRequest() {
        DeviceObject device = DeviceObject.create("\\Device\\Null", 1, null);
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);

        assertSame(NtStatus.STATUS_INVALID_DEVICE_REQUEST, Io.callDriver(device, irp));

        assertSame(NtStatus.STATUS_INVALID_DEVICE_REQUEST, routine.status);
        freeAndAssertNoLeaks(irp);
    }

    // ---- PendingReturned ----------------------------------------------------------------------------

    @ParameterizedTest(name = "marked pending: {0}")
    @ValueSource(booleans = {true, false})
    void routineSeesPendingReturnedExactlyWhenTheLowerDriverMarkedIt(boolean markPending) {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);
        if (markPending) {
            Io.markIrpPending(irp);
        }
        complete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(markPending, routine.pendingReturned);
        freeAndAssertNoLeaks(irp);
    }

    @ParameterizedTest(name = "marked pending: {0}")
    @ValueSource(booleans = {true, false})
    void pendingReturnedPropagatesPastALocationWithoutRoutine(boolean markPending) {
        List<Irp> pendingInLower = new ArrayList<>();
        DeviceObject lower = DeviceObject.create("\\Device\\Lower", 1, (device, irp) -> {
            if (markPending) {
                Io.markIrpPending(irp);
            }
            pendingInLower.add(irp);
            return NtStatus.STATUS_PENDING;
        });
        DeviceObject upper = DeviceObject.create("\\Device\\Upper", 2, (device, irp) -> {
            Io.copyCurrentIrpStackLocationToNext(irp); // no completion routine of its own
            return Io.callDriver(lower, irp);
        });
        Irp irp = allocate(2);
        RecordingRoutine originator = new RecordingRoutine().setOn(irp);

        assertSame(NtStatus.STATUS_PENDING, Io.callDriver(upper, irp));
        assertEquals(List.of(irp), pendingInLower);
        complete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(1, originator.calls.get());
        assertEquals(markPending, originator.pendingReturned);
        freeAndAssertNoLeaks(irp);
    }

    // ---- rule violations ----------------------------------------------------------------------------

    @Test
    void secondCompletionIsMultipleIrpCompleteRequests() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        VerifierError error = assertViolation(VerifierRule.IRP_MULTIPLE_COMPLETE, () -> Io.completeRequest(irp));

        assertEquals(0x44, error.report().rule().bugCheckCode());
        assertEquals("MULTIPLE_IRP_COMPLETE_REQUESTS", error.rule().bugCheckName());
        assertTrue(error.report().message().contains("IRP#" + irp.id()), error.report().message());
        assertTrue(error.getMessage().contains("MULTIPLE_IRP_COMPLETE_REQUESTS"));
        assertEquals(1, routine.calls.get());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void completingAnIrpNeverHandedDownIsMultipleComplete() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);

        assertViolation(VerifierRule.IRP_MULTIPLE_COMPLETE, () -> Io.completeRequest(irp));

        assertEquals(0, routine.calls.get());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void freeingWhileInFlightIsRefused() {
        Irp irp = allocate(1);
        new RecordingRoutine().setOn(irp);
        handDown(irp);

        assertViolation(VerifierRule.IRP_FREED_WHILE_OWNED, () -> Io.freeIrp(irp));

        assertFalse(irp.isFreed());
        assertEquals(1, io.liveIrpCount());
        complete(irp, NtStatus.STATUS_SUCCESS);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void freeingTwiceIsDoubleFree() {
        Irp irp = allocate(1);
        Io.freeIrp(irp);

        assertViolation(VerifierRule.IRP_DOUBLE_FREE, () -> Io.freeIrp(irp));

        assertEquals(1, io.statistics().freed());
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void reusingWhileInFlightIsRefused() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);

        assertViolation(VerifierRule.IRP_REUSED_WHILE_OWNED, () -> Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL));

        assertTrue(irp.isInFlight());
        complete(irp, NtStatus.STATUS_SUCCESS);
        assertEquals(1, routine.calls.get(), "the routine survived the refused reuse");
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void usingAFreedIrpIsUseAfterFree() {
        Irp irp = allocate(1);
        Io.freeIrp(irp);
        RecordingRoutine routine = new RecordingRoutine();

        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.completeRequest(irp));
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE,
                () -> Io.setCompletionRoutine(irp, routine, null, true, true, true));
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.cancelIrp(irp));
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.setNextIrpStackLocation(irp));
        assertViolation(VerifierRule.IRP_USED_AFTER_FREE, () -> Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL));

        assertFalse(irp.cancel(), "cancelIrp on a freed IRP must not touch it");
        assertEquals(0, routine.calls.get());
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void usingAFreedIrpInLogModeReturnsWithoutEffect() {
        logOnly(VerifierRule.IRP_USED_AFTER_FREE);
        Irp irp = allocate(1);
        Io.freeIrp(irp);

        assertFalse(Io.cancelIrp(irp));
        assertFalse(Io.setNextIrpStackLocation(irp));
        Io.completeRequest(irp);

        assertRecorded(VerifierRule.IRP_USED_AFTER_FREE, VerifierRule.IRP_USED_AFTER_FREE,
                VerifierRule.IRP_USED_AFTER_FREE);
        assertTrue(irp.isFreed());
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void irpWithoutStackLocationsCannotBeHandedDown() {
        Irp irp = allocate(0);
        assertEquals(0, irp.stackCount());

        VerifierError error = assertViolation(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                () -> Io.setNextIrpStackLocation(irp));
        assertEquals(0x35, error.rule().bugCheckCode());
        assertViolation(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                () -> Io.setCompletionRoutine(irp, new RecordingRoutine(), null, true, true, true));

        assertFalse(irp.isInFlight());
        freeAndAssertNoLeaks(irp);
    }

    @ParameterizedTest(name = "stack size {0}")
    @ValueSource(ints = {-1, 128})
    void stackSizeOutOfRangeIsAnInvalidArgument(int stackSize) {
        assertViolation(VerifierRule.INVALID_ARGUMENT, () -> Io.allocateIrp(stackSize, false));
        logOnly(VerifierRule.INVALID_ARGUMENT);

        assertNull(Io.allocateIrp(stackSize, false));

        assertRecorded(VerifierRule.INVALID_ARGUMENT, VerifierRule.INVALID_ARGUMENT);
        assertEquals(0, io.statistics().allocated());
    }

    @Test
    void largestStackSizeIsAccepted() {
        Irp irp = allocate(Io.MAX_STACK_SIZE);
        assertEquals(127, irp.stackCount());
        assertEquals(128, irp.currentLocation());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void completingWithStatusPendingIsABadCompletionState() {
        Irp failing = allocate(1);
        new RecordingRoutine().setOn(failing);
        handDown(failing);
        assertViolation(VerifierRule.IRP_BAD_COMPLETION_STATE, () -> complete(failing, NtStatus.STATUS_PENDING));
        assertTrue(failing.isInFlight(), "in FAIL mode the IRP stays with the driver that tried to complete it");
        complete(failing, NtStatus.STATUS_SUCCESS);
        Io.freeIrp(failing);

        logOnly(VerifierRule.IRP_BAD_COMPLETION_STATE);
        io.verifier().clearViolations();
        Irp logged = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(logged);
        handDownAndComplete(logged, NtStatus.STATUS_PENDING);

        assertRecorded(VerifierRule.IRP_BAD_COMPLETION_STATE);
        assertEquals(1, routine.calls.get(), "in LOG mode completion carries on");
        Io.freeIrp(logged);
    }

    @Test
    void completingWithACancelRoutineStillSetIsABadCompletionState() {
        Irp failing = allocate(1);
        new RecordingRoutine().setOn(failing);
        handDown(failing);
        Io.setCancelRoutine(failing, (device, irp) -> { });
        assertViolation(VerifierRule.IRP_BAD_COMPLETION_STATE, () -> complete(failing, NtStatus.STATUS_SUCCESS));
        assertTrue(failing.isInFlight(), "in FAIL mode the IRP stays with the driver that tried to complete it");
        assertNotNull(failing.cancelRoutine(), "and its cancel routine is untouched");
        Io.setCancelRoutine(failing, null);
        complete(failing, NtStatus.STATUS_SUCCESS);
        Io.freeIrp(failing);

        logOnly(VerifierRule.IRP_BAD_COMPLETION_STATE);
        io.verifier().clearViolations();
        Irp logged = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(logged);
        handDown(logged);
        Io.setCancelRoutine(logged, (device, irp) -> { });
        complete(logged, NtStatus.STATUS_SUCCESS);

        assertRecorded(VerifierRule.IRP_BAD_COMPLETION_STATE);
        assertEquals(1, routine.calls.get());
        assertNull(logged.cancelRoutine(), "completion cleared the cancel routine");
        Io.freeIrp(logged);
    }

    // ---- legal patterns -----------------------------------------------------------------------------

    @Test
    void freeingInsideTheCompletionRoutineThenReturningMoreProcessingRequiredIsLegal() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine(NtStatus.STATUS_MORE_PROCESSING_REQUIRED, Io::freeIrp)
                .setOn(irp);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(1, routine.calls.get());
        assertTrue(irp.isFreed());
        assertRecorded();
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void reuseAfterCompletionResetsTheIrpForAnotherRequest() {
        Irp irp = allocate(1);
        RecordingRoutine first = new RecordingRoutine().setOn(irp);
        handDown(irp);
        assertFalse(Io.cancelIrp(irp));
        irp.ioStatus().setStatus(NtStatus.STATUS_CANCELLED).setInformation(7);
        Io.completeRequest(irp);
        Io.setCancelRoutine(irp, (device, i) -> { });
        irp.setDriverContext("old");

        Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL);

        assertSame(NtStatus.STATUS_UNSUCCESSFUL, irp.ioStatus().status());
        assertEquals(0, irp.ioStatus().information());
        assertFalse(irp.cancel());
        assertNull(irp.cancelRoutine());
        assertNull(irp.driverContext());
        assertEquals(irp.stackCount() + 1, irp.currentLocation());
        assertNull(Io.getNextIrpStackLocation(irp).completionRoutine());

        RecordingRoutine second = new RecordingRoutine().setOn(irp);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(1, first.calls.get());
        assertEquals(1, second.calls.get());
        assertSame(NtStatus.STATUS_SUCCESS, second.status);
        assertFalse(second.cancel);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void anIrpReusedForRequestAfterRequestShowsOnlyWhatTheCurrentRequestSet() {
        // The IRP keeps the routine, context and driver context of the previous request internally (so that setting
        // the same ones again stores nothing): none of it may show through, or run, once the IRP was reused.
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine();
        Object driverContext = new Object();
        NtStatus[] outcomes = {NtStatus.STATUS_SUCCESS, NtStatus.STATUS_CONNECTION_REFUSED, NtStatus.STATUS_SUCCESS,
            NtStatus.STATUS_CANCELLED};
        for (int round = 0; round < outcomes.length; round++) {
            Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL);
            IoStackLocation next = Io.getNextIrpStackLocation(irp);
            assertNull(next.completionRoutine(), "round " + round + ": the previous routine shows through");
            assertNull(next.completionContext());
            assertNull(irp.driverContext(), "the previous driver context shows through");
            assertSame(NtStatus.STATUS_UNSUCCESSFUL, irp.ioStatus().status());

            routine.setOn(irp);
            irp.setDriverContext(driverContext);
            assertSame(routine, next.completionRoutine());
            assertSame(routine, next.completionContext());
            assertSame(driverContext, irp.driverContext());
            handDownAndComplete(irp, outcomes[round]);

            assertEquals(round + 1, routine.calls.get(), "the routine runs once per request");
            assertSame(outcomes[round], routine.status);
            assertSame(outcomes[round], irp.ioStatus().status());
        }
        irp.setDriverContext(null);
        assertNull(irp.driverContext(), "setting null clears the driver context");

        // Reused and given no routine this time: the old one must not run (the request completes to the I/O
        // manager, which the verifier reports).
        logOnly(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER);
        Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, null, null, true, true, true);
        assertNull(Io.getNextIrpStackLocation(irp).completionRoutine(), "a routine set to null reads null");
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);
        assertEquals(outcomes.length, routine.calls.get(), "the routine of an earlier request ran again");
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void completionRoutineRunsAtDispatchLevelAndTheThreadReturnsToPassive() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());

        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(Irql.DISPATCH_LEVEL, routine.irql);
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void completingAtDispatchLevelLeavesTheThreadAtDispatchLevel() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine().setOn(irp);
        handDown(irp);
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            complete(irp, NtStatus.STATUS_SUCCESS);
            assertEquals(Irql.DISPATCH_LEVEL, Ke.getCurrentIrql());
        } finally {
            Ke.lowerIrql(old);
        }
        assertEquals(Irql.DISPATCH_LEVEL, routine.irql);
        freeAndAssertNoLeaks(irp);
    }

    @Test
    void exceptionFromACompletionRoutineIsRecordedAndCountsAsHandedBack() {
        IllegalStateException boom = new IllegalStateException("boom");
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine(NtStatus.STATUS_SUCCESS, i -> {
            throw boom;
        }).setOn(irp);

        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);

        assertEquals(1, routine.calls.get());
        assertEquals(List.of(boom), io.routineFailures());
        assertFalse(irp.isInFlight());
        assertRecorded(); // not "completed to the I/O manager": the IRP went back to its owner
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        freeAndAssertNoLeaks(irp);
    }

    // ---- reports ------------------------------------------------------------------------------------

    @Test
    void reportNamesTheAllocationSiteWhenStackCaptureIsAlways() {
        io.verifier().setStackCapture(Verifier.StackCapture.ALWAYS);
        logOnly(VerifierRule.IRP_DOUBLE_FREE);
        Irp irp = allocate(1);
        new RecordingRoutine().setOn(irp);
        handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);
        Io.freeIrp(irp);
        Io.freeIrp(irp);

        VerifierReport report = io.verifier().violations().get(0);
        assertSame(irp.allocationSite(), report.allocationSite());
        String text = report.describe();
        assertTrue(text.contains("allocated at:"), text);
        assertTrue(text.contains("reportNamesTheAllocationSiteWhenStackCaptureIsAlways"), text);
        assertTrue(text.contains("last handed over at:"), text);
        assertTrue(text.contains("IRP#" + irp.id()), text);
    }

    @Test
    void sampledCaptureIsTheDefaultAndSamplesWholeObjects() {
        assertEquals(Verifier.StackCapture.SAMPLED, io.verifier().stackCapture(),
                "the library default (the verifier's cost budget); tests that read sites ask for ALWAYS");
        for (int i = 0; i < Verifier.CAPTURE_ALL_FIRST; i++) { // a test's first objects all have their sites
            Irp irp = allocate(1);
            assertNotNull(irp.allocationSite(), "object " + i);
            Io.freeIrp(irp);
        }
        int withSites = 0;
        for (int i = 0; i < 3 * Verifier.SAMPLE_INTERVAL; i++) {
            Irp irp = allocate(1);
            new RecordingRoutine().setOn(irp);
            handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);
            assertEquals(irp.allocationSite() != null, irp.handoverSite() != null,
                    "a sampled IRP has all its sites, the others none");
            withSites += irp.allocationSite() != null ? 1 : 0;
            Io.freeIrp(irp);
        }
        assertEquals(3, withSites, "one IRP in " + Verifier.SAMPLE_INTERVAL);

        // A report on an object without sites says how to get them.
        logOnly(VerifierRule.IRP_DOUBLE_FREE);
        Irp unsampled;
        do {
            unsampled = allocate(1);
            if (unsampled.allocationSite() != null) {
                Io.freeIrp(unsampled);
                unsampled = null;
            }
        } while (unsampled == null);
        Io.freeIrp(unsampled);
        Io.freeIrp(unsampled);
        String message = io.verifier().violations().get(0).message();
        assertTrue(message.contains("stack capture is SAMPLED") && message.contains("-D"
                + Verifier.STACK_CAPTURE_PROPERTY + "=always"), message);
    }

    @Test
    void sampledCaptureStopsCapturingTheHandOversOfAnIrpReusedForEveryRequest() {
        // A driver's IRPs allocated at start-up are sampled (the first CAPTURE_ALL_FIRST are); reused for every
        // request, each hand-over would cost a stack trace. SAMPLED captures the first SAMPLED_HANDOVERS of them.
        Irp irp = allocate(1);
        assertNotNull(irp.allocationSite(), "a test's first IRPs are sampled");
        List<Throwable> sites = new ArrayList<>();
        for (int request = 0; request < Verifier.SAMPLED_HANDOVERS + 3; request++) {
            Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL);
            new RecordingRoutine().setOn(irp);
            handDownAndComplete(irp, NtStatus.STATUS_SUCCESS);
            sites.add(irp.handoverSite());
        }
        for (int request = 0; request < sites.size(); request++) {
            assertEquals(request < Verifier.SAMPLED_HANDOVERS, sites.get(request) != null, "hand-over " + request);
        }
        assertEquals(Verifier.SAMPLED_HANDOVERS, sites.stream().distinct().filter(Objects::nonNull).count(),
                "a site per captured hand-over, not one kept");

        // A report on it says why it has no hand-over site, and how to get every one.
        logOnly(VerifierRule.IRP_DOUBLE_FREE);
        Io.freeIrp(irp);
        Io.freeIrp(irp);
        VerifierReport report = io.verifier().violations().get(0);
        assertSame(irp.allocationSite(), report.allocationSite());
        assertNull(report.handoverSite());
        assertTrue(report.message().contains("first " + Verifier.SAMPLED_HANDOVERS + " hand-overs of a sampled IRP")
                && report.message().contains("-D" + Verifier.STACK_CAPTURE_PROPERTY + "=always"), report.message());

        // ALWAYS captures every hand-over.
        io.verifier().setStackCapture(Verifier.StackCapture.ALWAYS);
        Irp always = allocate(1);
        for (int request = 0; request < Verifier.SAMPLED_HANDOVERS + 3; request++) {
            Io.reuseIrp(always, NtStatus.STATUS_UNSUCCESSFUL);
            new RecordingRoutine().setOn(always);
            handDownAndComplete(always, NtStatus.STATUS_SUCCESS);
            assertNotNull(always.handoverSite(), "hand-over " + request);
        }
        Io.freeIrp(always);
    }

    @Test
    void reportHasNoSiteWhenStackCaptureIsOff() {
        io.verifier().setStackCapture(Verifier.StackCapture.OFF);
        logOnly(VerifierRule.IRP_DOUBLE_FREE);
        Irp irp = allocate(1);
        Io.freeIrp(irp);
        Io.freeIrp(irp);

        VerifierReport report = io.verifier().violations().get(0);
        assertNull(irp.allocationSite());
        assertNull(report.allocationSite());
        String text = report.describe();
        assertFalse(text.contains("allocated at"), text);
        assertFalse(text.contains("reportHasNoSiteWhenStackCaptureIsOff"), text);
    }
}
