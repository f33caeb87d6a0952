package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The pending-operation queue on its own: FIFO order, removal anywhere, and one acceptance order across a socket's
 * queues (a close cancels in that order; see DataPathTest for the socket-level check).
 */
class PendingQueueTest {

    private static PendingOp op(String name) {
        return new PendingOp(null, null, name);
    }

    @Test
    void keepsOperationsInTheOrderTheyWereLinkedAndUnlinksAnyOfThem() {
        PendingQueue queue = new PendingQueue();
        assertTrue(queue.isEmpty());
        assertNull(queue.first());
        PendingOp a = op("a");
        PendingOp b = op("b");
        PendingOp c = op("c");
        queue.link(a);
        queue.link(b);
        queue.link(c);
        assertEquals(List.of(a, b, c), queue.snapshot());
        assertTrue(queue.unlink(b), "from the middle");
        assertFalse(queue.unlink(b), "not twice");
        assertFalse(queue.contains(b));
        assertEquals(List.of(a, c), queue.snapshot());
        assertTrue(queue.unlink(c), "the newest");
        PendingOp d = op("d");
        queue.link(d);
        assertEquals(List.of(a, d), queue.snapshot());
        assertSame(a, queue.pollFirst());
        assertSame(d, queue.first());
        assertSame(d, queue.pollFirst());
        assertTrue(queue.isEmpty());
        assertNull(queue.pollFirst());
        assertEquals(List.of(), queue.snapshot());
    }

    @Test
    void theQueuesOfOneOwnerShareOneAcceptanceOrder() {
        PendingQueue own = new PendingQueue();
        PendingQueue sends = own.sharing();
        PendingQueue receives = own.sharing();
        PendingOp receive1 = op("receive1");
        PendingOp send1 = op("send1");
        PendingOp other = op("other");
        PendingOp receive2 = op("receive2");
        receives.link(receive1);
        sends.link(send1);
        own.link(other);
        receives.link(receive2);
        assertEquals(List.of(receive1, send1, other, receive2), own.snapshotAll());
        PendingQueue elsewhere = new PendingQueue();
        assertFalse(elsewhere.unlink(send1), "an operation is unlinked only from the queue that holds it");
        assertEquals(List.of(receive1, receive2), receives.drain());
        assertTrue(receives.isEmpty());
        assertEquals(List.of(send1, other), own.snapshotAll());
    }
}
