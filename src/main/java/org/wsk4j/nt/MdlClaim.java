package org.wsk4j.nt;

/**
 * The record that a pending I/O operation uses bytes described by an MDL chain, from the moment the operation
 * is accepted until it completes. The verifier uses it to report an MDL freed or relinked under a pending
 * operation ({@link VerifierRule#MDL_RELEASED_WHILE_IN_USE}) and bytes handed to a second operation while one
 * of the two writes them ({@link VerifierRule#MDL_REUSED_WHILE_IN_USE}).
 *
 * <p>Windows has no such object: its memory manager simply lets a driver free an MDL that a lower driver is
 * still filling, and the damage shows later, elsewhere. wsk4j's WSK provider makes one claim per pending
 * operation that carries a {@code WSK_BUF} (sends, receives, a disconnect or ConnectEx with data) and releases
 * it when the operation completes, just before its completion routine is queued. A transport or a
 * driver-written lower layer may do the same for its own pending operations.
 *
 * <pre>{@code
 * MdlClaim claim = new MdlClaim("my receive").add(mdl, 0, 2048, true);   // accepted: the bytes are in use
 * ...                                                                    // Io.freeMdl(mdl) here is reported
 * claim.release();                                                       // completed: the driver may free it
 * }</pre>
 *
 * <p>Threading: a claim is built by one thread (the one accepting the operation), which adds every range before
 * the claim is shared; it may be released from any thread (releasing again does nothing). Each MDL keeps its
 * claims in a list replaced by CAS, so a conflict check takes no lock. The checks compare MDL objects: two
 * distinct MDLs that describe the same memory are not recognised as overlapping.
 */
public final class MdlClaim {

    /** One MDL's described range used by a claim: {@code [start, end)} relative to the MDL's first byte. */
    static final class Segment {
        final MdlClaim owner;
        final Mdl mdl;
        final int start;
        final int end;
        final boolean writes;
        /** The next segment of the same claim. */
        Segment nextInClaim;

        Segment(MdlClaim owner, Mdl mdl, int start, int end, boolean writes) {
            this.owner = owner;
            this.mdl = mdl;
            this.start = start;
            this.end = end;
            this.writes = writes;
        }

        boolean conflictsWith(int otherStart, int otherEnd, boolean otherWrites) {
            return (writes || otherWrites) && start < otherEnd && otherStart < end;
        }
    }

    /** The longest chain walked; longer (or cyclic) chains are invalid and were rejected by the caller. */
    private static final int MAX_LINKS = 4096;

    private final Object user;
    private Segment segments;
    /**
     * The segments of the claim's last use, after {@link #release()}: {@link #add} takes one that describes the same
     * range again instead of allocating (the same IRP and buffer reused for every message claim the same bytes).
     */
    private Segment spare;
    private volatile boolean released;

    /**
     * Starts an empty claim.
     *
     * @param user what uses the bytes, named in reports (for example the pending operation); its
     *             {@code toString()} is called only when a report is made
     */
    public MdlClaim(Object user) {
        this.user = user;
    }

    /**
     * Adds the bytes a buffer description covers: {@code length} bytes starting {@code offset} bytes into the
     * first MDL of the chain {@code head}. An invalid description (one that a {@link #conflict} check or the
     * caller's own validation would reject) adds what lies inside the chain and ignores the rest.
     *
     * @param head   the first MDL of the chain, or null (nothing is added)
     * @param offset where the bytes start in the first MDL
     * @param length how many bytes
     * @param writes true when the operation writes into the bytes (a receive)
     * @return this claim
     * @throws IllegalStateException when the claim was already released
     */
    public MdlClaim add(Mdl head, int offset, long length, boolean writes) {
        if (released) {
            throw new IllegalStateException("claim already released");
        }
        forEachRange(head, offset, length, ADD, this, writes);
        return this;
    }

    private void addSegment(Mdl mdl, int start, int end, boolean writes) {
        Segment segment = null;
        for (Segment before = null, s = spare; s != null; before = s, s = s.nextInClaim) {
            if (s.mdl == mdl && s.start == start && s.end == end && s.writes == writes) {
                if (before == null) {
                    spare = s.nextInClaim;
                } else {
                    before.nextInClaim = s.nextInClaim;
                }
                segment = s;
                break;
            }
        }
        if (segment == null) {
            segment = new Segment(this, mdl, start, end, writes);
        }
        segment.nextInClaim = segments;
        segments = segment;
        mdl.addClaim(segment);
    }

    /**
     * Ends the claim: the operation completed and no longer uses the bytes. Releasing twice does nothing.
     */
    public void release() {
        if (released) {
            return;
        }
        released = true; // no CAS: two racing releases both remove the segments, and removing twice is harmless
        Segment used = segments;
        for (Segment segment = used; segment != null; segment = segment.nextInClaim) {
            segment.mdl.removeClaim(segment);
        }
        segments = null;
        spare = used; // for renew(); a racing second release may store null here, which only forgoes the reuse
    }

    /**
     * Makes a released claim usable again, empty, for its user's next operation (an operation object the provider
     * reuses for the next request of the same IRP): ranges then added that equal ranges of the last use reuse their
     * records, so claiming the same bytes again allocates nothing. Call it on the thread that builds the claim, after
     * the release that ended the last use happened before (as for a new claim, add every range before sharing it).
     *
     * @return this claim
     * @throws IllegalStateException when the claim is not released
     */
    public MdlClaim renew() {
        if (!released) {
            throw new IllegalStateException("claim still in use");
        }
        released = false;
        return this;
    }

    /**
     * Tells whether {@link #release()} was called.
     *
     * @return true once released
     */
    public boolean isReleased() {
        return released;
    }

    /**
     * Looks for a pending claim that a new operation on the given bytes would conflict with: overlapping bytes
     * of the same MDL where the new operation or the claimed one writes.
     *
     * @param head   the first MDL of the chain, or null (no conflict)
     * @param offset where the bytes start in the first MDL
     * @param length how many bytes
     * @param writes true when the new operation would write into the bytes
     * @return a description of the conflicting user and range, or null when there is none
     */
    public static String conflict(Mdl head, int offset, long length, boolean writes) {
        if (head == null || head.next() == null && !head.isInUse()) {
            return null; // one MDL that nothing uses (the usual case): no walk
        }
        return forEachRange(head, offset, length, CONFLICT, null, writes);
    }

    /**
     * Visits one MDL's part of a described range; a non-null result stops the walk. The claim and the direction
     * are passed, not captured, so the visitors are constants and a walk allocates nothing.
     */
    @FunctionalInterface
    private interface RangeVisitor {
        String visit(MdlClaim claim, boolean writes, Mdl mdl, int start, int end);
    }

    /** Adds a segment for each MDL's part to {@code claim}. */
    private static final RangeVisitor ADD = (claim, writes, mdl, start, end) -> {
        claim.addSegment(mdl, start, end, writes);
        return null;
    };

    /** Describes the first claimed segment an operation on each MDL's part would conflict with. */
    private static final RangeVisitor CONFLICT = (claim, writes, mdl, start, end) -> {
        Segment found = mdl.findConflict(start, end, writes);
        return found == null ? null : "bytes " + found.start + ".." + found.end + " of " + mdl + " are in use by "
                + found.owner.user + (found.writes ? " (writing)" : " (reading)");
    };

    /**
     * Walks the bytes {@code length} bytes from {@code offset} into the chain {@code head} describes, one MDL at a
     * time ({@code [start, end)} relative to each MDL), up to the end of the chain or {@value #MAX_LINKS} MDLs.
     */
    private static String forEachRange(Mdl head, int offset, long length, RangeVisitor visitor, MdlClaim claim,
                                       boolean writes) {
        int skip = Math.max(offset, 0);
        long remaining = length;
        int links = 0;
        for (Mdl mdl = head; mdl != null && remaining > 0 && ++links <= MAX_LINKS; mdl = mdl.next()) {
            int available = mdl.byteCount() - skip;
            if (available > 0) {
                int take = (int) Math.min(available, remaining);
                String result = visitor.visit(claim, writes, mdl, skip, skip + take);
                if (result != null) {
                    return result;
                }
                remaining -= take;
            }
            skip = 0;
        }
        return null;
    }

    @Override
    public String toString() {
        return "MdlClaim[" + user + (released ? ", released" : "") + "]";
    }
}
