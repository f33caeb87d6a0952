package org.wsk4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.DriverCancel;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.MdlClaim;

/**
 * One accepted IRP that is pending in the provider; completed exactly once (first finisher wins, a CAS on
 * {@link #finished}).
 *
 * <p>To keep allocation per operation low, the object is also the IRP's cancel routine (running {@link #cancelled()}:
 * the {@code onCancel} action given to {@link #arm}, or a subclass's own), the task (and queue node) that completes
 * the IRP on the socket's {@link SerialQueue}, and the node of its owner's {@link PendingQueue} (guarded by the
 * owner's lock). An operation with arguments of its own (a send's buffers, an accept's output addresses) is a
 * subclass, so that one object per operation carries everything. Sockets and client-level requests pend this way
 * alike.
 */
class PendingOp extends SerialNode implements DriverCancel {

    private static final VarHandle FINISHED;
    private static final VarHandle POOL_STATE;

    /** {@link #poolState}: in use (a request's, or not reusable yet): the initial state. */
    static final int IN_USE = 0;
    /** {@link #poolState}: done with, nothing refers to it but its IRP's slot: reusable for the IRP's next request. */
    static final int FREE = 1;
    /** {@link #poolState}: never reused (a cancel routine may still be about to run it). */
    static final int RETIRED = 2;

    static {
        try {
            FINISHED = MethodHandles.lookup().findVarHandle(PendingOp.class, "finished", int.class);
            POOL_STATE = MethodHandles.lookup().findVarHandle(PendingOp.class, "poolState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The IRP; null once the completion task ran (see {@link #run()}). */
    Irp irp;
    /** The WSK function, for logs and reports (a reused operation may serve another function of its kind). */
    String kind;
    /**
     * The socket whose outstanding count this operation holds; null for a client-level request
     * (WSK_TRANSPORT_LIST_CHANGE, name resolution), which no close waits for.
     */
    private final SocketImpl socket;
    @SuppressWarnings("unused") // through FINISHED
    private volatile int finished;
    /**
     * What cancelling does; set by armCancel before the cancel routine is installed (the IRP's atomic swap of the
     * routine publishes it), dropped once completed. A cancel routine racing with that drop sees the action
     * (which then finds nothing to cancel) or null: both are fine, so the field needs no fence.
     */
    private Runnable onCancel;
    /** The owner's queue the operation is in, or null; its neighbours there. Guarded by the owner's lock. */
    PendingQueue queue;
    PendingOp prev;
    PendingOp next;
    /** When its socket accepted it, counted per socket (may wrap; compared only at close); guarded by the lock. */
    int order;
    /**
     * The bytes this operation uses, released when it finishes; null when none (or not tracked). A reused operation
     * keeps its released claim and renews it ({@link MdlClaim#renew}), so claiming the same bytes again allocates
     * nothing.
     */
    MdlClaim claim;
    /**
     * Whether the operation may serve its IRP's next request (see {@link #reuse}): {@link #IN_USE}, {@link #FREE} or
     * {@link #RETIRED}. Written by the finisher (RETIRED, before the completion is posted), by the serial queue's
     * drain once the operation is off the queue (FREE, a release store), and by the IRP's owner taking it (a CAS).
     */
    @SuppressWarnings("unused") // through POOL_STATE
    private volatile int poolState;
    /** The operation the IRP's slot held before this one (the slot keeps two); owner-confined like the slot. */
    private PendingOp olderInSlot;
    /**
     * Whether the socket counts the operation as outstanding until its completion ran ({@link SocketImpl#pendLocked});
     * false for one finished and posted under the socket lock, which a later close's own post cannot overtake. Written
     * under the socket lock before the completion is posted; read by the completion task (the post publishes it).
     */
    boolean countsOutstanding;

    PendingOp(SocketImpl socket, Irp irp, String kind) {
        this.socket = socket;
        this.irp = irp;
        this.kind = kind;
    }

    // ---- reuse across IoReuseIrp -----------------------------------------------------------------------------
    //
    // An IRP that a driver reuses (IoReuseIrp) for the same request again and again carries the operation objects of
    // its last two requests in its provider slot, and the next request takes one that is FREE instead of allocating
    // (with the views and the claim it keeps). Exactly-once and "no stale reference sees a reused object" rest on when
    // an operation becomes FREE; every reference to it is gone by then:
    // - its owner's queue: unlinked, under the socket lock, before its completion was posted (finish, finishLocked);
    // - the IRP's cancel routine: the finisher clears it before posting; when that finds it gone (IoCancelIrp took it
    //   and may call it at any time) the operation is RETIRED, never reused (retireIfCancelling);
    // - the serial queue: it becomes FREE only when the drain moved past it (the next node, or the queue's stub when
    //   it ran dry), after its completion routine returned: so a routine that reuses its IRP at once gets the other
    //   operation of the slot, or a new one;
    // - a close's list of operations to cancel: a close snapshots them with closeCalled set, in one critical section,
    //   and an operation in that list becomes FREE only after that; reuse refuses a closing socket's operations
    //   (they stay IN_USE: garbage once the IRP's slot lets go of them).
    // The IRP's owner is the only thread that takes from the slot (a CAS FREE -> IN_USE still guards a driver that
    // misuses one IRP on two threads), and the CAS's acquire pairs with the drain's release store.

    /**
     * Takes a FREE operation of exactly {@code type} for {@code socket} from the IRP's slot, or returns null. The caller
     * resets it for the new request or gives it back ({@link #giveBack}) when the request is refused.
     */
    static <O extends PendingOp> O reuse(Irp irp, Class<O> type, SocketImpl socket) {
        Object slot = org.wsk4j.internal.IrpProviderSlot.get(irp);
        for (PendingOp op = slot instanceof PendingOp newest ? newest : null; op != null; op = op.olderInSlot) {
            if (op.getClass() == type && op.socket == socket && op.poolState == FREE
                    && POOL_STATE.compareAndSet(op, FREE, IN_USE)) {
                if (socket.isCloseCalled()) {
                    return null; // a close's list may still name it: left IN_USE, never reused
                }
                FINISHED.set(op, 0); // plain: published with the operation (the socket lock, the cancel routine's swap)
                return type.cast(op);
            }
        }
        return null;
    }

    /** Keeps a new operation in its IRP's slot, for the IRP's next requests (the slot keeps the newest two). */
    final void keepInSlot(Irp forIrp) {
        Object slot = org.wsk4j.internal.IrpProviderSlot.get(forIrp);
        PendingOp newest = slot instanceof PendingOp op ? op : null;
        if (newest != null) {
            newest.olderInSlot = null;
        }
        olderInSlot = newest;
        org.wsk4j.internal.IrpProviderSlot.set(forIrp, this);
    }

    /** Gives back an operation {@link #reuse} returned, unused (its request was refused before it was pended). */
    final void giveBack() {
        POOL_STATE.setRelease(this, FREE);
    }

    /** The finisher found the IRP's cancel routine gone (a cancel may still run it): never reuse the operation. */
    final void retire() {
        POOL_STATE.set(this, RETIRED); // before the completion is posted: the queue's hand-off publishes it
    }

    /** The serial queue's drain moved past this operation: nothing refers to it any more but its IRP's slot. */
    final void leftQueue() {
        if ((int) POOL_STATE.get(this) == IN_USE) {
            POOL_STATE.setRelease(this, FREE);
        }
    }

    boolean tryFinish() {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return false;
        }
        MdlClaim used = claim;
        if (used != null) {
            used.release(); // the provider is done with the bytes: the driver may free them from here on
        }
        return true;
    }

    /**
     * Marks an operation that finished during its call, before anything but its caller could see it (never queued,
     * armed or in a close's list): a plain store, no exactly-once race to win ({@link SocketImpl#completeAtOnce}).
     */
    final void finishedAtOnce() {
        FINISHED.set(this, 1);
    }

    boolean isFinished() {
        return finished != 0;
    }

    /**
     * Arms cancellation: {@link #cancelled()} runs when IoCancelIrp reaches the IRP, at once if it was cancelled
     * already. Nothing is armed once the operation finished (its IRP may be completed and freed by then).
     *
     * @param onCancel what cancelling does; null for a subclass that overrides {@link #cancelled()}
     */
    final void arm(Runnable onCancel) {
        Irp current = irp;
        if (isFinished() || current == null) {
            return; // already finished (and perhaps completed): there is nothing left to cancel
        }
        this.onCancel = onCancel;
        Io.setCancelRoutine(current, this); // the PendingOp is the cancel routine: no wrapper per operation
        if (current.cancel() && Io.setCancelRoutine(current, null) != null) {
            cancelled();
        }
    }

    /**
     * What cancelling does: the action given to {@link #arm}. A subclass that overrides it must tolerate running after
     * the operation finished (its owner finds it no longer queued).
     */
    void cancelled() {
        Runnable action = onCancel;
        if (action != null) { // null: the operation completed meanwhile (run() dropped it), nothing to cancel
            action.run();
        }
    }

    /** The cancel routine: runs the operation's cancel action. */
    @Override
    public final void cancel(DeviceObject deviceObject, Irp cancelled) {
        cancelled();
    }

    /** The completion task (posted once, after {@link #tryFinish()} succeeded). */
    @Override
    public final void run() {
        Irp completed = irp;
        // The serial queue keeps its last node as its head until it moves on or runs dry: drop what this operation
        // held (the IRP, the cancel action). The released claim stays, for reuse (see reuse).
        irp = null;
        onCancel = null;
        try {
            Io.completeRequest(completed);
        } finally {
            if (socket != null && countsOutstanding) {
                socket.outstandingDone();
            }
        }
    }

    @Override
    public String toString() {
        Irp current = irp;
        return kind + (current != null ? " IRP#" + current.id() : " (completed)");
    }
}
