package org.wsk4j.nt;

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
    /** Claims of pending operations on this MDL's bytes ({@link MdlClaim}); guarded by this. */
    private MdlClaim.Segment claims;

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
    public synchronized boolean isInUse() {
        return claims != null;
    }

    /** Names one pending user of this MDL, or returns null when there is none. */
    synchronized String claimUser() {
        return claims == null ? null : String.valueOf(claims.owner);
    }

    synchronized void addClaim(MdlClaim.Segment segment) {
        segment.nextInMdl = claims;
        claims = segment;
    }

    synchronized void removeClaim(MdlClaim.Segment segment) {
        MdlClaim.Segment previous = null;
        for (MdlClaim.Segment s = claims; s != null; previous = s, s = s.nextInMdl) {
            if (s == segment) {
                if (previous == null) {
                    claims = s.nextInMdl;
                } else {
                    previous.nextInMdl = s.nextInMdl;
                }
                return;
            }
        }
    }

    synchronized MdlClaim.Segment findConflict(int start, int end, boolean writes) {
        for (MdlClaim.Segment s = claims; s != null; s = s.nextInMdl) {
            if (s.conflictsWith(start, end, writes)) {
                return s;
            }
        }
        return null;
    }

    boolean markFreed() {
        synchronized (this) {
            if (freed) {
                return false;
            }
            freed = true;
            return true;
        }
    }

    @Override
    public String toString() {
        return "MDL[offset " + byteOffset + ", " + byteCount + " bytes" + (next != null ? ", chained" : "")
                + (freed ? ", freed" : "") + (isInUse() ? ", in use" : "") + "]";
    }
}
