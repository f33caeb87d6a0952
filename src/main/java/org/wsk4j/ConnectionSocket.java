package org.wsk4j;

import java.net.InetSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportEndpoint;

/**
 * A connection-oriented socket ({@code WSK_FLAG_CONNECTION_SOCKET}, and every accepted socket): bind,
 * connect, and the data path. State is guarded by {@code this}.
 */
class ConnectionSocket extends SocketImpl {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSocket.class);

    enum State { OPEN, CONNECTING, CONNECTED, FAILED }

    final TransportConnection connection;
    private State state = State.OPEN;
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
    }

    @Override
    TransportEndpoint endpoint() {
        return connection;
    }

    synchronized State state() {
        return state;
    }

    @Override
    boolean canBind() {
        return state == State.OPEN;
    }

    @Override
    boolean eventsAllowedNow() {
        return state == State.CONNECTED;
    }

    @Override
    void closeEndpoint() {
        if (connection != null) {
            connection.close(true); // abortive: the connection was not disconnected gracefully both ways
        }
    }

    // ---- WskConnect ----------------------------------------------------------------------------------

    NtStatus connect(SockAddr remoteAddress, int flags, Irp irp) {
        if (connection == null) {
            return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
        }
        if (flags != 0) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus invalid = validateRemote(family, remoteAddress);
        if (invalid != null) {
            return provider.failNow(irp, invalid);
        }
        return startConnect(remoteAddress, irp, false);
    }

    /**
     * Starts a connect on a bound socket. With {@code handOut} (WskSocketConnect) the IRP's Information is
     * this socket on success, and on failure the socket is destroyed before the IRP completes.
     */
    NtStatus startConnect(SockAddr remoteAddress, Irp irp, boolean handOut) {
        NtStatus refused = null;
        synchronized (this) {
            if (state == State.CONNECTED) {
                refused = NtStatus.STATUS_CONNECTION_ACTIVE;
            } else if (state != State.OPEN || connection.localAddress() == null) {
                refused = NtStatus.STATUS_INVALID_DEVICE_STATE; // never bound, already connecting, or failed
            } else {
                state = State.CONNECTING;
            }
        }
        if (refused != null) {
            return provider.failNow(irp, refused); // outside the lock: the routine may run inline
        }
        PendingOp op = pend(irp, handOut ? "WskSocketConnect" : "WskConnect");
        armCancel(op, () -> abortConnect(op, NtStatus.STATUS_CANCELLED, handOut));
        InetSocketAddress target = remoteAddress.toInetSocketAddress();
        connection.connect(target, (status, cause) -> onConnected(op, status, handOut));
        return NtStatus.STATUS_PENDING;
    }

    private void onConnected(PendingOp op, NtStatus status, boolean handOut) {
        if (status != NtStatus.STATUS_SUCCESS) {
            abortConnect(op, status, handOut);
            return;
        }
        synchronized (this) {
            if (op.isFinished()) {
                return;
            }
            state = State.CONNECTED;
        }
        onConnectedEstablished();
        finish(op, NtStatus.STATUS_SUCCESS, 0, handOut ? this : null);
    }

    /** Hook for the data path: the connection is established. */
    void onConnectedEstablished() {
    }

    private void abortConnect(PendingOp op, NtStatus status, boolean handOut) {
        synchronized (this) {
            if (op.isFinished()) {
                return;
            }
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

    @Override
    @SuppressWarnings("unchecked")
    NtStatus ioctl(int controlCode, long inputSize, Object inputBuffer, long outputSize, Object outputBuffer,
                   Ref<Long> outputSizeReturned, Irp irp) {
        if (controlCode != Wsk.SIO_WSK_QUERY_INSPECT_ID) {
            return super.ioctl(controlCode, inputSize, inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp);
        }
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
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        InetSocketAddress remote = connection == null ? null : connection.remoteAddress();
        if (remote == null || state() != State.CONNECTED) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return fillAddress(remoteAddress, remote, irp);
    }

    // ---- data path -----------------------------------------------------------------------------------

    NtStatus send(WskBuf buffer, int flags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus receive(WskBuf buffer, int flags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus disconnect(WskBuf buffer, int flags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus release(WskDataIndication indication) {
        return NtStatus.STATUS_NOT_IMPLEMENTED;
    }

    NtStatus connectEx(SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus sendEx(WskBuf buffer, int flags, int controlInfoLength, byte[] controlInfo, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus receiveEx(WskBuf buffer, int flags, Ref<Integer> controlInfoLength, byte[] controlInfo,
                       Ref<Integer> controlFlags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }
}
