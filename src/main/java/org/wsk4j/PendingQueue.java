package org.wsk4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The provider's one pending-operation queue: operations an owner accepted and has not finished, in the order it
 * accepted them, linked through the {@link PendingOp}s themselves (no node per operation). With {@link PendingOp}'s
 * exactly-once finish and {@link PendingOp#arm cancel arming}, it is the single protocol every pended IRP follows:
 * pend (link), arm cancel, finish exactly once (unlink), and at close or deregistration cancel what is left in
 * acceptance order ({@link #snapshot}).
 *
 * <p>An owner may keep several queues (a connection socket's sends, receives and other operations; a listener's
 * waiting accepts): queues made with {@link #sharing} number their operations from one counter, so that
 * {@link #snapshot(List)} of all of them gives the owner's acceptance order. An operation is in at most one queue at a
 * time ({@link PendingOp#queue}); finishing it unlinks it from whichever that is. Whoever takes an operation off a queue
 * without finishing it ({@link #pollFirst}, {@link #drain}, {@link #unlink}) owns it and must finish it: a close no
 * longer sees it.
 *
 * <p>Not thread-safe: guarded by its owner's lock (a socket's {@code lock}, a registration's {@code lock}); every
 * method must be called with that lock held.
 */
final class PendingQueue {

    /** The acceptance counter the queues of one owner share. */
    private static final class Sequence {
        /** Operations accepted so far: the {@link PendingOp#order} of the next is one more (may wrap). */
        int accepted;
    }

    private final Sequence sequence;
    private PendingOp head;
    private PendingOp tail;

    PendingQueue() {
        this.sequence = new Sequence();
    }

    private PendingQueue(Sequence sequence) {
        this.sequence = sequence;
    }

    /** Another queue of the same owner, numbering its operations from the same counter as this one. */
    PendingQueue sharing() {
        return new PendingQueue(sequence);
    }

    /** Appends an operation, numbering it in its owner's acceptance order. */
    void link(PendingOp op) {
        op.order = ++sequence.accepted;
        op.queue = this;
        op.prev = tail;
        op.next = null;
        if (tail == null) {
            head = op;
        } else {
            tail.next = op;
        }
        tail = op;
    }

    /** Removes an operation; false when it is not in this queue (finished, or cancelled, meanwhile). */
    boolean unlink(PendingOp op) {
        if (op.queue != this) {
            return false;
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
        op.queue = null;
        return true;
    }

    /** Whether the operation is in this queue (not taken off it, not finished). */
    boolean contains(PendingOp op) {
        return op.queue == this;
    }

    boolean isEmpty() {
        return head == null;
    }

    /** The oldest operation, or null. */
    PendingOp first() {
        return head;
    }

    /** Removes and returns the oldest operation, or null. */
    PendingOp pollFirst() {
        PendingOp first = head;
        if (first != null) {
            unlink(first);
        }
        return first;
    }

    /** Removes every operation and returns them, oldest first. */
    List<PendingOp> drain() {
        List<PendingOp> all = new ArrayList<>();
        for (PendingOp op = pollFirst(); op != null; op = pollFirst()) {
            all.add(op);
        }
        return all;
    }

    /** The operations of this queue, oldest first. */
    List<PendingOp> snapshot() {
        List<PendingOp> list = new ArrayList<>();
        addTo(list);
        return list;
    }

    private void addTo(List<PendingOp> list) {
        for (PendingOp op = head; op != null; op = op.next) {
            list.add(op);
        }
    }

    /** The operations of several queues of one owner ({@link #sharing}), in acceptance order. */
    static List<PendingOp> snapshot(List<PendingQueue> queues) {
        List<PendingOp> list = new ArrayList<>();
        for (PendingQueue queue : queues) {
            queue.addTo(list);
        }
        if (queues.size() > 1) {
            list.sort((a, b) -> Integer.signum(a.order - b.order)); // acceptance order (the counter may wrap)
        }
        return list;
    }
}
