package org.wsk4j.nt;

import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O manager routines ({@code Io*}) for IRPs and MDLs, named after their WDK counterparts
 * ({@code IoAllocateIrp} is {@link #allocateIrp}, {@code IoSetCompletionRoutine} is
 * {@link #setCompletionRoutine}, and so on) and with the same parameter order.
 *
 * <p>The canonical use with WSK:
 *
 * <pre>{@code
 * Irp irp = Io.allocateIrp(1, false);
 * if (irp == null) {
 *     return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
 * }
 * Io.setCompletionRoutine(irp, MyDriver::connectComplete, socket, true, true, true);
 * return dispatch.wskConnect(socket, remoteAddress, 0, irp);
 * }</pre>
 *
 * <p><b>Completion</b> follows Windows: {@link #completeRequest} walks the stack locations from the
 * completing driver's upwards; at each, the routine registered there runs if its invoke flag for the
 * outcome is set (success and error judged by {@code NT_SUCCESS(IoStatus.Status)}, cancel by the
 * IRP's {@link Irp#cancel()} flag). A routine returning {@link NtStatus#STATUS_MORE_PROCESSING_REQUIRED}
 * stops completion and hands the IRP back to the driver that registered it; any other result
 * ({@link NtStatus#STATUS_CONTINUE_COMPLETION}) lets completion go on to the next higher location.
 * Completion routines run at {@link Irql#DISPATCH_LEVEL}; an exception thrown by one is caught,
 * recorded ({@link IoManager#routineFailures()}) and logged, and counts as
 * STATUS_MORE_PROCESSING_REQUIRED.
 *
 * <p><b>Rules.</b> Misuse is reported to the verifier of the IRP's {@link IoManager} (see
 * {@link VerifierRule}); in the default FAIL mode a {@link VerifierError} is thrown at the point of
 * misuse, otherwise the routine does nothing harmful and returns.
 *
 * <p>Thread safety: every routine may be called from any thread, subject to IRP ownership (see
 * {@link Irp}). {@link #cancelIrp} may race with completion.
 */
public final class Io {

    private static final Logger LOG = LoggerFactory.getLogger(Io.class);

    /** The largest stack size an IRP may have ({@code CCHAR} range). */
    public static final int MAX_STACK_SIZE = 127;
    /** {@code IO_NO_INCREMENT}: a priority boost for {@link #completeRequest(Irp, int)}. */
    public static final int IO_NO_INCREMENT = 0;
    /** {@code IO_NETWORK_INCREMENT}: a priority boost for {@link #completeRequest(Irp, int)}. */
    public static final int IO_NETWORK_INCREMENT = 2;

    private Io() {
    }

    // ---- allocation -------------------------------------------------------------------------------

    /**
     * {@code IoAllocateIrp}: allocates an IRP with {@code stackSize} stack locations from the current
     * {@link IoManager}.
     *
     * <p>Returns null when the manager's {@link IrpAllocationPolicy} makes the allocation fail, so a
     * driver's {@code STATUS_INSUFFICIENT_RESOURCES} branch is reachable. May be called at any IRQL up
     * to DISPATCH_LEVEL, from any thread.
     *
     * @param stackSize   the number of stack locations, 0 to 127; WSK calls need at least 1
     * @param chargeQuota whether to charge quota (recorded, no effect)
     * @return the new IRP, with status STATUS_SUCCESS and Information 0, or null
     * @throws VerifierError when stackSize is out of range and {@link VerifierRule#INVALID_ARGUMENT}
     *                       is in FAIL mode (otherwise null is returned)
     */
    public static Irp allocateIrp(int stackSize, boolean chargeQuota) {
        IoManager manager = IoManager.current();
        if (stackSize < 0 || stackSize > MAX_STACK_SIZE) {
            manager.verifier().report(VerifierRule.INVALID_ARGUMENT,
                    "IoAllocateIrp stack size " + stackSize + " is outside 0.." + MAX_STACK_SIZE, null);
            return null;
        }
        Irp irp = manager.allocate(stackSize, chargeQuota);
        IrpTimeline timeline = manager.timeline;
        if (timeline != null && irp != null) {
            timeline.allocated(irp);
        }
        return irp;
    }

    /**
     * {@code IoFreeIrp}: frees an IRP allocated with {@link #allocateIrp}. Legal while the IRP belongs to
     * its allocator: before it is passed down, after it was handed back, or inside the completion
     * routine the allocator registered (which must then return STATUS_MORE_PROCESSING_REQUIRED).
     * Attached MDLs are not freed.
     *
     * @param irp the IRP
     * @throws VerifierError on {@link VerifierRule#IRP_FREED_WHILE_OWNED} or
     *                       {@link VerifierRule#IRP_DOUBLE_FREE} in FAIL mode
     */
    public static void freeIrp(Irp irp) {
        if (irp == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "IoFreeIrp(NULL)", null);
            return;
        }
        while (true) {
            int s = irp.state;
            if (s == Irp.FREED) {
                irp.manager.verifier().report(VerifierRule.IRP_DOUBLE_FREE, irp + " freed twice", irp);
                return;
            }
            if (s == Irp.IN_FLIGHT || (s == Irp.COMPLETING && irp.currentLocation <= irp.stackCount())) {
                irp.manager.verifier().report(VerifierRule.IRP_FREED_WHILE_OWNED,
                        irp + " freed while a lower driver owns it", irp);
                return;
            }
            if (irp.casState(s, Irp.FREED)) {
                IrpTimeline timeline = irp.manager.timeline;
                if (timeline != null) {
                    timeline.freed(irp);
                }
                irp.bumpGeneration();
                irp.forgetReferences(); // a freed IRP keeps no routine or context reachable
                irp.manager.onFreed(irp);
                return;
            }
        }
    }

    /**
     * {@code IoReuseIrp}: reinitialises a completed IRP for another request, storing {@code status} in
     * its status block. The completion routine, cancel flag and cancel routine are cleared; call
     * {@link #setCompletionRoutine} again before passing it on.
     *
     * @param irp    the IRP, owned by its allocator
     * @param status the status to store, conventionally STATUS_UNSUCCESSFUL
     * @throws VerifierError on {@link VerifierRule#IRP_REUSED_WHILE_OWNED} or
     *                       {@link VerifierRule#IRP_USED_AFTER_FREE} in FAIL mode
     */
    public static void reuseIrp(Irp irp, NtStatus status) {
        if (!checkNotFreed(irp, "IoReuseIrp")) {
            return;
        }
        int s = irp.state;
        if (s == Irp.IN_FLIGHT || (s == Irp.COMPLETING && irp.currentLocation <= irp.stackCount())) {
            irp.manager.verifier().report(VerifierRule.IRP_REUSED_WHILE_OWNED,
                    irp + " reused while a lower driver owns it", irp);
            return;
        }
        for (int i = 1; i <= irp.stackCount(); i++) {
            irp.stack[i].clear();
        }
        irp.currentLocation = irp.stackCount() + 1;
        irp.cancel = false;
        irp.pendingReturned = false;
        irp.clearCancelRoutine();
        irp.ioStatus.setStatus(status == null ? NtStatus.STATUS_SUCCESS : status).setInformation(0);
        irp.setDriverContext(null);
        irp.bumpGeneration();
        if (s != Irp.COMPLETING && s != Irp.ALLOCATED) {
            irp.setStateRelease(Irp.ALLOCATED); // COMPLETED, the owner's: no other thread changes it (no CAS)
        }
    }

    // ---- completion routine and stack locations ---------------------------------------------------

    /**
     * {@code IoSetCompletionRoutine}: registers the routine that runs when the next lower driver
     * completes the IRP, in the IRP's next stack location.
     *
     * <p>A driver that allocated the IRP itself and passes it to WSK must pass {@code true, true, true}
     * and return STATUS_MORE_PROCESSING_REQUIRED from the routine.
     *
     * @param irp             the IRP
     * @param routine         the routine, or null to clear
     * @param context         passed to the routine as its third argument
     * @param invokeOnSuccess run the routine when the final status is a success
     * @param invokeOnError   run the routine when the final status is an error or warning
     * @param invokeOnCancel  run the routine when the IRP was cancelled
     * @throws VerifierError when the IRP has no next stack location
     *                       ({@link VerifierRule#IRP_NO_MORE_STACK_LOCATIONS}) or was freed, in FAIL mode
     */
    public static void setCompletionRoutine(Irp irp, IoCompletionRoutine routine, Object context,
                                            boolean invokeOnSuccess, boolean invokeOnError, boolean invokeOnCancel) {
        if (!checkNotFreed(irp, "IoSetCompletionRoutine")) {
            return;
        }
        int next = irp.currentLocation - 1;
        if (next < 1) {
            irp.manager.verifier().report(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                    "IoSetCompletionRoutine on " + irp + ": no next stack location", irp);
            return;
        }
        IoStackLocation location = irp.stack[next];
        location.setCompletion(routine, context);
        location.invokeOnSuccess = invokeOnSuccess;
        location.invokeOnError = invokeOnError;
        location.invokeOnCancel = invokeOnCancel;
    }

    /**
     * {@code IoGetCurrentIrpStackLocation}: the stack location of the driver that currently owns the IRP.
     *
     * @param irp the IRP
     * @return the location, or null when no driver has taken one
     * @throws VerifierError on {@link VerifierRule#IRP_USED_AFTER_FREE} (a freed IRP) in FAIL mode
     */
    public static IoStackLocation getCurrentIrpStackLocation(Irp irp) {
        irp.checkReadable("IoGetCurrentIrpStackLocation");
        int current = irp.currentLocation;
        return current >= 1 && current <= irp.stackCount() ? irp.stack[current] : null;
    }

    /**
     * {@code IoGetNextIrpStackLocation}: the stack location the next lower driver will take.
     *
     * @param irp the IRP
     * @return the location, or null when none is left
     * @throws VerifierError on {@link VerifierRule#IRP_USED_AFTER_FREE} (a freed IRP) in FAIL mode
     */
    public static IoStackLocation getNextIrpStackLocation(Irp irp) {
        irp.checkReadable("IoGetNextIrpStackLocation");
        int next = irp.currentLocation - 1;
        return next >= 1 && next <= irp.stackCount() ? irp.stack[next] : null;
    }

    /**
     * {@code IoCopyCurrentIrpStackLocationToNext}: copies the current location's request to the next
     * location, without the completion routine.
     *
     * @param irp the IRP, owned by the calling driver
     */
    public static void copyCurrentIrpStackLocationToNext(Irp irp) {
        IoStackLocation current = getCurrentIrpStackLocation(irp);
        IoStackLocation next = getNextIrpStackLocation(irp);
        if (current == null || next == null) {
            irp.manager.verifier().report(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                    "IoCopyCurrentIrpStackLocationToNext on " + irp, irp);
            return;
        }
        next.setMajorFunction(current.majorFunction()).setMinorFunction(current.minorFunction())
                .setParameters(current.parameters());
        next.clearCompletion();
    }

    /**
     * {@code IoSkipCurrentIrpStackLocation}: gives the current location to the next lower driver, so
     * that passing the IRP on does not use a new location.
     *
     * @param irp the IRP, owned by the calling driver
     */
    public static void skipCurrentIrpStackLocation(Irp irp) {
        if (irp.currentLocation > irp.stackCount()) {
            irp.manager.verifier().report(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                    "IoSkipCurrentIrpStackLocation on " + irp + ", which has no current location", irp);
            return;
        }
        irp.currentLocation++;
    }

    /**
     * {@code IoSetNextIrpStackLocation}: makes the next lower location current, handing the IRP to the
     * driver below. This is what {@link #callDriver} and every WSK function do when they accept an IRP;
     * from then on the IRP belongs to that driver until it is completed.
     *
     * @param irp the IRP
     * @return true when the IRP was handed over; false when it was freed or has no stack location left
     *         (reported to the verifier)
     * @throws VerifierError on {@link VerifierRule#IRP_NO_MORE_STACK_LOCATIONS} or
     *                       {@link VerifierRule#IRP_USED_AFTER_FREE} in FAIL mode
     */
    public static boolean setNextIrpStackLocation(Irp irp) {
        if (!checkNotFreed(irp, "IoSetNextIrpStackLocation")) {
            return false;
        }
        int next = irp.currentLocation - 1;
        if (next < 1) {
            irp.manager.verifier().report(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                    irp + " passed to a driver with no stack location left", irp);
            return false;
        }
        int s = irp.state;
        if (s == Irp.FREED) {
            return checkNotFreed(irp, "IoSetNextIrpStackLocation");
        }
        if (s != Irp.IN_FLIGHT) {
            // The owner hands the IRP over. No other thread moves an IRP out of ALLOCATED or COMPLETED, and out of
            // COMPLETING (re-sent while its routine is still returning) only with a CAS from COMPLETING, which then
            // fails or is overridden here: either way the IRP ends in flight. So a release store does, not a CAS.
            irp.setStateRelease(Irp.IN_FLIGHT);
        }
        irp.bumpGeneration();
        irp.currentLocation = next;
        irp.stack[next].pendingReturned = false;
        Throwable site = irp.manager.verifier().captureHandoverSite(irp);
        if (site != null || irp.handoverSite != null) { // no volatile store when stack capture is off
            irp.handoverSite = site;
        }
        return true;
    }

    /**
     * {@code IoCallDriver}: passes the IRP to a device's dispatch routine, in the next stack location.
     *
     * @param deviceObject the target device
     * @param irp          the IRP
     * @return the dispatch routine's result: the final status, or STATUS_PENDING; STATUS_INVALID_PARAMETER
     *         when the IRP could not be handed over (nothing completed); STATUS_INVALID_DEVICE_REQUEST
     *         (IRP completed) when the device has no dispatch routine
     */
    public static NtStatus callDriver(DeviceObject deviceObject, Irp irp) {
        if (!setNextIrpStackLocation(irp)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        irp.stack[irp.currentLocation].deviceObject = deviceObject;
        DriverDispatch dispatch = deviceObject.dispatch();
        if (dispatch == null) {
            irp.ioStatus.setStatus(NtStatus.STATUS_INVALID_DEVICE_REQUEST).setInformation(0);
            completeRequest(irp, IO_NO_INCREMENT);
            return NtStatus.STATUS_INVALID_DEVICE_REQUEST;
        }
        return dispatch.dispatch(deviceObject, irp);
    }

    /**
     * {@code IoMarkIrpPending}: records in the current stack location that this driver returns
     * STATUS_PENDING for the IRP, so the routine above sees {@link Irp#pendingReturned()}.
     *
     * <p>A driver must not call it for an IRP it allocated itself (there is no current location then).
     *
     * @param irp the IRP, owned by the calling driver
     */
    public static void markIrpPending(Irp irp) {
        if (!checkNotFreed(irp, "IoMarkIrpPending")) {
            return;
        }
        IoStackLocation current = getCurrentIrpStackLocation(irp);
        if (current == null) {
            irp.manager.verifier().report(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS,
                    "IoMarkIrpPending on " + irp + ", which has no current stack location"
                            + " (a driver must not mark an IRP it allocated pending)", irp);
            return;
        }
        current.pendingReturned = true;
        IrpTimeline timeline = irp.manager.timeline;
        if (timeline != null) {
            timeline.pending(irp);
        }
    }

    /**
     * {@code IoCompleteRequest}: completes the IRP with the status already stored in its status block,
     * running the completion routines as described in the class documentation.
     *
     * @param irp           the IRP, owned by the calling driver; the caller must not touch it afterwards
     * @param priorityBoost ignored (for example {@link #IO_NO_INCREMENT})
     * @throws VerifierError on {@link VerifierRule#IRP_MULTIPLE_COMPLETE},
     *                       {@link VerifierRule#IRP_BAD_COMPLETION_STATE} or
     *                       {@link VerifierRule#IRP_COMPLETED_TO_IO_MANAGER} in FAIL mode
     */
    public static void completeRequest(Irp irp, int priorityBoost) {
        if (!checkNotFreed(irp, "IoCompleteRequest")) {
            return;
        }
        if (irp.state == Irp.IN_FLIGHT) {
            // Checked before the state changes, so that in FAIL mode the IRP stays with its owner.
            if (irp.cancelRoutine() != null) {
                irp.manager.verifier().report(VerifierRule.IRP_BAD_COMPLETION_STATE,
                        irp + " completed with its cancel routine still set", irp);
            }
            if (irp.ioStatus.status() == NtStatus.STATUS_PENDING) {
                irp.manager.verifier().report(VerifierRule.IRP_BAD_COMPLETION_STATE,
                        irp + " completed with status STATUS_PENDING", irp);
            }
        }
        if (!irp.casState(Irp.IN_FLIGHT, Irp.COMPLETING)) {
            irp.manager.verifier().report(VerifierRule.IRP_MULTIPLE_COMPLETE,
                    irp + " completed while " + Irp.stateName(irp.state)
                            + " (already completed, or never passed to a driver)", irp);
            return;
        }
        irp.clearCancelRoutine();
        Irql[] irql = Ke.irqlCell(); // one lookup for the raise and the lower
        Irql old = irql[0];
        if (old != Irql.DISPATCH_LEVEL) {
            irql[0] = Irql.DISPATCH_LEVEL; // KeRaiseIrql: from below DISPATCH_LEVEL, never a bad transition
        }
        try {
            walkCompletion(irp);
        } finally {
            if (old != Irql.DISPATCH_LEVEL) {
                Ke.lowerIrql(irql, old);
            }
        }
    }

    /**
     * {@code IoCompleteRequest(Irp, IO_NO_INCREMENT)}.
     *
     * @param irp the IRP, owned by the calling driver
     * @see #completeRequest(Irp, int)
     */
    public static void completeRequest(Irp irp) {
        completeRequest(irp, IO_NO_INCREMENT);
    }

    private static void walkCompletion(Irp irp) {
        int stackCount = irp.stackCount();
        boolean counted = false;
        for (int loc = irp.currentLocation; loc <= stackCount; loc++) {
            IoStackLocation location = irp.stack[loc];
            irp.pendingReturned = location.pendingReturned;
            irp.currentLocation = loc + 1;
            IoCompletionRoutine routine = location.routine();
            boolean success = irp.ioStatus.status().isSuccess();
            boolean invoke = routine != null
                    && ((success && location.invokeOnSuccess) || (!success && location.invokeOnError)
                    || (irp.cancel && location.invokeOnCancel));
            Object context = location.completionContext;
            DeviceObject device = loc < stackCount ? irp.stack[loc + 1].deviceObject : null;
            boolean pending = location.pendingReturned;
            location.clear();
            if (!invoke) {
                if (pending && loc < stackCount) {
                    irp.stack[loc + 1].pendingReturned = true; // propagate, as IoCompleteRequest does
                }
                continue;
            }
            int generation = irp.generation;
            boolean top = loc == stackCount;
            if (top) {
                // The owner's routine gets the IRP back: counted before it runs, so whoever observes what the routine
                // does (an IoFreeIrp, an event it signals before a deregistration summary) sees it counted completed.
                irp.manager.onCompletedToOwner();
                counted = true;
            }
            IrpTimeline timeline = irp.manager.timeline;
            NtStatus status = irp.ioStatus.status();
            long irpId = irp.id;
            long started = timeline == null ? 0 : timeline.completing(irp, status);
            NtStatus result = invokeRoutine(routine, device, irp, context);
            if (timeline != null) {
                timeline.routineRan(irpId, started, status, result);
            }
            if (result.code() == NtStatus.STATUS_MORE_PROCESSING_REQUIRED.code()) {
                if (irp.generation == generation) {
                    irp.casState(Irp.COMPLETING, top ? Irp.COMPLETED : Irp.IN_FLIGHT);
                } else if (irp.state == Irp.COMPLETING) { // freed in the routine (the usual case): no CAS that fails
                    irp.casState(Irp.COMPLETING, Irp.COMPLETED); // reused inside the routine
                }
                return;
            }
            if (irp.generation != generation) {
                irp.manager.verifier().report(VerifierRule.IRP_USED_AFTER_FREE, "the completion routine of " + irp
                        + " freed, reused or re-sent it and then returned " + result
                        + " instead of STATUS_MORE_PROCESSING_REQUIRED", irp);
                return;
            }
        }
        irp.casState(Irp.COMPLETING, Irp.COMPLETED);
        if (!counted) {
            irp.manager.onCompletedToOwner();
        }
        irp.manager.verifier().report(VerifierRule.IRP_COMPLETED_TO_IO_MANAGER, irp
                + " was completed past its top stack location: no completion routine returned"
                + " STATUS_MORE_PROCESSING_REQUIRED", irp);
    }

    private static NtStatus invokeRoutine(IoCompletionRoutine routine, DeviceObject device, Irp irp, Object context) {
        try {
            NtStatus result = routine.complete(device, irp, context);
            return result != null ? result : NtStatus.STATUS_CONTINUE_COMPLETION;
        } catch (Throwable t) {
            irp.manager.recordRoutineFailure("completion routine of " + irp, t);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }
    }

    // ---- cancellation -----------------------------------------------------------------------------

    /**
     * {@code IoCancelIrp}: sets the IRP's cancel flag and, if a cancel routine is set, clears it and
     * calls it (at DISPATCH_LEVEL, on the calling thread).
     *
     * <p>Cancelling does not complete the IRP by itself: the driver that owns it completes it (usually
     * with STATUS_CANCELLED, possibly with success if the operation won the race), and the completion
     * routine still runs exactly once. Cancelling an IRP that is not pending only sets the flag.
     *
     * @param irp the IRP; only its allocator should cancel it
     * @return true when a cancel routine was called
     */
    public static boolean cancelIrp(Irp irp) {
        if (!checkNotFreed(irp, "IoCancelIrp")) {
            return false;
        }
        irp.cancel = true;
        DriverCancel routine = irp.swapCancelRoutine(null);
        if (routine == null) {
            LOG.debug("IoCancelIrp({}): no cancel routine set", irp);
            return false;
        }
        Irql[] irql = Ke.irqlCell();
        Irql old = irql[0];
        if (old != Irql.DISPATCH_LEVEL) {
            irql[0] = Irql.DISPATCH_LEVEL; // KeRaiseIrql: from below DISPATCH_LEVEL, never a bad transition
        }
        try {
            IoStackLocation current = getCurrentIrpStackLocation(irp);
            routine.cancel(current == null ? null : current.deviceObject, irp);
        } catch (Throwable t) {
            irp.manager.recordRoutineFailure("cancel routine of " + irp, t);
        } finally {
            if (old != Irql.DISPATCH_LEVEL) {
                Ke.lowerIrql(irql, old);
            }
        }
        return true;
    }

    /**
     * {@code IoSetCancelRoutine}: atomically sets (or, with null, clears) the IRP's cancel routine and
     * returns the previous one.
     *
     * <p>The usual pattern for a driver that pends an IRP: set the routine, then check
     * {@link Irp#cancel()}; if the IRP was cancelled meanwhile and clearing the routine returns non-null,
     * the driver completes it as cancelled itself. When completing normally, clear the routine first; if
     * that returns null the cancel routine is running and will complete the IRP.
     *
     * @param irp     the IRP, owned by the calling driver
     * @param routine the new routine, or null
     * @return the previous routine, or null
     */
    public static DriverCancel setCancelRoutine(Irp irp, DriverCancel routine) {
        if (!checkNotFreed(irp, "IoSetCancelRoutine")) {
            return null;
        }
        return irp.swapCancelRoutine(routine);
    }

    // ---- MDLs -------------------------------------------------------------------------------------

    /**
     * {@code IoAllocateMdl}: describes {@code length} bytes of {@code buffer} starting at the absolute
     * index {@code offset}. The MDL keeps its own view of the buffer, so later changes to the buffer's
     * position and limit do not affect it; its contents are shared.
     *
     * @param buffer a heap or direct buffer
     * @param offset the absolute index of the first byte
     * @param length the number of bytes
     * @return the MDL, or null when the description lies outside the buffer (reported as
     *         {@link VerifierRule#BUFFER_OUT_OF_RANGE}: never truncated silently)
     */
    public static Mdl allocateMdl(ByteBuffer buffer, int offset, int length) {
        if (buffer == null || offset < 0 || length < 0 || (long) offset + length > buffer.capacity()) {
            IoManager.current().verifier().report(VerifierRule.BUFFER_OUT_OF_RANGE, "IoAllocateMdl: offset " + offset
                    + ", length " + length + " do not lie within " + buffer, null);
            return null;
        }
        return new Mdl(buffer, offset, length);
    }

    /**
     * {@code IoAllocateMdl} for the remaining bytes of a buffer, from its position to its limit.
     *
     * @param buffer a heap or direct buffer
     * @return the MDL
     */
    public static Mdl allocateMdl(ByteBuffer buffer) {
        return allocateMdl(buffer, buffer.position(), buffer.remaining());
    }

    /**
     * {@code IoFreeMdl}: frees an MDL. Freeing twice is a {@link VerifierRule#INVALID_ARGUMENT} violation;
     * freeing an MDL that a pending operation still uses (see {@link MdlClaim}) is a
     * {@link VerifierRule#MDL_RELEASED_WHILE_IN_USE} violation (in mode FAIL the MDL stays allocated).
     *
     * @param mdl the MDL
     */
    public static void freeMdl(Mdl mdl) {
        String user = mdl == null ? null : mdl.claimUser();
        if (user != null) {
            IoManager.current().verifier().report(VerifierRule.MDL_RELEASED_WHILE_IN_USE,
                    "IoFreeMdl on " + mdl + " while " + user + " uses it", mdl);
        }
        if (mdl == null || !mdl.markFreed()) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "IoFreeMdl on "
                    + (mdl == null ? "NULL" : "an MDL already freed"), mdl);
        }
    }

    private static boolean checkNotFreed(Irp irp, String routine) {
        if (irp == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, routine + "(NULL)", null);
            return false;
        }
        if (irp.state == Irp.FREED) {
            irp.manager.verifier().report(VerifierRule.IRP_USED_AFTER_FREE, routine + " on freed " + irp, irp);
            return false;
        }
        return true;
    }

    // ---- work items -------------------------------------------------------------------------------------------

    /**
     * {@code IoAllocateWorkItem}: allocates a work item for {@code deviceObject}. At most DISPATCH_LEVEL.
     *
     * @param deviceObject the device object passed to the routine; must not be null
     * @return the work item, or null (and a verifier report) for a null device object
     */
    public static IoWorkItem allocateWorkItem(DeviceObject deviceObject) {
        IoManager manager = IoManager.current();
        if (deviceObject == null) {
            manager.verifier().report(VerifierRule.WORK_ITEM_INVALID, "IoAllocateWorkItem(NULL): a work item needs a"
                    + " device object (bug check 0xE4, 0x3)", null);
            return null;
        }
        return manager.kernel().allocateWorkItem(deviceObject);
    }

    /**
     * {@code IoQueueWorkItem}: queues the item to run {@code workerRoutine(deviceObject, context)} at PASSIVE_LEVEL on a
     * system worker thread of the calling thread's kernel (on the simulated network: a driver thread scheduled like the
     * others). The item is dequeued before its routine runs, so the routine may queue it again or free it. At most
     * DISPATCH_LEVEL.
     *
     * @param ioWorkItem    the item
     * @param workerRoutine the routine
     * @param queueType     {@link WorkQueueType#DelayedWorkQueue}
     * @param context       passed to the routine
     * @throws VerifierError when the item is queued already or freed ({@link VerifierRule#WORK_ITEM_INVALID}, bug
     *                       check 0xE4) in FAIL mode; in LOG mode the call is ignored (the earlier queueing stands)
     */
    public static void queueWorkItem(IoWorkItem ioWorkItem, IoWorkItemRoutine workerRoutine, WorkQueueType queueType,
                                     Object context) {
        IoManager manager = IoManager.current();
        if (ioWorkItem == null || workerRoutine == null || queueType == null) {
            manager.verifier().report(VerifierRule.WORK_ITEM_INVALID, "IoQueueWorkItem(" + ioWorkItem + ", "
                    + (workerRoutine == null ? "NULL routine" : "routine") + ", " + queueType + ") (bug check 0xE4, 0x7)",
                    null);
            return;
        }
        String problem;
        synchronized (Dispatcher.LOCK) {
            problem = switch (ioWorkItem.state) {
                case QUEUED -> ioWorkItem + " is queued already (bug check 0xE4, 0x1)";
                case FREED -> ioWorkItem + " was freed (IoFreeWorkItem)";
                case IDLE -> null;
            };
            if (problem == null) {
                ioWorkItem.state = IoWorkItem.State.QUEUED;
                ioWorkItem.routine = workerRoutine;
                ioWorkItem.context = context;
                ioWorkItem.kernel = manager.kernel();
            }
        }
        if (problem != null) {
            manager.verifier().report(VerifierRule.WORK_ITEM_INVALID, "IoQueueWorkItem: " + problem, null);
            return;
        }
        manager.kernel().queueWorkItem(ioWorkItem);
    }

    /**
     * {@code IoFreeWorkItem}: frees a work item that is not queued (its routine may be running: an item may free
     * itself). At most DISPATCH_LEVEL.
     *
     * @param ioWorkItem the item
     * @throws VerifierError when it is queued or freed already ({@link VerifierRule#WORK_ITEM_INVALID}, bug check
     *                       0xE4, 0x2) in FAIL mode; in LOG mode the free is ignored and the queued item still runs
     */
    public static void freeWorkItem(IoWorkItem ioWorkItem) {
        IoManager manager = IoManager.current();
        if (ioWorkItem == null) {
            manager.verifier().report(VerifierRule.WORK_ITEM_INVALID, "IoFreeWorkItem(NULL)", null);
            return;
        }
        String problem;
        synchronized (Dispatcher.LOCK) {
            problem = switch (ioWorkItem.state) {
                case QUEUED -> ioWorkItem + " is queued and its routine has not run (bug check 0xE4, 0x2)";
                case FREED -> ioWorkItem + " was freed already";
                case IDLE -> null;
            };
            if (problem == null) {
                ioWorkItem.state = IoWorkItem.State.FREED;
            }
        }
        if (problem != null) {
            manager.verifier().report(VerifierRule.WORK_ITEM_INVALID, "IoFreeWorkItem: " + problem, null);
        }
    }
}
