package org.wsk4j;

import java.nio.ByteBuffer;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Mdl;

/**
 * A pending send or receive: the operation with the views of its {@code WSK_BUF}. Reused for its IRP's next request
 * ({@link PendingOp#reuse}), it keeps its view of a one-MDL buffer: the next request on the same buffer (same MDL,
 * Offset and Length, the MDL not freed) uses it again, rewound, instead of a new array and {@link ByteBuffer} slice.
 * The view is the operation's alone (the operation is exclusively its request's), so no claim on it is needed.
 */
abstract class BufferOp extends PendingOp {

    /** The views of the request's buffer. */
    ByteBuffer[] views;
    /** What {@link #views} describes when it is one view of one MDL: that MDL and the buffer's Offset; else null. */
    private Mdl viewMdl;
    private int viewOffset;

    BufferOp(SocketImpl socket, Irp irp, String kind) {
        super(socket, irp, kind);
    }

    /**
     * The views of {@code buffer} for a request that may use {@code cached} (a reused operation, or null): its view
     * rewound when it describes the same bytes, else new ones ({@link WskBufs#views}).
     *
     * @return the views, or null when the description is invalid
     */
    static ByteBuffer[] views(BufferOp cached, WskBuf buffer, boolean writable) {
        if (cached != null && buffer != null && cached.viewMdl != null && buffer.mdl() == cached.viewMdl
                && buffer.offset() == cached.viewOffset && !cached.viewMdl.isFreed()) {
            ByteBuffer view = cached.views[0];
            if (buffer.length() == view.capacity()) {
                view.clear(); // position 0, limit the whole view: as WskBufs.views made it
                return cached.views;
            }
        }
        return WskBufs.views(buffer, writable);
    }

    /** Takes the views for a new request (and remembers what a single view describes, for the next). */
    final void useViews(ByteBuffer[] newViews, WskBuf buffer) {
        views = newViews;
        if (newViews.length == 1 && buffer != null && buffer.mdl() != null
                && buffer.offset() + buffer.length() <= buffer.mdl().byteCount()) { // the first MDL's bytes alone
            viewMdl = buffer.mdl();
            viewOffset = buffer.offset();
        } else {
            viewMdl = null;
        }
    }
}
