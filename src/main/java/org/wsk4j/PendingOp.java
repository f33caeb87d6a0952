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
 * <p>To keep allocation per operation low, the object is also the IRP's cancel routine (running the
 * {@code onCancel} action given to {@link #arm}) and the task (and queue node) that completes the
 * IRP on the socket's {@link SerialQueue}, and it links itself into its owner's {@link PendingQueue} (guarded by
 * the owner's lock) instead of occupying a hash-set entry. Sockets and client-level requests pend this way alike.
 */
final class PendingOp extends SerialQueue.Node implements DriverCancel {

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
     * The socket whose outstanding count this operation holds (the host socket, for a facet); null for a client-level
     * request (WSK_TRANSPORT_LIST_CHANGE, name resolution), which no close waits for.
     */
    private final SocketImpl host;
    @SuppressWarnings("unused") // through FINISHED
    private volatile int finished;
    /**
     * What cancelling does; set by armCancel before the cancel routine is installed (the IRP's atomic swap of the
     * routine publishes it), dropped once completed. A cancel routine racing with that drop sees the action
     * (which then finds nothing to cancel) or null: both are fine, so the field needs no fence.
     */
    private Runnable onCancel;
    /** The socket's pending list; guarded by the socket's lock. */
    PendingOp prev;
    PendingOp next;
    /** Whether the operation is in its socket's pending list; guarded by the socket's lock. */
    boolean linked;
    /** When its socket accepted it, counted per socket (may wrap; compared only at close); guarded by the lock. */
    int order;
    /** The bytes this operation uses, released when it finishes; null when none (or not tracked). */
    MdlClaim claim;

    PendingOp(Irp irp, String kind, SocketImpl host) {
        this.irp = irp;
        this.kind = kind;
        this.host = host;
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
     * Arms cancellation: {@code onCancel} runs when IoCancelIrp reaches the IRP, at once if it was cancelled
     * already. Nothing is armed once the operation finished (its IRP may be completed and freed by then).
     */
    void arm(Runnable onCancel) {
        Irp current = irp;
        if (isFinished() || current == null) {
            return; // already finished (and perhaps completed): there is nothing left to cancel
        }
        this.onCancel = onCancel;
        Io.setCancelRoutine(current, this); // the PendingOp is the cancel routine: no wrapper per operation
        if (current.cancel() && Io.setCancelRoutine(current, null) != null) {
            onCancel.run();
        }
    }

    /** The cancel routine: runs the operation's cancel action. */
    @Override
    public void cancel(DeviceObject deviceObject, Irp cancelled) {
        Runnable action = onCancel;
        if (action != null) { // null: the operation completed meanwhile (run() dropped it), nothing to cancel
            action.run();
        }
    }

    /** The completion task (posted once, after {@link #tryFinish()} succeeded). */
    @Override
    public void run() {
        Irp completed = irp;
        // The serial queue keeps its last node as its head until the next post: drop what this operation held
        // (the IRP, the claim, the cancel action), so an idle socket does not keep its last IRP reachable.
        irp = null;
        claim = null;
        onCancel = null;
        try {
            Io.completeRequest(completed);
        } finally {
            if (host != null) {
                host.outstandingDone();
            }
        }
    }

    @Override
    public String toString() {
        Irp current = irp;
        return kind + (current != null ? " IRP#" + current.id() : " (completed)");
    }
}
