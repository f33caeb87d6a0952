package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** MdlClaim and the MDL's lock-free list of claims: conflicts, release in any order, concurrent use. */
class MdlClaimTest extends IrpTestSupport {

    private static Mdl mdl(int size) {
        return Io.allocateMdl(ByteBuffer.allocate(size), 0, size);
    }

    @Test
    void overlappingBytesConflictWhenEitherSideWrites() {
        Mdl mdl = mdl(100);
        MdlClaim send = new MdlClaim("send").add(mdl, 0, 50, false);
        assertTrue(mdl.isInUse());
        assertNull(MdlClaim.conflict(mdl, 10, 20, false), "two reads of the same bytes are fine");
        assertNull(MdlClaim.conflict(mdl, 50, 50, true), "adjacent bytes do not overlap");
        String conflict = MdlClaim.conflict(mdl, 40, 20, true);
        assertNotNull(conflict);
        assertTrue(conflict.contains("in use by send (reading)"), conflict);
        send.release();
        assertFalse(mdl.isInUse());
        assertNull(MdlClaim.conflict(mdl, 40, 20, true));
    }

    @Test
    void claimsAreReleasedInAnyOrder() {
        Mdl mdl = mdl(300);
        MdlClaim first = new MdlClaim("first").add(mdl, 0, 100, true);
        MdlClaim second = new MdlClaim("second").add(mdl, 100, 100, true);
        MdlClaim third = new MdlClaim("third").add(mdl, 200, 100, true);
        second.release(); // the middle of the MDL's list: the entries before it are copied
        assertNull(MdlClaim.conflict(mdl, 100, 100, true));
        assertTrue(MdlClaim.conflict(mdl, 0, 1, true).contains("first"));
        assertTrue(MdlClaim.conflict(mdl, 299, 1, true).contains("third"));
        third.release(); // the newest: the head of the list
        assertNull(MdlClaim.conflict(mdl, 200, 100, true));
        assertTrue(mdl.isInUse());
        first.release();
        assertFalse(mdl.isInUse());
        first.release(); // twice: nothing happens
        assertTrue(first.isReleased());
        assertThrows(IllegalStateException.class, () -> first.add(mdl, 0, 1, false));
    }

    @Test
    void aClaimOverAChainClaimsEachMdlsPart() {
        Mdl head = mdl(10);
        Mdl tail = mdl(10);
        head.setNext(tail);
        MdlClaim receive = new MdlClaim("receive").add(head, 5, 10, true);
        assertTrue(head.isInUse());
        assertTrue(tail.isInUse());
        assertNull(MdlClaim.conflict(head, 0, 5, true), "bytes 0..5 of the first MDL are not claimed");
        assertNotNull(MdlClaim.conflict(tail, 4, 1, false), "bytes 0..5 of the second are");
        assertNull(MdlClaim.conflict(tail, 5, 5, true));
        receive.release();
        assertFalse(head.isInUse());
        assertFalse(tail.isInUse());
    }

    @Test
    void freeingAClaimedMdlIsReported() {
        logOnly(VerifierRule.MDL_RELEASED_WHILE_IN_USE);
        Mdl mdl = mdl(8);
        new MdlClaim("pending receive").add(mdl, 0, 8, true);
        Io.freeMdl(mdl);
        assertEquals(1, io.verifier().violations().size());
        assertTrue(io.verifier().violations().get(0).message().contains("pending receive"));
    }

    @Test
    void concurrentClaimsOnOneMdlAreAllAddedAndRemoved() throws Exception {
        Mdl mdl = mdl(1 << 16);
        int threads = 4;
        int rounds = 20_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int slot = t;
            workers.add(new Thread(() -> {
                try {
                    start.await(AWAIT_SECONDS, TimeUnit.SECONDS);
                    for (int i = 0; i < rounds; i++) {
                        // Each thread writes its own bytes: never a conflict, whatever the others hold.
                        MdlClaim claim = new MdlClaim("worker " + slot).add(mdl, slot * 16, 16, true);
                        String conflict = MdlClaim.conflict(mdl, slot * 16, 16, true);
                        if (conflict == null || !conflict.contains("worker " + slot)) {
                            throw new AssertionError("own claim not visible: " + conflict);
                        }
                        claim.release();
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "claimer-" + t));
        }
        workers.forEach(Thread::start);
        for (Thread worker : workers) {
            worker.join(TimeUnit.SECONDS.toMillis(AWAIT_SECONDS));
        }
        assertNull(failure.get());
        assertFalse(mdl.isInUse(), "every claim was removed");
    }

    @Test
    void systemAddressOfAPartIsASliceOfTheDescribedBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(16);
        for (int i = 0; i < 16; i++) {
            buffer.put(i, (byte) i);
        }
        Mdl mdl = Io.allocateMdl(buffer, 4, 8); // bytes 4..11
        ByteBuffer part = mdl.systemAddress(2, 3); // bytes 6..8
        assertEquals(0, part.position());
        assertEquals(3, part.limit());
        assertEquals(6, part.get(0));
        assertEquals(8, part.get(2));
        part.put(1, (byte) 99);
        assertEquals(99, buffer.get(7), "the part shares the memory");
        assertThrows(IndexOutOfBoundsException.class, () -> mdl.systemAddress(6, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> mdl.systemAddress(-1, 2));
    }
}
