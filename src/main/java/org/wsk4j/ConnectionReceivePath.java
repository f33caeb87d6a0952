package org.wsk4j;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.internal.GuardedBy;

/**
 * The receive side of a connection's role and the state both directions share: WskReceive/WskReceiveEx, the read-ahead
 * backlog, WskReceiveEvent indications and WskRelease, WskDisconnectEvent, and the readiness interest. The send side
 * is {@link ConnectionSendPath}, the connect and the role's hooks {@link ConnectionSocket} (the one concrete class).
 *
 * <p>All state is guarded by the socket's lock. Reads happen under it, on the caller's thread or on the transport's
 * thread (readiness callbacks); completions and callbacks are posted to the serial queue, so no client code runs
 * under the lock.
 */
abstract sealed class ConnectionReceivePath extends SocketRole implements TransportHandler permits ConnectionSendPath {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionReceivePath.class);

    /** The most indicated-but-retained bytes per socket; beyond it, reading pauses until WskRelease. */
    static final long RETAINED_LIMIT = 1L << 20;

    /** How much one receive-event indication reads at most. */
    static final int INDICATION_CHUNK = 64 * 1024;

    /**
     * Without a consumer (no receive queued, the receive event not reading) the socket still reads ahead, up to
     * this many bytes in {@link #READ_AHEAD_CHUNK}-sized reads, so it learns of the peer's FIN or reset as Windows'
     * stack does: once it has received (its receive queue exists, so it is registered for readiness anyway) or while
     * the disconnect event is enabled, it waits for readiness to do so (the event fires without a receive, and data
     * that arrived between two receives is there for the next one at once, as in Windows' stack); a socket that never
     * received reads ahead only when the answer matters, at a close after {@code WskDisconnect} (so a close after both
     * directions are done is graceful), and so an idle socket costs no readiness registration.
     * Bounded, so TCP flow control still pushes back on a peer nobody reads from.
     */
    static final long READ_AHEAD_LIMIT = 64 * 1024;

    /** The size of one read-ahead read without a consumer. */
    static final int READ_AHEAD_CHUNK = 16 * 1024;

    /** The most receives one empty speculative read makes skip it (see speculativeReadSkips). */
    static final int SPECULATIVE_READ_BACKOFF_LIMIT = 64;

    enum DataState { OPEN, CLOSED }

    enum State { OPEN, CONNECTING, CONNECTED, FAILED }

    final TransportConnection connection;

    @GuardedBy("socket.lock")
    State state = State.OPEN;

    @GuardedBy("socket.lock")
    DataState dataState = DataState.OPEN;

    /**
     * The queued receives, oldest first (each a {@link ReceiveOp}); null until the first receive (an idle socket
     * saves the queue's 32 bytes), see {@link #receives()}.
     */
    @GuardedBy("socket.lock")
    private PendingQueue receives;

    /**
     * Bytes read from the transport and not yet consumed (indicated and not accepted, or read ahead); null until the
     * first read-ahead (most sockets never read ahead: 48 bytes saved per socket), see {@link #backlog()}.
     */
    @GuardedBy("socket.lock")
    private ArrayDeque<ByteBuffer> backlog;

    @GuardedBy("socket.lock")
    long backlogBytes;

    /** How the read side ended: null while open, STATUS_SUCCESS for a graceful close by the peer, else a failure. */
    @GuardedBy("socket.lock")
    NtStatus readEnd;

    /** Why writing is impossible (a failed write, a local abort), or null. */
    @GuardedBy("socket.lock")
    NtStatus writeFailure;

    @GuardedBy("socket.lock")
    private boolean receiveEventSuspended;

    @GuardedBy("socket.lock")
    private boolean indicationInFlight;

    /** The last WskReceiveEvent threw (the next throw in a row pauses events). */
    @GuardedBy("socket.lock")
    private boolean indicationThrew;

    /** Indication lists the client retained (STATUS_PENDING from WskReceiveEvent); created on first use. */
    @GuardedBy("socket.lock")
    private Map<WskDataIndication, Long> retained;

    @GuardedBy("socket.lock")
    private long retainedBytes;

    @GuardedBy("socket.lock")
    private boolean disconnectIndicated;

    @GuardedBy("socket.lock")
    int lastInterest = -1;

    /**
     * Receives to queue without a speculative read, after speculative reads found nothing (guarded by lock). A
     * read tried when a receive is queued, before readiness says data is there, saves a trip through the
     * transport's readiness thread when data is already waiting (streaming), and is a wasted system call when it
     * is not (request/response: the answer is not here yet). Each empty speculative read doubles the number of
     * receives that skip it (up to {@link #SPECULATIVE_READ_BACKOFF_LIMIT}); one that finds data resets it.
     */
    @GuardedBy("socket.lock")
    private int speculativeReadSkips;

    /** How many receives the next empty speculative read makes skip (guarded by lock). */
    @GuardedBy("socket.lock")
    private int speculativeReadBackoff;

    /** Set while a newly queued receive is pumped: its read, if any, is speculative (guarded by lock). */
    @GuardedBy("socket.lock")
    private boolean speculating;

    /** Set while a newly queued receive is pumped without a speculative read: the backlog only (guarded by lock). */
    @GuardedBy("socket.lock")
    private boolean skipSpeculativeRead;

    ConnectionReceivePath(SocketImpl socket, TransportConnection connection, State initial) {
        super(socket);
        this.connection = connection;
        this.state = initial;
    }

    State state() {
        synchronized (socket.lock) {
            return state;
        }
    }

    /** A queued receive: the pending operation with its buffers; cancelling it is {@link #cancelReceive}. */
    private final class ReceiveOp extends BufferOp {
        long capacity;
        boolean waitAll;
        boolean drain;
        long received;

        ReceiveOp(Irp irp) {
            super(socket, irp, null);
        }

        /** Sets the operation up for a request (a new operation, or a reused one: see PendingOp.reuse). */
        ReceiveOp forReceive(Irp forIrp, String function, ByteBuffer[] newViews, WskBuf buffer, boolean all,
                             boolean drainOnly) {
            irp = forIrp;
            kind = function;
            useViews(newViews, buffer);
            capacity = WskBufs.remaining(newViews);
            waitAll = all;
            drain = drainOnly;
            received = 0;
            return this;
        }

        @Override
        void cancelled() {
            cancelReceive(this);
        }
    }

    /**
     * Puts data read before this socket existed (a conditional-accept request watched for a reset) in front of
     * the read-ahead backlog; an empty buffer in the list marks a FIN the peer already sent. Then arms readiness,
     * so the accepted socket reads ahead (and sees a FIN) without a receive.
     */
    void prefill(List<ByteBuffer> data) {
        synchronized (socket.lock) {
            for (ByteBuffer chunk : data) {
                if (chunk.hasRemaining()) {
                    backlog().addLast(chunk);
                    backlogBytes += chunk.remaining();
                } else {
                    readEnd = NtStatus.STATUS_SUCCESS;
                }
            }
            updateInterest(); // an accepted socket reads ahead from now on (READ_AHEAD_LIMIT), behind the prefill
        }
    }

    /** The client's connection callbacks: its dispatch table (a stream socket's connect part), or null. */
    WskClientConnectionDispatch callbacks() {
        Object dispatch = socket.clientDispatch;
        if (dispatch instanceof WskClientConnectionDispatch connection) {
            return connection;
        }
        return dispatch instanceof WskClientStreamDispatch stream ? stream.connect() : null;
    }

    NtStatus receive(WskBuf buffer, int flags, Irp irp) {
        return queueReceive(buffer, flags, irp, "WskReceive");
    }

    NtStatus receiveEx(WskBuf buffer, int flags, Ref<Integer> controlInfoLength, byte[] controlInfo,
                       Ref<Integer> controlFlags, Irp irp) {
        if (controlInfoLength != null) {
            controlInfoLength.set(0); // no control data on TCP through java.nio
        }
        if (controlFlags != null) {
            controlFlags.set(0);
        }
        return queueReceive(buffer, flags, irp, "WskReceiveEx");
    }

    private NtStatus queueReceive(WskBuf buffer, int flags, Irp irp, String kind) {
        if ((flags & ~(Wsk.WSK_FLAG_WAITALL | Wsk.WSK_FLAG_DRAIN)) != 0) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED);
        }
        boolean waitAll = (flags & Wsk.WSK_FLAG_WAITALL) != 0;
        boolean drain = (flags & Wsk.WSK_FLAG_DRAIN) != 0;
        ReceiveOp reused = PendingOp.reuse(irp, ReceiveOp.class, socket); // the IRP's last receive, when it is free
        ByteBuffer[] views = BufferOp.views(reused, buffer, true);
        if ((waitAll && drain) || views == null || (drain && WskBufs.remaining(views) != 0)) {
            if (reused != null) {
                reused.giveBack();
            }
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        synchronized (socket.lock) { // one critical section: pend, queue, arm, read
            if (state == State.CONNECTED) {
                ReceiveOp op = reused;
                if (op == null) {
                    op = new ReceiveOp(irp);
                    op.keepInSlot(irp);
                }
                ReceiveOp queued = socket.pendLocked(op.forReceive(irp, kind, views, buffer, waitAll, drain), true,
                        buffer, receives());
                queued.arm(null); // before another thread can complete it
                // Without a speculative read, READ interest (level-triggered) brings the data.
                speculating = speculativeReadWorthwhile();
                skipSpeculativeRead = !speculating;
                pumpReads();
                speculating = false;
                skipSpeculativeRead = false;
                updateInterest();
                return NtStatus.STATUS_PENDING;
            }
        }
        if (reused != null) {
            reused.giveBack();
        }
        return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
    }

    /** The receive queue, created on first use. Lock held. */
    @GuardedBy("socket.lock")
    private PendingQueue receives() {
        if (receives == null) {
            receives = socket.newQueue();
        }
        return receives;
    }

    /** Whether a receive is queued. Lock held. */
    @GuardedBy("socket.lock")
    private boolean receivesWaiting() {
        return receives != null && !receives.isEmpty();
    }

    /** Serves queued receives from the backlog and the transport. Called with the lock held. */
    @GuardedBy("socket.lock")
    void pumpReads() {
        while (receivesWaiting()) {
            ReceiveOp head = (ReceiveOp) receives.first();
            if (head.isFinished()) { // finished by another thread, which unlinks it next
                receives.unlink(head);
                continue;
            }
            if (head.drain) {
                discardBacklog();
                drainTransport();
            } else if (head.capacity == 0) {
                peekTransport();
            } else {
                takeFromBacklog(head);
                if (head.received < head.capacity && readEnd == null && dataState == DataState.OPEN
                        && !skipSpeculativeRead) {
                    readInto(head);
                }
            }
            NtStatus status = completionOf(head);
            if (status == null) {
                return;
            }
            socket.finishLocked(head, status, status == NtStatus.STATUS_SUCCESS ? head.received : 0);
            receiveEventSuspended = false; // a completed receive re-arms the receive event
        }
        maybeIndicate();
    }

    /** The status a receive completes with now, or null to keep waiting. */
    @GuardedBy("socket.lock")
    private NtStatus completionOf(ReceiveOp receive) {
        if (receive.drain || receive.capacity == 0) {
            if (readEnd != null) {
                return readEnd;
            }
            return receive.capacity == 0 && !receive.drain && backlogBytes > 0 ? NtStatus.STATUS_SUCCESS : null;
        }
        if (receive.received > 0 && (!receive.waitAll || receive.received == receive.capacity)) {
            return NtStatus.STATUS_SUCCESS;
        }
        if (readEnd != null) {
            return receive.received > 0 || readEnd == NtStatus.STATUS_SUCCESS ? NtStatus.STATUS_SUCCESS : readEnd;
        }
        return null;
    }

    /** The backlog, created on first use. Lock held. */
    @GuardedBy("socket.lock")
    private ArrayDeque<ByteBuffer> backlog() {
        if (backlog == null) {
            backlog = new ArrayDeque<>(1);
        }
        return backlog;
    }

    @GuardedBy("socket.lock")
    private void takeFromBacklog(ReceiveOp receive) {
        while (backlog != null && !backlog.isEmpty() && receive.received < receive.capacity) {
            ByteBuffer first = backlog.peekFirst();
            int copied = WskBufs.copyInto(receive.views, first);
            receive.received += copied;
            backlogBytes -= copied;
            if (!first.hasRemaining()) {
                backlog.pollFirst();
            }
        }
    }

    /**
     * Whether a receive being queued should try to read before readiness is reported. Never on the transport's
     * readiness thread, which polls readiness next anyway; elsewhere unless recent speculative reads found nothing.
     * Lock held.
     */
    @GuardedBy("socket.lock")
    private boolean speculativeReadWorthwhile() {
        if (connection.readinessPolledNext()) {
            return false;
        }
        if (speculativeReadSkips > 0) {
            speculativeReadSkips--;
            return false;
        }
        return true;
    }

    @GuardedBy("socket.lock")
    private void readInto(ReceiveOp receive) {
        try {
            long read = connection.read(receive.views);
            if (speculating) {
                if (read == 0) {
                    speculativeReadBackoff = Math.min(Math.max(1, speculativeReadBackoff * 2),
                            SPECULATIVE_READ_BACKOFF_LIMIT);
                    speculativeReadSkips = speculativeReadBackoff;
                } else {
                    speculativeReadBackoff = 0;
                }
            }
            if (read < 0) {
                readEnded(NtStatus.STATUS_SUCCESS);
            } else {
                receive.received += read;
            }
        } catch (TransportException e) {
            readEnded(e.status());
        }
    }

    /** Reads ahead into the backlog (without consuming it for a receive). */
    @GuardedBy("socket.lock")
    private long readAhead(int size) {
        if (readEnd != null || dataState != DataState.OPEN) {
            return 0;
        }
        ByteBuffer chunk = ByteBuffer.allocate(size);
        try {
            long read = connection.read(new ByteBuffer[] {chunk});
            if (read < 0) {
                readEnded(NtStatus.STATUS_SUCCESS);
                return 0;
            }
            if (read > 0) {
                chunk.flip();
                backlog().addLast(chunk);
                backlogBytes += read;
            }
            return read;
        } catch (TransportException e) {
            readEnded(e.status());
            return 0;
        }
    }

    @GuardedBy("socket.lock")
    private void peekTransport() {
        if (backlogBytes == 0) {
            readAhead(INDICATION_CHUNK);
        }
    }

    @GuardedBy("socket.lock")
    private void drainTransport() {
        while (readAhead(INDICATION_CHUNK) > 0) {
            discardBacklog();
        }
        discardBacklog();
    }

    @GuardedBy("socket.lock")
    private void discardBacklog() {
        if (backlog != null) {
            backlog.clear();
        }
        backlogBytes = 0;
    }

    @GuardedBy("socket.lock")
    private void readEnded(NtStatus status) {
        if (readEnd == null) {
            readEnd = status;
            LOG.debug("{} read side ended: {}", this, status);
            if (status != NtStatus.STATUS_SUCCESS && writeFailure == null) {
                writeFailure = status;
            }
        }
        indicateDisconnect();
    }

    private void cancelReceive(ReceiveOp receive) {
        synchronized (socket.lock) {
            if (receives == null || !receives.unlink(receive)) {
                return; // completed (or being completed) meanwhile
            }
            // A WAITALL receive that already holds data completes with it; otherwise it is cancelled.
            if (receive.received > 0) {
                finish(receive, NtStatus.STATUS_SUCCESS, receive.received, null);
            } else {
                finish(receive, NtStatus.STATUS_CANCELLED);
            }
            updateInterest();
        }
    }

    // ---- readiness -----------------------------------------------------------------------------------

    @Override
    public void onReadable() {
        synchronized (socket.lock) {
            if (receivesWaiting()) {
                pumpReads();
            } else if (eventReadingAllowed()) {
                readAhead(INDICATION_CHUNK);
                maybeIndicate();
            } else if (readAheadAllowed()) {
                readAhead(READ_AHEAD_CHUNK); // no consumer: buffer a little to see the peer's FIN or reset
            }
            updateInterest();
        }
    }

    @GuardedBy("socket.lock")
    private boolean eventReadingAllowed() {
        return callbacks() != null && callbacks().wskReceiveEvent() != null && isEventEnabled(Wsk.WSK_EVENT_RECEIVE)
                && !receiveEventSuspended && !indicationInFlight && retainedBytes < RETAINED_LIMIT
                && backlogBytes == 0 && readEnd == null;
    }

    /**
     * Whether the driver watches for the peer's FIN or reset without reading (the disconnect event is enabled and
     * has not fired): then a socket that never received waits for readiness to read ahead too. Lock held.
     */
    @GuardedBy("socket.lock")
    private boolean disconnectWatched() {
        WskClientConnectionDispatch dispatch = callbacks();
        return !disconnectIndicated && dispatch != null && dispatch.wskDisconnectEvent() != null
                && isEventEnabled(Wsk.WSK_EVENT_DISCONNECT);
    }

    /**
     * Before a close that is graceful only if the peer's FIN arrived: reads ahead as a socket waiting for readiness
     * would have (up to {@link #READ_AHEAD_LIMIT}), so a FIN the peer already sent is known. Lock held.
     */
    @GuardedBy("socket.lock")
    void learnReadEnd() {
        while (readEnd == null && readAheadAllowed() && readAhead(READ_AHEAD_CHUNK) > 0) {
            // each read either buffers data (and the loop goes on while the read-ahead limit allows) or ends it
        }
    }

    /** Whether the socket reads ahead without a consumer ({@link #READ_AHEAD_LIMIT}). Lock held. */
    @GuardedBy("socket.lock")
    private boolean readAheadAllowed() {
        return backlogBytes < READ_AHEAD_LIMIT
                && (backlog == null || backlog.size() < READ_AHEAD_LIMIT / READ_AHEAD_CHUNK)
                && retainedBytes < RETAINED_LIMIT;
    }

    /** Whether sends wait for writability (the send side's queue is not empty). */
    @GuardedBy("socket.lock")
    abstract boolean sendsWaiting();

    /** Brings the transport's readiness interest in line with what the socket waits for. Lock held. */
    @GuardedBy("socket.lock")
    void updateInterest() {
        int interest = 0;
        if (state == State.CONNECTED && dataState == DataState.OPEN && !isCloseCalled()) {
            if (readEnd == null && (receivesWaiting() || eventReadingAllowed()
                    || ((receives != null || disconnectWatched()) && readAheadAllowed()))) {
                interest |= TransportHandler.READ;
            }
            if (sendsWaiting() && writeFailure == null) {
                interest |= TransportHandler.WRITE;
            }
        }
        if (interest != lastInterest) {
            lastInterest = interest;
            connection.setInterest(interest);
        }
    }

    // ---- receive event -------------------------------------------------------------------------------

    /** Indicates buffered data through WskReceiveEvent when allowed. Lock held. */
    @GuardedBy("socket.lock")
    void maybeIndicate() {
        WskClientConnectionDispatch dispatch = callbacks();
        if (backlogBytes == 0 || receivesWaiting() || indicationInFlight || receiveEventSuspended
                || dispatch == null || dispatch.wskReceiveEvent() == null || !isEventEnabled(Wsk.WSK_EVENT_RECEIVE)) {
            return;
        }
        WskDataIndication indication = null;
        List<ByteBuffer> parts = new java.util.ArrayList<>(backlog);
        for (int i = parts.size() - 1; i >= 0; i--) {
            ByteBuffer part = parts.get(i);
            Mdl mdl = Io.allocateMdl(part, part.position(), part.remaining());
            indication = new WskDataIndication(indication, new WskBuf(mdl, 0, part.remaining()));
        }
        long indicated = backlogBytes;
        int flags = Wsk.WSK_FLAG_AT_DISPATCH_LEVEL
                | (retainedBytes + indicated > RETAINED_LIMIT / 2 ? Wsk.WSK_FLAG_RELEASE_ASAP : 0);
        indicationInFlight = true;
        WskDataIndication list = indication;
        deliver(Wsk.WSK_EVENT_RECEIVE, () -> {
            Ref<Long> accepted = new Ref<>(indicated);
            NtStatus result = null;
            try {
                result = dispatch.wskReceiveEvent().wskReceiveEvent(context(), flags, list, indicated, accepted);
            } finally {
                afterIndication(list, indicated, result, accepted.get()); // null: it threw (deliver records that)
            }
        }, () -> afterIndication(list, indicated, NtStatus.STATUS_DATA_NOT_ACCEPTED, 0L));
    }

    /**
     * After WskReceiveEvent returned {@code result}, or threw ({@code result} null). A callback that throws took
     * nothing: the data is indicated again at once, and if the callback throws a second time in a row, events pause
     * as after STATUS_DATA_NOT_ACCEPTED (until a receive completes), so a callback that always throws cannot make
     * the socket spin.
     */
    private void afterIndication(WskDataIndication list, long indicated, NtStatus result, Long accepted) {
        synchronized (socket.lock) {
            indicationInFlight = false;
            boolean threwBefore = indicationThrew;
            indicationThrew = result == null;
            if (result == null) {
                receiveEventSuspended = threwBefore;
            } else if (result == NtStatus.STATUS_SUCCESS) {
                long taken = accepted == null ? indicated : Math.max(0, Math.min(indicated, accepted));
                consumeBacklog(taken);
                if (taken < indicated) {
                    receiveEventSuspended = true; // partial: no events until a receive completes
                }
            } else if (result == NtStatus.STATUS_PENDING) {
                if (retained == null) {
                    retained = new IdentityHashMap<>(4);
                }
                retained.put(list, indicated);   // the client owns the whole list until WskRelease
                retainedBytes += indicated;
                consumeBacklog(indicated);
            } else {
                receiveEventSuspended = true;    // STATUS_DATA_NOT_ACCEPTED: kept, events stop
            }
            if (receivesWaiting()) {
                pumpReads();
            } else {
                maybeIndicate();
            }
            updateInterest();
        }
    }

    @GuardedBy("socket.lock")
    private void consumeBacklog(long bytes) {
        long left = bytes;
        while (left > 0 && backlog != null && !backlog.isEmpty()) {
            ByteBuffer first = backlog.peekFirst();
            int take = (int) Math.min(first.remaining(), left);
            first.position(first.position() + take);
            left -= take;
            backlogBytes -= take;
            if (!first.hasRemaining()) {
                backlog.pollFirst();
            }
        }
    }

    NtStatus release(WskDataIndication indication) {
        synchronized (socket.lock) {
            Long bytes = indication == null || retained == null ? null : retained.remove(indication);
            if (bytes == null) {
                return NtStatus.STATUS_INVALID_PARAMETER;
            }
            retainedBytes -= bytes;
            updateInterest();
            return NtStatus.STATUS_SUCCESS;
        }
    }

    @Override
    int retainedIndications() {
        synchronized (socket.lock) {
            return retained == null ? 0 : retained.size();
        }
    }

    @GuardedBy("socket.lock")
    void indicateDisconnect() {
        if (disconnectIndicated || readEnd == null) {
            return;
        }
        WskClientConnectionDispatch dispatch = callbacks();
        if (dispatch == null || dispatch.wskDisconnectEvent() == null || !isEventEnabled(Wsk.WSK_EVENT_DISCONNECT)) {
            return;
        }
        disconnectIndicated = true;
        int flags = Wsk.WSK_FLAG_AT_DISPATCH_LEVEL
                | (readEnd == NtStatus.STATUS_SUCCESS ? 0 : Wsk.WSK_FLAG_ABORTIVE);
        deliver(Wsk.WSK_EVENT_DISCONNECT, () -> dispatch.wskDisconnectEvent().wskDisconnectEvent(context(), flags));
    }
}
