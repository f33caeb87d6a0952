package org.wsk4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The provider's one pending-operation queue: the operations an owner (a socket, or a client's registration for its
 * client-level requests) accepted and has not finished, in the order it accepted them, linked through the
 * {@link PendingOp}s themselves (no node per operation). With {@link PendingOp}'s exactly-once finish and
 * {@link PendingOp#arm cancel arming}, it is the single protocol every pended IRP follows: pend (link), arm cancel,
 * finish exactly once (unlink), and at close or deregistration cancel what is left in acceptance order
 * ({@link #snapshot}).
 *
 * <p>Not thread-safe: guarded by its owner's lock (a socket's {@code lock}, a registration's {@code lock}); every
 * method must be called with that lock held.
 */
final class PendingQueue {

    private PendingOp head;
    private PendingOp tail;
    /** Operations accepted so far: the {@link PendingOp#order} of the next is one more. */
    private int accepted;

    /** Numbers an operation in acceptance order without linking it (for an owner that queues it elsewhere). */
    void number(PendingOp op) {
        op.order = ++accepted;
    }

    /** Appends an operation (numbering it). */
    void link(PendingOp op) {
        number(op);
        op.prev = tail;
        op.next = null;
        if (tail == null) {
            head = op;
        } else {
            tail.next = op;
        }
        tail = op;
        op.linked = true;
    }

    /** Removes an operation when it is still linked. */
    void unlink(PendingOp op) {
        if (!op.linked) {
            return;
        }
        if (op.prev == null) {
            head = op.next;
        } else {
            op.prev.next = op.next;
        }
        if (op.next == null) {
            tail = op.prev;
        } else {
            op.next.prev = op.prev;
        }
        op.prev = null;
        op.next = null;
        op.linked = false;
    }

    /**
     * The linked operations plus {@code others} (operations numbered here and kept in the owner's own queues), in
     * acceptance order.
     */
    List<PendingOp> snapshot(List<PendingOp> others) {
        List<PendingOp> list = new ArrayList<>();
        for (PendingOp op = head; op != null; op = op.next) {
            list.add(op);
        }
        if (others != null && !others.isEmpty()) {
            list.addAll(others);
            list.sort((a, b) -> Integer.signum(a.order - b.order)); // acceptance order (the counter may wrap)
        }
        return list;
    }
}
