package org.wsk4j;

import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
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
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.internal.GuardedBy;

/**
 * A connection-oriented socket ({@code WSK_FLAG_CONNECTION_SOCKET}, and every accepted socket): bind,
 * connect, and the data path. State is guarded by {@code this}.
 */
class ConnectionSocket extends SocketImpl implements TransportHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSocket.class);

    enum State { OPEN, CONNECTING, CONNECTED, FAILED }

    final TransportConnection connection;
    @GuardedBy("lock")
    private State state = State.OPEN;
    /**
     * Whether the outcome of the pending connect is decided: set under the lock by whichever of the transport's
     * success and a cancel/failure comes first, so the loser backs off (without it a cancel racing a success could
     * destroy a socket that was then handed out, counting it closed twice).
     */
    @GuardedBy("lock")
    private boolean connectDecided;
    /** The WSK_INSPECT_ID of a socket accepted through conditional accept, else null (set before hand-out). */
    volatile WskInspectId inspectId;

    ConnectionSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                     int category, Object context, Object clientDispatch, TransportConnection connection) {
        super(provider, registration, family, type, protocol, category, context, clientDispatch);
        this.connection = connection;
    }

    /** An accepted socket: already connected. */
    ConnectionSocket(WskProvider provider, WskRegistration registration, int family, Object context,
                     Object clientDispatch, TransportConnection connection) {
        this(provider, registration, family, Wsk.SOCK_STREAM, Wsk.IPPROTO_TCP, Wsk.WSK_FLAG_CONNECTION_SOCKET, context,
                clientDispatch, connection);
        this.state = State.CONNECTED;
        connection.setHandler(this);
    }

    @Override
    TransportEndpoint endpoint() {
        return connection;
    }

    State state() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    @GuardedBy("lock")
    boolean canBind() {
        return state == State.OPEN && !bindDeferred;
    }

    @Override
    boolean eventsAllowedNow() {
        synchronized (lock) { // reentrant (callers hold it); StreamSocket reaches this through super
            return state == State.CONNECTED;
        }
    }

    @Override
    void closeEndpoint() {
        if (connection != null) {
            boolean graceful;
            synchronized (lock) {
                graceful = outputShut && readEnd == NtStatus.STATUS_SUCCESS;
                dataState = DataState.CLOSED;
                lastInterest = 0;
            }
            connection.close(!graceful); // abortive unless disconnected both ways
        }
    }

    // ---- WskConnect ----------------------------------------------------------------------------------

    NtStatus connect(SockAddr remoteAddress, int flags, Irp irp) {
        if (connection == null) {
            return fail(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
        }
        if (flags != 0) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus invalid = SocketRules.validateRemote(family, remoteAddress);
        if (invalid != null) {
            return fail(irp, invalid);
        }
        return startConnect(remoteAddress, irp, false, null, null);
    }

    /**
     * WskSocketConnect's bind was left to the connect by the transport ({@link TransportConnection#bindForConnect});
     * guarded by lock.
     */
    @GuardedBy("lock")
    private boolean bindDeferred;

    /**
     * For WskSocketConnect ({@code thenConnect}) the bind goes through {@link TransportConnection#bindForConnect},
     * which may leave a wildcard port-0 bind to the connect that follows at once.
     */
    @Override
    @GuardedBy("lock")
    NtStatus bindEndpoint(InetSocketAddress address, boolean thenConnect) {
        if (!thenConnect) {
            return connection.bind(address);
        }
        NtStatus status = connection.bindForConnect(address);
        bindDeferred = status == NtStatus.STATUS_SUCCESS && connection.localAddress() == null;
        return status;
    }

    /**
     * Starts a connect on a bound socket. With {@code handOut} (WskSocketConnect) the IRP's Information is
     * this socket on success, and on failure the socket is destroyed before the IRP completes.
     */
    NtStatus startConnect(SockAddr remoteAddress, Irp irp, boolean handOut, WskBuf initialBuffer,
                          ByteBuffer[] initialData) {
        NtStatus refused = null;
        synchronized (lock) {
            if (state == State.CONNECTED) {
                refused = NtStatus.STATUS_CONNECTION_ACTIVE;
            } else if (state != State.OPEN || (connection.localAddress() == null && !bindDeferred)) {
                refused = NtStatus.STATUS_INVALID_DEVICE_STATE; // never bound, already connecting, or failed
            } else {
                state = State.CONNECTING;
            }
        }
        if (refused != null) {
            return fail(irp, refused); // outside the lock: the routine may run inline
        }
        PendingOp op = initialBuffer == null ? pend(irp, handOut ? "WskSocketConnect" : "WskConnect")
                : pend(irp, "WskConnectEx", false, initialBuffer);
        armCancel(op, () -> abortConnect(op, NtStatus.STATUS_CANCELLED, handOut));
        InetSocketAddress target = remoteAddress.toInetSocketAddress();
        connection.connect(target, (status, cause) -> onConnected(op, status, handOut, initialData));
        return NtStatus.STATUS_PENDING;
    }

    private void onConnected(PendingOp op, NtStatus status, boolean handOut, ByteBuffer[] initialData) {
        if (status != NtStatus.STATUS_SUCCESS) {
            abortConnect(op, status, handOut);
            return;
        }
        boolean withData = initialData != null && WskBufs.remaining(initialData) > 0;
        synchronized (lock) {
            if (op.isFinished() || connectDecided) {
                return; // a cancel (or close) decided the outcome first: the connection is being released
            }
            state = State.CONNECTED;
            connectDecided = !withData; // success will be reported; WskConnectEx stays cancellable until sent
        }
        onConnectedEstablished();
        if (withData) {
            sendInitialData(op, initialData); // WskConnectEx: completes when the data is sent
            return;
        }
        finish(op, NtStatus.STATUS_SUCCESS, 0, handOut ? this : null);
    }

    /** The connection is established: readiness now drives the data path. */
    void onConnectedEstablished() {
        connection.setHandler(this);
        synchronized (lock) {
            updateInterest();
        }
    }

    private void abortConnect(PendingOp op, NtStatus status, boolean handOut) {
        synchronized (lock) {
            if (op.isFinished() || connectDecided) {
                return; // the success was decided first and is being reported: the socket is the client's
            }
            connectDecided = true;
            if (state == State.CONNECTING) {
                state = State.FAILED;
            }
        }
        connection.close(true); // releases the channel; the socket cannot connect again
        if (handOut) {
            destroy();
        }
        LOG.debug("{} connect failed: {}", this, status);
        finish(op, status);
    }

    // ---- IOCTLs --------------------------------------------------------------------------------------

    /** {@code sizeof(WSK_INSPECT_ID)} on 64-bit Windows: ULONG_PTR Key, ULONG SerialNumber, padding. */
    static final long INSPECT_ID_SIZE = 16;

    /** SIO_WSK_QUERY_INSPECT_ID: the WSK_INSPECT_ID of a socket accepted through conditional accept. */
    @SuppressWarnings("unchecked")
    private NtStatus queryInspectId(Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
        if (irp != null) {
            return controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0); // this IOCTL takes no IRP
        }
        WskInspectId id = inspectId;
        if (id == null) {
            return NtStatus.STATUS_INVALID_DEVICE_REQUEST; // not accepted through conditional accept
        }
        if (!(outputBuffer instanceof Ref)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        ((Ref<Object>) outputBuffer).set(id);
        if (outputSizeReturned != null) {
            outputSizeReturned.set(INSPECT_ID_SIZE);
        }
        return NtStatus.STATUS_SUCCESS;
    }

    // ---- addresses -----------------------------------------------------------------------------------

    NtStatus getRemoteAddress(SockAddr remoteAddress, Irp irp) {
        if (remoteAddress == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        InetSocketAddress remote = connection == null ? null : connection.remoteAddress();
        if (remote == null || state() != State.CONNECTED) {
            return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return fillAddress(remoteAddress, remote, irp);
    }

    // ---- data path ------------------------------------------------------------------------------------
    //
    // All queues below are guarded by lock. Reads and writes happen under the lock, on the caller's thread
    // or on the transport's thread (readiness callbacks); completions and callbacks are posted to the serial
    // queue, so no client code runs under the lock.

    /** The most indicated-but-retained bytes per socket; beyond it, reading pauses until WskRelease. */
    static final long RETAINED_LIMIT = 1L << 20;
    /** How much one receive-event indication reads at most. */
    static final int INDICATION_CHUNK = 64 * 1024;
    /** The most receives one empty speculative read makes skip it (see speculativeReadSkips). */
    static final int SPECULATIVE_READ_BACKOFF_LIMIT = 64;
    /** The most initial data WskConnectEx takes. */
    static final int CONNECT_EX_LIMIT = 65_535;

    enum DataState { OPEN, CLOSED }

    private static final ByteBuffer[] NO_VIEWS = new ByteBuffer[0];

    /**
     * A queued send (or the final buffer of a graceful disconnect, or the initial data of WskConnectEx); also its
     * cancel action (no lambda per send).
     */
    private final class SendOp implements Runnable {
        final PendingOp op;
        final ByteBuffer[] views;
        final long total;
        final boolean disconnect;
        long sent;

        SendOp(PendingOp op, ByteBuffer[] views, boolean disconnect) {
            this.op = op;
            this.views = views;
            this.total = WskBufs.remaining(views);
            this.disconnect = disconnect;
        }

        long remaining() {
            return total - sent;
        }

        /** Cancels the send (armed with {@link #armCancel}). */
        @Override
        public void run() {
            cancelSend(this);
        }
    }

    /** A queued receive; also its cancel action. */
    private final class ReceiveOp implements Runnable {
        final PendingOp op;
        final ByteBuffer[] views;
        final long capacity;
        final boolean waitAll;
        final boolean drain;
        long received;

        ReceiveOp(PendingOp op, ByteBuffer[] views, boolean waitAll, boolean drain) {
            this.op = op;
            this.views = views;
            this.capacity = WskBufs.remaining(views);
            this.waitAll = waitAll;
            this.drain = drain;
        }

        /** Cancels the receive (armed with {@link #armCancel}). */
        @Override
        public void run() {
            cancelReceive(this);
        }
    }

    @GuardedBy("lock")
    private DataState dataState = DataState.OPEN;
    // Small initial capacities (they grow when needed): an idle connected socket should cost little heap.
    @GuardedBy("lock")
    private final ArrayDeque<SendOp> sends = new ArrayDeque<>(1);
    @GuardedBy("lock")
    private final ArrayDeque<ReceiveOp> receives = new ArrayDeque<>(1);
    /** Bytes read from the transport and not yet consumed (indicated and not accepted, or read ahead). */
    @GuardedBy("lock")
    private final ArrayDeque<ByteBuffer> backlog = new ArrayDeque<>(1);
    @GuardedBy("lock")
    private long backlogBytes;
    /** How the read side ended: null while open, STATUS_SUCCESS for a graceful close by the peer, else a failure. */
    @GuardedBy("lock")
    private NtStatus readEnd;
    /** Why writing is impossible (a failed write, a local abort), or null. */
    @GuardedBy("lock")
    private NtStatus writeFailure;
    /** A FIN was sent (graceful disconnect done). */
    @GuardedBy("lock")
    private boolean outputShut;
    @GuardedBy("lock")
    private PendingOp disconnectOp;
    @GuardedBy("lock")
    private long disconnectBytes;
    @GuardedBy("lock")
    private boolean receiveEventSuspended;
    @GuardedBy("lock")
    private boolean indicationInFlight;
    /** The last WskReceiveEvent threw (the next throw in a row pauses events). */
    @GuardedBy("lock")
    private boolean indicationThrew;
    /** Indication lists the client retained (STATUS_PENDING from WskReceiveEvent); created on first use. */
    @GuardedBy("lock")
    private Map<WskDataIndication, Long> retained;
    @GuardedBy("lock")
    private long retainedBytes;
    @GuardedBy("lock")
    private boolean disconnectIndicated;
    @GuardedBy("lock")
    private int lastInterest = -1;
    /**
     * Receives to queue without a speculative read, after speculative reads found nothing (guarded by lock). A
     * read tried when a receive is queued, before readiness says data is there, saves a trip through the
     * transport's readiness thread when data is already waiting (streaming), and is a wasted system call when it
     * is not (request/response: the answer is not here yet). Each empty speculative read doubles the number of
     * receives that skip it (up to {@link #SPECULATIVE_READ_BACKOFF_LIMIT}); one that finds data resets it.
     */
    @GuardedBy("lock")
    private int speculativeReadSkips;
    /** How many receives the next empty speculative read makes skip (guarded by lock). */
    @GuardedBy("lock")
    private int speculativeReadBackoff;
    /** Set while a newly queued receive is pumped: its read, if any, is speculative (guarded by lock). */
    @GuardedBy("lock")
    private boolean speculating;
    /** Set while a newly queued receive is pumped without a speculative read: the backlog only (guarded by lock). */
    @GuardedBy("lock")
    private boolean skipSpeculativeRead;

    /**
     * Puts data read before this socket existed (a conditional-accept request watched for a reset) in front of
     * the read-ahead backlog; an empty buffer in the list marks a FIN the peer already sent.
     */
    void prefill(List<ByteBuffer> data) {
        synchronized (lock) {
            for (ByteBuffer chunk : data) {
                if (chunk.hasRemaining()) {
                    backlog.addLast(chunk);
                    backlogBytes += chunk.remaining();
                } else {
                    readEnd = NtStatus.STATUS_SUCCESS;
                }
            }
        }
    }

    private WskClientConnectionDispatch callbacks() {
        return clientDispatch instanceof WskClientConnectionDispatch ? (WskClientConnectionDispatch) clientDispatch
                : null;
    }

    /** Why a send cannot be queued now, or null. Called with the lock held. */
    @GuardedBy("lock")
    private NtStatus sendRefusal() {
        if (state != State.CONNECTED) {
            return NtStatus.STATUS_INVALID_DEVICE_STATE;
        }
        if (writeFailure != null) {
            return writeFailure;
        }
        if (outputShut || disconnectOp != null) {
            return NtStatus.STATUS_PIPE_DISCONNECTED; // WSAESHUTDOWN: sending after a graceful disconnect
        }
        return null;
    }

    NtStatus send(WskBuf buffer, int flags, Irp irp) {
        if ((flags & ~Wsk.WSK_FLAG_NODELAY) != 0) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED); // WSK_FLAG_OOB included
        }
        ByteBuffer[] views = WskBufs.views(buffer, false);
        if (views == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus refused;
        synchronized (lock) { // one critical section: pend, queue, arm, write
            refused = sendRefusal();
            if (refused == null) {
                SendOp queued = new SendOp(pendLocked(irp, "WskSend", false, buffer), views, false);
                sends.addLast(queued);
                // Armed before the lock is released, so no other thread can complete the IRP first.
                armCancel(queued.op, queued);
                pumpWrites();
                updateInterest();
                return NtStatus.STATUS_PENDING;
            }
        }
        return fail(irp, refused); // outside the lock: the routine runs inline
    }

    /** The sends and receives queued with pendLocked (not in the pending list). Lock held. */
    @Override
@GuardedBy("lock")
    void addQueuedOps(List<PendingOp> into) {
        for (SendOp send : sends) {
            if (!send.op.linked && !send.op.isFinished()) {
                into.add(send.op);
            }
        }
        for (ReceiveOp receive : receives) {
            if (!receive.op.linked && !receive.op.isFinished()) {
                into.add(receive.op);
            }
        }
    }

    /** Writes what the transport takes now. Called with the lock held. */
    @GuardedBy("lock")
    private void pumpWrites() {
        while (!sends.isEmpty() && writeFailure == null && dataState == DataState.OPEN) {
            SendOp head = sends.peekFirst();
            if (head.op.isFinished()) {
                sends.pollFirst();
                continue;
            }
            if (head.remaining() > 0) {
                try {
                    head.sent += connection.write(head.views);
                } catch (TransportException e) {
                    failConnection(e.status(), false);
                    return;
                }
                if (head.remaining() > 0) {
                    return; // wait for writability
                }
            }
            sends.pollFirst();
            if (!head.disconnect) {
                finishLocked(head.op, NtStatus.STATUS_SUCCESS, head.total);
            }
        }
        maybeFinishDisconnect();
    }

    @GuardedBy("lock")
    private void maybeFinishDisconnect() {
        if (disconnectOp == null || !sends.isEmpty() || writeFailure != null) {
            return;
        }
        PendingOp op = disconnectOp;
        disconnectOp = null;
        try {
            connection.shutdownOutput();
            outputShut = true;
            finish(op, NtStatus.STATUS_SUCCESS, disconnectBytes, null);
        } catch (TransportException e) {
            finish(op, e.status());
            failConnection(e.status(), false);
        }
    }

    private void cancelSend(SendOp send) {
        synchronized (lock) {
            if (!sends.remove(send)) {
                return;
            }
            if (send.sent > 0) {
                // Part of it is on the wire: the byte stream cannot be repaired, so the connection is reset.
                finish(send.op, NtStatus.STATUS_CANCELLED);
                failConnection(NtStatus.STATUS_CONNECTION_ABORTED, true);
                return;
            }
            finish(send.op, NtStatus.STATUS_CANCELLED);
            maybeFinishDisconnect();
            updateInterest();
        }
    }

    /**
     * The connection failed (or was aborted locally): every pending send, receive and disconnect completes
     * with {@code status}. Called with the lock held.
     */
    @GuardedBy("lock")
    private void failConnection(NtStatus status, boolean resetNow) {
        if (writeFailure == null) {
            writeFailure = status;
        }
        if (readEnd == null) {
            readEnd = status;
        }
        for (SendOp send : sends) {
            finish(send.op, status);
        }
        sends.clear();
        if (disconnectOp != null) {
            finish(disconnectOp, status);
            disconnectOp = null;
        }
        pumpReads();
        indicateDisconnect();
        if (resetNow) {
            connection.close(true);
        }
        updateInterest();
    }

    NtStatus receive(WskBuf buffer, int flags, Irp irp) {
        return queueReceive(buffer, flags, irp, "WskReceive");
    }

    private NtStatus queueReceive(WskBuf buffer, int flags, Irp irp, String kind) {
        if ((flags & ~(Wsk.WSK_FLAG_WAITALL | Wsk.WSK_FLAG_DRAIN)) != 0) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED);
        }
        boolean waitAll = (flags & Wsk.WSK_FLAG_WAITALL) != 0;
        boolean drain = (flags & Wsk.WSK_FLAG_DRAIN) != 0;
        ByteBuffer[] views = WskBufs.views(buffer, true);
        if ((waitAll && drain) || views == null || (drain && WskBufs.remaining(views) != 0)) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        synchronized (lock) { // one critical section: pend, queue, arm, read
            if (state == State.CONNECTED) {
                ReceiveOp queued = new ReceiveOp(pendLocked(irp, kind, true, buffer), views, waitAll, drain);
                receives.addLast(queued);
                armCancel(queued.op, queued); // before another thread can complete it
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
        return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
    }

    /** Serves queued receives from the backlog and the transport. Called with the lock held. */
    @GuardedBy("lock")
    private void pumpReads() {
        while (!receives.isEmpty()) {
            ReceiveOp head = receives.peekFirst();
            if (head.op.isFinished()) {
                receives.pollFirst();
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
            receives.pollFirst();
            finishLocked(head.op, status, status == NtStatus.STATUS_SUCCESS ? head.received : 0);
            receiveEventSuspended = false; // a completed receive re-arms the receive event
        }
        maybeIndicate();
    }

    /** The status a receive completes with now, or null to keep waiting. */
    @GuardedBy("lock")
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

    @GuardedBy("lock")
    private void takeFromBacklog(ReceiveOp receive) {
        while (!backlog.isEmpty() && receive.received < receive.capacity) {
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
    @GuardedBy("lock")
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

    @GuardedBy("lock")
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
    @GuardedBy("lock")
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
                backlog.addLast(chunk);
                backlogBytes += read;
            }
            return read;
        } catch (TransportException e) {
            readEnded(e.status());
            return 0;
        }
    }

    @GuardedBy("lock")
    private void peekTransport() {
        if (backlogBytes == 0) {
            readAhead(INDICATION_CHUNK);
        }
    }

    @GuardedBy("lock")
    private void drainTransport() {
        while (readAhead(INDICATION_CHUNK) > 0) {
            discardBacklog();
        }
        discardBacklog();
    }

    @GuardedBy("lock")
    private void discardBacklog() {
        backlog.clear();
        backlogBytes = 0;
    }

    @GuardedBy("lock")
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
        synchronized (lock) {
            if (!receives.remove(receive)) {
                return;
            }
            // A WAITALL receive that already holds data completes with it; otherwise it is cancelled.
            if (receive.received > 0) {
                finish(receive.op, NtStatus.STATUS_SUCCESS, receive.received, null);
            } else {
                finish(receive.op, NtStatus.STATUS_CANCELLED);
            }
            updateInterest();
        }
    }

    // ---- readiness -----------------------------------------------------------------------------------

    @Override
    public void onReadable() {
        synchronized (lock) {
            if (!receives.isEmpty()) {
                pumpReads();
            } else if (eventReadingAllowed()) {
                readAhead(INDICATION_CHUNK);
                maybeIndicate();
            }
            updateInterest();
        }
    }

    @Override
    public void onWritable() {
        synchronized (lock) {
            pumpWrites();
            updateInterest();
        }
    }

    @GuardedBy("lock")
    private boolean eventReadingAllowed() {
        return callbacks() != null && callbacks().wskReceiveEvent() != null && isEventEnabled(Wsk.WSK_EVENT_RECEIVE)
                && !receiveEventSuspended && !indicationInFlight && retainedBytes < RETAINED_LIMIT
                && backlogBytes == 0 && readEnd == null;
    }

    /** Brings the transport's readiness interest in line with what the socket waits for. Lock held. */
    @GuardedBy("lock")
    private void updateInterest() {
        int interest = 0;
        if (state == State.CONNECTED && dataState == DataState.OPEN && !isCloseCalled()) {
            if (readEnd == null && (!receives.isEmpty() || eventReadingAllowed())) {
                interest |= TransportHandler.READ;
            }
            if (!sends.isEmpty() && writeFailure == null) {
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
    @GuardedBy("lock")
    private void maybeIndicate() {
        WskClientConnectionDispatch dispatch = callbacks();
        if (backlogBytes == 0 || !receives.isEmpty() || indicationInFlight || receiveEventSuspended
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
                result = dispatch.wskReceiveEvent().wskReceiveEvent(context, flags, list, indicated, accepted);
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
        synchronized (lock) {
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
            if (!receives.isEmpty()) {
                pumpReads();
            } else {
                maybeIndicate();
            }
            updateInterest();
        }
    }

    @GuardedBy("lock")
    private void consumeBacklog(long bytes) {
        long left = bytes;
        while (left > 0 && !backlog.isEmpty()) {
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
        synchronized (lock) {
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
        synchronized (lock) {
            return retained == null ? 0 : retained.size();
        }
    }

    @GuardedBy("lock")
    private void indicateDisconnect() {
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
        deliver(Wsk.WSK_EVENT_DISCONNECT, () -> dispatch.wskDisconnectEvent().wskDisconnectEvent(context, flags));
    }

    @Override
    void onEventsEnabled(int enabled) {
        synchronized (lock) {
            if ((enabled & Wsk.WSK_EVENT_RECEIVE) != 0) {
                maybeIndicate();
            }
            if ((enabled & Wsk.WSK_EVENT_DISCONNECT) != 0) {
                indicateDisconnect();
            }
            updateInterest();
        }
        WskClientConnectionDispatch dispatch = callbacks();
        if ((enabled & Wsk.WSK_EVENT_SEND_BACKLOG) != 0 && dispatch != null && dispatch.wskSendBacklogEvent() != null) {
            long ideal = idealSendBacklog();
            deliver(Wsk.WSK_EVENT_SEND_BACKLOG, () -> dispatch.wskSendBacklogEvent().wskSendBacklogEvent(context, ideal));
        }
    }

    private long idealSendBacklog() {
        try {
            return connection.getOption(StandardSocketOptions.SO_SNDBUF);
        } catch (TransportException e) {
            return INDICATION_CHUNK;
        }
    }

    // ---- disconnect ----------------------------------------------------------------------------------

    NtStatus disconnect(WskBuf buffer, int flags, Irp irp) {
        if ((flags & ~Wsk.WSK_FLAG_ABORTIVE) != 0) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        if ((flags & Wsk.WSK_FLAG_ABORTIVE) != 0) {
            if (buffer != null) {
                return fail(irp, NtStatus.STATUS_INVALID_PARAMETER); // abortive: no final buffer
            }
            if (state() != State.CONNECTED) {
                return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
            }
            synchronized (lock) {
                for (SendOp send : sends) {
                    finish(send.op, NtStatus.STATUS_CANCELLED);
                }
                sends.clear();
                if (disconnectOp != null) {
                    finish(disconnectOp, NtStatus.STATUS_CANCELLED); // forces a stuck graceful disconnect
                    disconnectOp = null;
                }
                failConnection(NtStatus.STATUS_CONNECTION_ABORTED, true);
                return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
            }
        }
        ByteBuffer[] views = buffer == null ? NO_VIEWS : WskBufs.views(buffer, false);
        if (views == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        PendingOp op = null;
        NtStatus refused;
        synchronized (lock) {
            refused = state != State.CONNECTED ? NtStatus.STATUS_INVALID_DEVICE_STATE
                    : writeFailure != null ? writeFailure
                    : outputShut || disconnectOp != null ? NtStatus.STATUS_INVALID_DEVICE_STATE : null;
            if (refused == null) {
                op = pend(irp, "WskDisconnect", false, buffer);
                disconnectOp = op;
                SendOp last = new SendOp(op, views, true);
                disconnectBytes = last.total;
                if (last.total > 0) {
                    sends.addLast(last);
                }
                PendingOp queued = op;
                armCancel(queued, () -> cancelDisconnect(queued)); // before another thread can complete it
            }
        }
        if (refused != null) {
            return fail(irp, refused);
        }
        synchronized (lock) {
            pumpWrites();
            updateInterest();
        }
        return NtStatus.STATUS_PENDING;
    }

    private void cancelDisconnect(PendingOp op) {
        synchronized (lock) {
            if (disconnectOp != op) {
                return;
            }
            disconnectOp = null;
            sends.removeIf(send -> send.op == op);
            finish(op, NtStatus.STATUS_CANCELLED);
            updateInterest();
        }
    }

    // ---- the Ex functions ----------------------------------------------------------------------------

    NtStatus connectEx(SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp) {
        if (connection == null) {
            return fail(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
        }
        if (flags != 0) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        ByteBuffer[] views = buffer == null ? NO_VIEWS : WskBufs.views(buffer, false);
        if (views == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        if (WskBufs.remaining(views) > CONNECT_EX_LIMIT) {
            return fail(irp, NtStatus.STATUS_BUFFER_OVERFLOW);
        }
        NtStatus invalid = SocketRules.validateRemote(family, remoteAddress);
        if (invalid != null) {
            return fail(irp, invalid);
        }
        return startConnect(remoteAddress, irp, false, buffer, views);
    }

    /** After a successful WskConnectEx: sends the initial data; the IRP completes when it is sent. */
    void sendInitialData(PendingOp op, ByteBuffer[] views) {
        synchronized (lock) {
            sends.addLast(new SendOp(op, views, false));
            pumpWrites();
            updateInterest();
        }
    }

    NtStatus sendEx(WskBuf buffer, int flags, int controlInfoLength, byte[] controlInfo, Irp irp) {
        if (controlInfoLength != 0 || controlInfo != null) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED); // java.nio has no TCP ancillary data
        }
        return send(buffer, flags, irp);
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

    // ---- IOCTLs --------------------------------------------------------------------------------------

    @Override
    NtStatus ioctl(int controlCode, long inputSize, Object inputBuffer, long outputSize, Object outputBuffer,
                   Ref<Long> outputSizeReturned, Irp irp) {
        if (controlCode == Wsk.SIO_WSK_QUERY_INSPECT_ID) {
            return queryInspectId(outputBuffer, outputSizeReturned, irp);
        }
        if (controlCode != Wsk.SIO_WSK_QUERY_RECEIVE_BACKLOG && controlCode != Wsk.SIO_WSK_QUERY_IDEAL_SEND_BACKLOG) {
            return super.ioctl(controlCode, inputSize, inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp);
        }
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER; // these IOCTLs require an IRP
        }
        if (state() != State.CONNECTED) {
            return controlDone(irp, NtStatus.STATUS_INVALID_DEVICE_STATE, 0);
        }
        if (outputSize < 8 || outputBuffer == null) {
            if (outputSizeReturned != null) {
                outputSizeReturned.set(8L);
            }
            return controlDone(irp, NtStatus.STATUS_BUFFER_OVERFLOW, 8);
        }
        long value;
        synchronized (lock) {
            value = controlCode == Wsk.SIO_WSK_QUERY_RECEIVE_BACKLOG ? backlogBytes : idealSendBacklog();
        }
        if (!writeSizeT(outputBuffer, value)) {
            return controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0);
        }
        return controlDone(irp, NtStatus.STATUS_SUCCESS, 8);
    }

    @SuppressWarnings("unchecked")
    private static boolean writeSizeT(Object output, long value) {
        if (output instanceof Ref) {
            ((Ref<Object>) output).set(value);
            return true;
        }
        if (output instanceof byte[] && ((byte[]) output).length >= 8) {
            ByteBuffer.wrap((byte[]) output).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return true;
        }
        return false;
    }
}
