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
 * {@link #snapshotAll} of them gives the owner's acceptance order. An operation is in at most one queue at a
 * time ({@link PendingOp#queue}); finishing it unlinks it from whichever that is. Whoever takes an operation off a
 * queue without finishing it ({@link #pollFirst}, {@link #drain}, {@link #unlink}) owns it and must finish it: a
 * close no longer sees it.
 *
 * <p>Not thread-safe: guarded by its owner's lock (a socket's {@code lock}, a registration's {@code lock}); every
 * method must be called with that lock held.
 */
final class PendingQueue {

    /** The owner's first queue, which numbers the operations of all the owner's queues (this one, for the first). */
    private final PendingQueue first;
    /** The owner's next queue ({@link #sharing}), or null: the first queue chains them all, without a list. */
    private PendingQueue nextQueue;
    /**
     * The newest operation, or null when empty. The operations form a ring ({@code tail.next} is the oldest), so
     * linking an operation stores one reference into this long-lived object, not two: each such store costs a G1
     * write-barrier fence, and the data path links two operations per message.
     */
    private PendingOp tail;
    /** In the first queue: operations accepted so far; the next {@link PendingOp#order} is one more (may wrap). */
    private int accepted;

    PendingQueue() {
        this.first = this;
    }

    private PendingQueue(PendingQueue first) {
        this.first = first;
    }

    /** Another queue of the same owner, numbering its operations from the same counter as this one. */
    PendingQueue sharing() {
        PendingQueue queue = new PendingQueue(first);
        queue.nextQueue = first.nextQueue;
        first.nextQueue = queue;
        return queue;
    }

    /** Appends an operation, numbering it in its owner's acceptance order. */
    void link(PendingOp op) {
        op.order = ++first.accepted;
        op.queue = this;
        PendingOp last = tail;
        if (last == null) {
            op.next = op;
            op.prev = op;
        } else {
            PendingOp oldest = last.next;
            op.next = oldest;
            op.prev = last;
            oldest.prev = op;
            last.next = op;
        }
        tail = op;
    }

    /** Removes an operation; false when it is not in this queue (finished, or cancelled, meanwhile). */
    boolean unlink(PendingOp op) {
        if (op.queue != this) {
            return false;
        }
        if (op.next == op) {
            tail = null;
        } else {
            op.prev.next = op.next;
            op.next.prev = op.prev;
            if (tail == op) {
                tail = op.prev;
            }
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
        return tail == null;
    }

    /** The oldest operation, or null. */
    PendingOp first() {
        PendingOp last = tail;
        return last == null ? null : last.next;
    }

    /** Removes and returns the oldest operation, or null. */
    PendingOp pollFirst() {
        PendingOp oldest = first();
        if (oldest != null) {
            unlink(oldest);
        }
        return oldest;
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
        PendingOp oldest = first();
        if (oldest == null) {
            return;
        }
        PendingOp op = oldest;
        do {
            list.add(op);
            op = op.next;
        } while (op != oldest);
    }

    /** The operations of all the owner's queues (this one and those {@link #sharing} made), in acceptance order. */
    List<PendingOp> snapshotAll() {
        if (first.nextQueue == null && first.tail == null) {
            return List.of(); // nothing pending (a close on the common path): no list allocated
        }
        List<PendingOp> list = new ArrayList<>();
        for (PendingQueue queue = first; queue != null; queue = queue.nextQueue) {
            queue.addTo(list);
        }
        if (first.nextQueue != null) {
            list.sort((a, b) -> Integer.signum(a.order - b.order)); // acceptance order (the counter may wrap)
        }
        return list;
    }
}
