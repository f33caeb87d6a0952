package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * {@code MDL}: a memory descriptor list entry describing a range of a Java {@link ByteBuffer} (heap or
 * direct), linked to the next entry of a chain through {@link #next()}.
 *
 * <p>Create one with {@link Io#allocateMdl}; the description is checked against the buffer's capacity
 * when it is made (a description longer than its memory is an error, never truncated). The MDL keeps
 * its own duplicate of the buffer, so the caller's position and limit do not matter afterwards; the
 * bytes are shared. There is no paging in Java: every MDL counts as locked and non-paged
 * ({@code MmBuildMdlForNonPagedPool} and {@code MmProbeAndLockPages} have nothing to do).
 *
 * <pre>{@code
 * ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
 * Mdl mdl = Io.allocateMdl(buffer, 0, 2048);
 * WskBuf wskBuf = new WskBuf(mdl, 0, 2048);
 * }</pre>
 *
 * <p>Thread safety: the descriptor is immutable apart from {@link #setNext}; a chain must not be relinked
 * while an operation that uses it is pending. The bytes are shared with whoever holds the buffer.
 */
public final class Mdl {

    private final ByteBuffer memory;
    private final int byteOffset;
    private final int byteCount;
    private Mdl next;
    private volatile boolean freed;
    /**
     * Claims of pending operations on this MDL's bytes ({@link MdlClaim}): null, the one claim's segment itself (the
     * usual case: no list node, so claiming allocates nothing), or an immutable list of two or more; replaced with
     * a CAS, so that checking for a conflict (every buffer a WSK function takes, when the verifier checks MDL use)
     * takes no lock, and adding or removing a claim is one CAS when nothing else changes the claims meanwhile.
     */
    private volatile Object claims;
    private static final VarHandle CLAIMS;
    private static final VarHandle FREED;

    static {
        try {
            CLAIMS = MethodHandles.lookup().findVarHandle(Mdl.class, "claims", Object.class);
            FREED = MethodHandles.lookup().findVarHandle(Mdl.class, "freed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One entry of {@link #claims}; never changed once the list that holds it is published. */
    private static final class ClaimNode {
        final MdlClaim.Segment segment;
        final ClaimNode next;

        ClaimNode(MdlClaim.Segment segment, ClaimNode next) {
            this.segment = segment;
            this.next = next;
        }
    }

    Mdl(ByteBuffer buffer, int byteOffset, int byteCount) {
        this.memory = buffer.duplicate().clear(); // position 0, limit capacity: the whole memory
        this.byteOffset = byteOffset;
        this.byteCount = byteCount;
    }

    /**
     * {@code MmGetMdlByteCount}: the number of bytes described.
     *
     * @return the byte count
     */
    public int byteCount() {
        return byteCount;
    }

    /**
     * {@code MmGetMdlByteOffset}: where the description starts, as an absolute index into the buffer.
     *
     * @return the offset
     */
    public int byteOffset() {
        return byteOffset;
    }

    /**
     * {@code Mdl->Next}: the next MDL of the chain.
     *
     * @return the next MDL, or null at the end of the chain
     */
    public Mdl next() {
        return next;
    }

    /**
     * Sets {@code Mdl->Next}, linking a chain.
     *
     * @param next the next MDL, or null to end the chain here
     * @return this MDL
     */
    public Mdl setNext(Mdl next) {
        if (next != this.next) {
            String user = claimUser();
            if (user != null) {
                IoManager.current().verifier().report(VerifierRule.MDL_RELEASED_WHILE_IN_USE,
                        "Mdl->Next of " + this + " changed while " + user + " uses it", this);
            }
        }
        this.next = next;
        return this;
    }

    /**
     * {@code MmGetSystemAddressForMdlSafe}: a buffer over exactly the described bytes, position 0 and
     * limit {@link #byteCount()}. Writes through it are visible to every holder of the memory.
     *
     * @return a new view; read-only when the underlying buffer is
     */
    public ByteBuffer systemAddress() {
        return memory.slice(byteOffset, byteCount);
    }

    /**
     * A buffer over part of the described bytes: {@code length} bytes from {@code offset} bytes into the
     * description, position 0 and limit {@code length}; the same as slicing {@link #systemAddress()}, without the
     * intermediate view.
     *
     * @param offset where the part starts, relative to the described bytes
     * @param length how many bytes
     * @return a new view; read-only when the underlying buffer is
     * @throws IndexOutOfBoundsException when the part is not inside the description
     */
    public ByteBuffer systemAddress(int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, byteCount);
        return memory.slice(byteOffset + offset, length);
    }

    /**
     * Tells whether the underlying buffer is read-only (such an MDL can be sent from, not received into).
     *
     * @return true for read-only memory
     */
    public boolean isReadOnly() {
        return memory.isReadOnly();
    }

    /**
     * Tells whether {@link Io#freeMdl} was called.
     *
     * @return true once freed
     */
    public boolean isFreed() {
        return freed;
    }

    /**
     * Tells whether a pending operation uses this MDL's bytes (see {@link MdlClaim}).
     *
     * @return true while at least one claim on it is not released
     */
    public boolean isInUse() {
        return claims != null;
    }

    /** Names one pending user of this MDL, or returns null when there is none. */
    String claimUser() {
        Object head = claims;
        if (head == null) {
            return null;
        }
        return String.valueOf(head instanceof MdlClaim.Segment one ? one.owner : ((ClaimNode) head).segment.owner);
    }

    void addClaim(MdlClaim.Segment segment) {
        while (true) {
            Object head = claims;
            Object added = head == null ? segment
                    : new ClaimNode(segment, head instanceof MdlClaim.Segment one ? new ClaimNode(one, null)
                            : (ClaimNode) head);
            if (CLAIMS.compareAndSet(this, head, added)) {
                return;
            }
        }
    }

    void removeClaim(MdlClaim.Segment segment) {
        while (true) {
            Object head = claims;
            Object without;
            if (head == segment) {
                without = null;
            } else if (head instanceof ClaimNode list) {
                ClaimNode rest = without(list, segment);
                if (rest == list) {
                    return; // not there
                }
                without = rest != null && rest.next == null ? rest.segment : rest; // one left: no node
            } else {
                return; // not (or no longer) there
            }
            if (CLAIMS.compareAndSet(this, head, without)) {
                return;
            }
        }
    }

    /** {@code list} without the node of {@code segment}: a copy of the nodes before it, or list when absent. */
    private static ClaimNode without(ClaimNode list, MdlClaim.Segment segment) {
        if (list == null) {
            return null;
        }
        if (list.segment == segment) {
            return list.next; // the usual case: one claim at a time, or the newest released first
        }
        int before = 1;
        ClaimNode found = list.next;
        while (found != null && found.segment != segment) {
            found = found.next;
            before++;
        }
        if (found == null) {
            return list;
        }
        ClaimNode[] prefix = new ClaimNode[before];
        ClaimNode node = list;
        for (int i = 0; i < before; i++, node = node.next) {
            prefix[i] = node;
        }
        ClaimNode copy = found.next;
        for (int i = before - 1; i >= 0; i--) {
            copy = new ClaimNode(prefix[i].segment, copy);
        }
        return copy;
    }

    MdlClaim.Segment findConflict(int start, int end, boolean writes) {
        Object head = claims;
        if (head instanceof MdlClaim.Segment one) {
            return one.conflictsWith(start, end, writes) ? one : null;
        }
        for (ClaimNode node = (ClaimNode) head; node != null; node = node.next) {
            if (node.segment.conflictsWith(start, end, writes)) {
                return node.segment;
            }
        }
        return null;
    }

    /** Marks the MDL freed; false when it already was (one CAS: no lock on an object the driver holds). */
    boolean markFreed() {
        return FREED.compareAndSet(this, false, true);
    }

    @Override
    public String toString() {
        return "MDL[offset " + byteOffset + ", " + byteCount + " bytes" + (next != null ? ", chained" : "")
                + (freed ? ", freed" : "") + (isInUse() ? ", in use" : "") + "]";
    }
}
