package org.wsk4j;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.wsk4j.nt.Mdl;

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
        List<ByteBuffer> views = new ArrayList<>(2);
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
                views.add(mdl.systemAddress().position(skip).limit(skip + take).slice());
                remaining -= take;
            }
            skip = 0;
            mdl = mdl.next();
        }
        return views.toArray(EMPTY);
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
