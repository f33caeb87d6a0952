package org.wsk4j;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.MdlClaim;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierRule;

/**
 * Maps {@link WskBuf}s to {@link ByteBuffer} views of the MDL chain, with the checks WSK relies on: Offset
 * within the first MDL, Length within the chain (rejected, never truncated), no freed MDL, no cycle, writable
 * memory for receives. Views share the MDL's memory; their positions are independent of the caller's.
 */
final class WskBufs {

    /** The longest MDL chain accepted; a longer (or cyclic) chain is rejected. */
    static final int MAX_CHAIN = 4096;

    private static final ByteBuffer[] EMPTY = new ByteBuffer[0];

    private WskBufs() {
    }

    /**
     * Returns views over the described bytes, in order; an empty array for Length 0.
     *
     * @param buffer   the buffer description, or null (treated as invalid)
     * @param writable true when WSK will write into it (receive): read-only memory is rejected
     * @return the views, or null when the description is invalid
     */
    static ByteBuffer[] views(WskBuf buffer, boolean writable) {
        if (buffer == null || buffer.length() < 0 || buffer.offset() < 0) {
            return null;
        }
        if (buffer.length() == 0) {
            return EMPTY;
        }
        Mdl mdl = buffer.mdl();
        if (mdl == null || buffer.offset() > mdl.byteCount()) {
            return null;
        }
        // Sized for the usual one-MDL buffer, grown for a chain: a single MDL costs one array and one view.
        ByteBuffer[] views = new ByteBuffer[1];
        int count = 0;
        long remaining = buffer.length();
        int skip = buffer.offset();
        int links = 0;
        while (remaining > 0) {
            if (mdl == null || mdl.isFreed() || ++links > MAX_CHAIN || (writable && mdl.isReadOnly())) {
                return null;
            }
            int available = mdl.byteCount() - skip;
            if (available > 0) {
                int take = (int) Math.min(available, remaining);
                if (count == views.length) {
                    views = Arrays.copyOf(views, count * 2);
                }
                views[count++] = mdl.systemAddress(skip, take);
                remaining -= take;
            }
            skip = 0;
            mdl = mdl.next();
        }
        return count == views.length ? views : Arrays.copyOf(views, count);
    }

    /**
     * Checks a buffer description the way the verifier does before a WSK function accepts its IRP, and reports
     * what Windows would crash on: Offset or Length beyond the MDL chain, a missing MDL, a cyclic or absurdly
     * long chain ({@link VerifierRule#BUFFER_OUT_OF_RANGE}), a freed MDL ({@link VerifierRule#MDL_USED_AFTER_FREE}),
     * and bytes a pending operation uses where one of the two writes ({@link VerifierRule#MDL_REUSED_WHILE_IN_USE}).
     * A null buffer and read-only memory for a receive are left to {@link #views} (STATUS_INVALID_PARAMETER).
     * In mode LOG (or OFF) the function carries on and {@link #views} rejects what is invalid.
     *
     * @param verifier the subsystem's verifier
     * @param buffer   the description, or null
     * @param writes   true when WSK will write into it (receive)
     * @param function the WSK function, for the report
     * @param socket   the socket, for the report
     */
    static void check(Verifier verifier, WskBuf buffer, boolean writes, WskFunction function, Object socket) {
        if (buffer == null || buffer.length() == 0 && buffer.offset() >= 0) {
            return;
        }
        if (!verifier.isChecked(VerifierRule.BUFFER_OUT_OF_RANGE)
                && !verifier.isChecked(VerifierRule.MDL_USED_AFTER_FREE)
                && !verifier.isChecked(VerifierRule.MDL_REUSED_WHILE_IN_USE)) {
            return; // the preamble does only what the verifier's mode needs: no chain walk with these rules off
        }
        String problem = problem(buffer);
        if (problem != null) {
            VerifierRule rule = problem.startsWith(FREED) ? VerifierRule.MDL_USED_AFTER_FREE
                    : VerifierRule.BUFFER_OUT_OF_RANGE;
            verifier.report(rule, where(buffer, function, socket) + ": " + problem, buffer.mdl());
            return;
        }
        if (verifier.isChecked(VerifierRule.MDL_REUSED_WHILE_IN_USE)) {
            String conflict = MdlClaim.conflict(buffer.mdl(), buffer.offset(), buffer.length(), writes);
            if (conflict != null) {
                verifier.report(VerifierRule.MDL_REUSED_WHILE_IN_USE, where(buffer, function, socket)
                        + (writes ? " would write " : " reads ") + "bytes in use: " + conflict, buffer.mdl());
            }
        }
    }

    private static final String FREED = "freed MDL: ";

    /** Names the call and the buffer in a report (built only when there is one). */
    private static String where(WskBuf buffer, WskFunction function, Object socket) {
        return function + " on " + socket + ": WSK_BUF{Mdl " + buffer.mdl() + ", Offset " + buffer.offset()
                + ", Length " + buffer.length() + "}";
    }

    /** What is wrong with a non-empty buffer description against its MDL chain, or null when nothing is. */
    private static String problem(WskBuf buffer) {
        if (buffer.length() < 0 || buffer.offset() < 0) {
            return "a negative Offset or Length (as ULONG and SIZE_T these are huge values that run far past the"
                    + " MDL chain)";
        }
        Mdl mdl = buffer.mdl();
        if (mdl == null) {
            return "a non-zero Length with no MDL";
        }
        if (buffer.offset() > mdl.byteCount()) {
            return "Offset lies beyond the first MDL's " + mdl.byteCount() + " bytes";
        }
        long remaining = buffer.length();
        long described = 0;
        int skip = buffer.offset();
        int links = 0;
        for (Mdl link = mdl; remaining > 0; link = link.next()) {
            if (link == null) {
                return "Length runs past the end of the MDL chain, which describes " + described
                        + " bytes from Offset";
            }
            if (++links > MAX_CHAIN) {
                return "the MDL chain is cyclic or longer than " + MAX_CHAIN + " MDLs";
            }
            if (link.isFreed()) {
                return FREED + link + " was freed with IoFreeMdl";
            }
            int available = Math.max(link.byteCount() - skip, 0);
            described += available;
            remaining -= Math.min(available, remaining);
            skip = 0;
        }
        return null;
    }

    /** Whether MDL use is tracked at all: either MDL-in-use rule is on. */
    static boolean claimsChecked(Verifier verifier) {
        return verifier.isChecked(VerifierRule.MDL_RELEASED_WHILE_IN_USE)
                || verifier.isChecked(VerifierRule.MDL_REUSED_WHILE_IN_USE);
    }

    /** The total bytes remaining in views. */
    static long remaining(ByteBuffer[] views) {
        long total = 0;
        for (ByteBuffer view : views) {
            total += view.remaining();
        }
        return total;
    }

    /** Copies bytes into views, returning how many were copied. */
    static int copyInto(ByteBuffer[] views, ByteBuffer source) {
        int copied = 0;
        for (ByteBuffer view : views) {
            if (!source.hasRemaining()) {
                break;
            }
            int take = Math.min(view.remaining(), source.remaining());
            ByteBuffer part = source.duplicate();
            part.limit(part.position() + take);
            view.put(part);
            source.position(source.position() + take);
            copied += take;
        }
        return copied;
    }
}
