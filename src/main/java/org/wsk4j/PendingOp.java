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

    static {
        try {
            FINISHED = MethodHandles.lookup().findVarHandle(PendingOp.class, "finished", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The IRP; null once the completion task ran (see {@link #run()}). */
    Irp irp;
    final String kind;
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
    /** The bytes this operation uses, released when it finishes; null when none (or not tracked). */
    MdlClaim claim;

    PendingOp(SocketImpl socket, Irp irp, String kind) {
        this.socket = socket;
        this.irp = irp;
        this.kind = kind;
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
        // The serial queue keeps its last node as its head until the next post: drop what this operation held
        // (the IRP, the claim, the cancel action), so an idle socket does not keep its last IRP reachable.
        irp = null;
        claim = null;
        onCancel = null;
        try {
            Io.completeRequest(completed);
        } finally {
            if (socket != null) {
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
