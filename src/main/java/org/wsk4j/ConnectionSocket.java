package org.wsk4j;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.internal.GuardedBy;

/**
 * The connection role ({@code WSK_FLAG_CONNECTION_SOCKET}, every accepted socket, and a stream socket committed to
 * connecting): bind, WskConnect/WskConnectEx/WskSocketConnect, the remote address, the connection IOCTLs and the
 * role's hooks. The data path is in its superclasses: {@link ConnectionSendPath} and {@link ConnectionReceivePath}.
 *
 * <p>State is guarded by the socket's lock ({@code socket.lock}).
 */
final class ConnectionSocket extends ConnectionSendPath {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSocket.class);

    /**
     * Whether the outcome of the pending connect is decided: set under the lock by whichever of the transport's
     * success and a cancel/failure comes first, so the loser backs off (without it a cancel racing a success could
     * destroy a socket that was then handed out, counting it closed twice).
     */
    @GuardedBy("socket.lock")
    private boolean connectDecided;

    /** The WSK_INSPECT_ID of a socket accepted through conditional accept, else null (set before hand-out). */
    volatile WskInspectId inspectId;

    /**
     * WskSocketConnect's bind was left to the connect by the transport ({@link TransportConnection#bindForConnect});
     * guarded by lock.
     */
    @GuardedBy("socket.lock")
    private boolean bindDeferred;

    /** {@code sizeof(WSK_INSPECT_ID)} on 64-bit Windows: ULONG_PTR Key, ULONG SerialNumber, padding. */
    static final long INSPECT_ID_SIZE = 16;

    /** The most initial data WskConnectEx takes. */
    static final int CONNECT_EX_LIMIT = 65_535;

    /** The role of a connection socket (or of a stream socket committing to connect), not connected yet. */
    ConnectionSocket(SocketImpl socket, TransportConnection connection) {
        super(socket, connection, State.OPEN);
    }

    private ConnectionSocket(SocketImpl socket, TransportConnection connection, State initial) {
        super(socket, connection, initial);
    }

    /**
     * A socket for a connection a listener accepted: a connection socket, connected, readiness driving its data path
     * from now on.
     */
    static ConnectionSocket accepted(WskProvider provider, WskRegistration registration, int family, Object context,
                                     Object clientDispatch, TransportConnection connection) {
        SocketImpl socket = new SocketImpl(provider, registration, family, Wsk.SOCK_STREAM, Wsk.IPPROTO_TCP,
                Wsk.WSK_FLAG_CONNECTION_SOCKET, context, clientDispatch);
        ConnectionSocket role = new ConnectionSocket(socket, connection, State.CONNECTED);
        socket.withRole(role);
        connection.setHandler(role);
        return role;
    }

    @Override
    TransportEndpoint endpoint() {
        return connection;
    }

    @Override
    @GuardedBy("socket.lock")
    boolean canBind() {
        return state == State.OPEN && !bindDeferred;
    }

    @Override
    boolean eventsAllowedNow() {
        synchronized (socket.lock) { // reentrant (callers hold it)
            return state == State.CONNECTED;
        }
    }

    @Override
    void closeEndpoint() {
        if (connection != null) {
            boolean graceful;
            synchronized (socket.lock) {
                if (outputShut) {
                    learnReadEnd(); // an idle socket does not watch for the FIN: look now, before deciding
                }
                graceful = outputShut && readEnd == NtStatus.STATUS_SUCCESS;
                dataState = DataState.CLOSED;
                lastInterest = 0;
            }
            connection.close(!graceful); // abortive unless disconnected both ways
        }
    }

    @Override
    void onEventsEnabled(int enabled) {
        synchronized (socket.lock) {
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
            deliver(Wsk.WSK_EVENT_SEND_BACKLOG,
                    () -> dispatch.wskSendBacklogEvent().wskSendBacklogEvent(context(), ideal));
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
        NtStatus invalid = SocketRules.validateRemote(socket.family, remoteAddress);
        if (invalid != null) {
            return fail(irp, invalid);
        }
        return startConnect(remoteAddress, irp, false, null, null);
    }

    /**
     * For WskSocketConnect ({@code thenConnect}) the bind goes through {@link TransportConnection#bindForConnect},
     * which may leave a wildcard port-0 bind to the connect that follows at once.
     */
    @Override
    @GuardedBy("socket.lock")
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
        synchronized (socket.lock) {
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
        PendingOp op;
        if (initialBuffer == null) {
            op = socket.pend(irp, handOut ? "WskSocketConnect" : "WskConnect");
        } else {
            synchronized (socket.lock) { // the initial data waits in the send queue, ahead of any send
                op = socket.pend(new SendOp(irp, "WskConnectEx", initialData, false, true), false,
                        new WskBuf[] {initialBuffer}, sends());
            }
        }
        op.arm(() -> abortConnect(op, NtStatus.STATUS_CANCELLED, handOut));
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
        synchronized (socket.lock) {
            if (op.isFinished() || connectDecided) {
                return; // a cancel (or close) decided the outcome first: the connection is being released
            }
            state = State.CONNECTED;
            connectDecided = !withData; // success will be reported; WskConnectEx stays cancellable until sent
            establishedLocked(); // in the same section: one socket-lock section per connect, not two
        }
        if (withData) {
            sendInitialData(); // WskConnectEx: completes when the data is sent
            return;
        }
        finish(op, NtStatus.STATUS_SUCCESS, 0, handOut ? socket : null);
    }

    /**
     * The connection is established: readiness now drives the data path. Under the socket lock (the transport's
     * {@code setHandler} and {@code setInterest} take only the transport's own lock, which the socket lock already
     * precedes in {@link #updateInterest}).
     */
    @GuardedBy("socket.lock")
    private void establishedLocked() {
        connection.setHandler(this);
        updateInterest();
    }

    private void abortConnect(PendingOp op, NtStatus status, boolean handOut) {
        synchronized (socket.lock) {
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
            socket.destroy();
        }
        LOG.debug("{} connect failed: {}", this, status);
        finish(op, status);
    }

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
        return socket.fillAddress(remoteAddress, remote, irp);
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
        NtStatus invalid = SocketRules.validateRemote(socket.family, remoteAddress);
        if (invalid != null) {
            return fail(irp, invalid);
        }
        return startConnect(remoteAddress, irp, false, buffer, views);
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
        synchronized (socket.lock) {
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
        if (output instanceof byte[] bytes && bytes.length >= 8) {
            ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            return true;
        }
        return false;
    }
}
