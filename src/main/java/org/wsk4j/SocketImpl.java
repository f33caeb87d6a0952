package org.wsk4j;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifiedObject;
import org.wsk4j.spi.TransportConnection;

/**
 * The provider's socket object. State is guarded by {@code this}; IRP completions run on the executor
 * and are counted, so the close IRP completes only after every other completion of the socket returned.
 */
final class SocketImpl extends WskSocket implements VerifiedObject {

    private static final Logger LOG = LoggerFactory.getLogger(SocketImpl.class);
    private static final AtomicLong IDS = new AtomicLong();

    enum State { OPEN, BOUND, CONNECTING, CONNECTED, FAILED, CLOSING, CLOSED }

    final WskProvider provider;
    final WskRegistration registration;
    final long id = IDS.incrementAndGet();
    final int family;
    final int type;
    final int protocol;
    final int category;
    final Object context;
    final Object clientDispatch;
    private final WskProviderBasicDispatch dispatch;
    private final TransportConnection connection;
    private final Throwable allocationSite;

    // guarded by this
    private State state = State.OPEN;
    private final Set<PendingOp> pending = new LinkedHashSet<>();
    private int outstanding;
    private Irp closeIrp;
    private volatile boolean closeCalled;

    SocketImpl(WskProvider provider, WskRegistration registration, int family, int type, int protocol, int category,
               Object context, Object clientDispatch, TransportConnection connection) {
        this.provider = provider;
        this.registration = registration;
        this.family = family;
        this.type = type;
        this.protocol = protocol;
        this.category = category;
        this.context = context;
        this.clientDispatch = clientDispatch;
        this.connection = connection;
        this.dispatch = provider.tables.forCategory(category);
        this.allocationSite = provider.subsystem.ioManager().verifier().captureSite("socket#" + id + " created");
    }

    @Override
    public WskProviderBasicDispatch dispatch() {
        return dispatch;
    }

    boolean isCloseCalled() {
        return closeCalled;
    }

    synchronized State state() {
        return state;
    }

    @Override
    public Throwable allocationSite() {
        return allocationSite;
    }

    @Override
    public Throwable handoverSite() {
        return null;
    }

    // ---- validation ----------------------------------------------------------------------------------

    /** Checks WskSocket arguments; null when valid, else the status to complete the IRP with. */
    static NtStatus validateCreate(int family, int type, int protocol, int category, Object dispatch) {
        if (category != Wsk.WSK_FLAG_BASIC_SOCKET && category != Wsk.WSK_FLAG_LISTEN_SOCKET
                && category != Wsk.WSK_FLAG_CONNECTION_SOCKET && category != Wsk.WSK_FLAG_DATAGRAM_SOCKET
                && category != Wsk.WSK_FLAG_STREAM_SOCKET) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (family != Wsk.AF_INET && family != Wsk.AF_INET6) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (type == Wsk.SOCK_RAW) {
            return NtStatus.STATUS_NOT_SUPPORTED; // raw sockets need privileges Java does not have
        }
        boolean tcp = type == Wsk.SOCK_STREAM && protocol == Wsk.IPPROTO_TCP;
        boolean udp = type == Wsk.SOCK_DGRAM && protocol == Wsk.IPPROTO_UDP;
        if (!tcp && !udp) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        boolean dispatchOk;
        switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET:
                dispatchOk = dispatch == null || dispatch instanceof WskClientListenDispatch;
                break;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET:
                dispatchOk = dispatch == null || dispatch instanceof WskClientConnectionDispatch;
                break;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET:
                dispatchOk = dispatch == null || dispatch instanceof WskClientDatagramDispatch;
                break;
            case Wsk.WSK_FLAG_STREAM_SOCKET:
                dispatchOk = dispatch == null || dispatch instanceof WskClientStreamDispatch;
                break;
            default:
                dispatchOk = dispatch == null;
        }
        return dispatchOk ? null : NtStatus.STATUS_INVALID_PARAMETER;
    }

    /** Checks a destination; null when valid. A wildcard or port 0 destination is not an address to connect to. */
    static NtStatus validateRemote(int family, SockAddr remote) {
        if (remote == null || remote.family() != family) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (remote.isWildcard() || remote.port() == 0) {
            return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
        }
        return null;
    }

    /** A socket whose type does not fit its category (for example UDP with WSK_FLAG_LISTEN_SOCKET). */
    private boolean typeMismatch() {
        return connection == null;
    }

    // ---- WskBind -------------------------------------------------------------------------------------

    NtStatus bind(SockAddr localAddress, int flags, Irp irp) {
        if (typeMismatch()) {
            return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED); // observed on Windows for UDP + LISTEN
        }
        if (flags != 0 || localAddress == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus status = bindNow(localAddress);
        return status == NtStatus.STATUS_SUCCESS ? provider.completeLater(irp, status, null)
                : provider.failNow(irp, status);
    }

    NtStatus bindNow(SockAddr localAddress) {
        if (localAddress.family() != family) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        synchronized (this) {
            if (state != State.OPEN) {
                return NtStatus.STATUS_INVALID_DEVICE_STATE;
            }
            NtStatus status = connection.bind(localAddress.toInetSocketAddress());
            if (status == NtStatus.STATUS_SUCCESS) {
                state = State.BOUND;
            }
            LOG.debug("{} bind {}: {}", this, localAddress, status);
            return status;
        }
    }

    // ---- WskConnect ----------------------------------------------------------------------------------

    NtStatus connect(SockAddr remoteAddress, int flags, Irp irp) {
        if (typeMismatch()) {
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
        PendingOp op = new PendingOp(irp, handOut ? "WskSocketConnect" : "WskConnect");
        NtStatus refused = null;
        synchronized (this) {
            if (state == State.CONNECTED) {
                refused = NtStatus.STATUS_CONNECTION_ACTIVE;
            } else if (state != State.BOUND) {
                refused = NtStatus.STATUS_INVALID_DEVICE_STATE; // never bound, already connecting, or failed
            } else {
                state = State.CONNECTING;
                pending.add(op);
                outstanding++;
                Io.markIrpPending(irp);
            }
        }
        if (refused != null) {
            return provider.failNow(irp, refused); // outside the lock: the routine may run inline
        }
        Io.setCancelRoutine(irp, (device, cancelled) -> abortConnect(op, NtStatus.STATUS_CANCELLED, handOut));
        if (irp.cancel() && Io.setCancelRoutine(irp, null) != null) {
            abortConnect(op, NtStatus.STATUS_CANCELLED, handOut);
            return NtStatus.STATUS_PENDING;
        }
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
        finish(op, NtStatus.STATUS_SUCCESS, handOut ? this : null);
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
            destroyBeforeCompletion();
        }
        finish(op, status, null);
    }

    // ---- addresses -----------------------------------------------------------------------------------

    NtStatus getLocalAddress(SockAddr localAddress, Irp irp) {
        if (localAddress == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        InetSocketAddress local = connection == null ? null : connection.localAddress();
        if (local == null || state() == State.OPEN) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return fillAddress(localAddress, local, irp);
    }

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

    private NtStatus fillAddress(SockAddr target, InetSocketAddress address, Irp irp) {
        if (!target.fill(address)) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER); // buffer cannot hold the family
        }
        return provider.completeLater(irp, NtStatus.STATUS_SUCCESS, null);
    }

    // ---- completion and close ------------------------------------------------------------------------

    /** Completes a pending operation exactly once, on the executor, counting it until its routine returned. */
    private void finish(PendingOp op, NtStatus status, Object informationObject) {
        if (!op.tryFinish()) {
            return;
        }
        Irp irp = op.irp;
        Io.setCancelRoutine(irp, null);
        synchronized (this) {
            pending.remove(op);
        }
        irp.ioStatus().setStatus(status);
        if (informationObject != null) {
            irp.ioStatus().setInformationObject(informationObject);
        } else {
            irp.ioStatus().setInformation(0);
        }
        LOG.debug("{} {} completes: {}", this, op, status);
        provider.subsystem.executor().execute(() -> {
            try {
                Io.completeRequest(irp);
            } finally {
                completionReturned();
            }
        });
    }

    private void completionReturned() {
        Irp toComplete = null;
        synchronized (this) {
            outstanding--;
            if (outstanding == 0 && closeIrp != null) {
                toComplete = closeIrp;
                closeIrp = null;
            }
        }
        if (toComplete != null) {
            completeClose(toComplete);
        }
    }

    NtStatus close(Irp irp) {
        List<PendingOp> toCancel;
        boolean completeNow;
        Io.markIrpPending(irp);
        synchronized (this) {
            closeCalled = true;
            state = State.CLOSING;
            toCancel = new ArrayList<>(pending);
            closeIrp = irp;
            outstanding++; // held until the cancellations below are queued
        }
        for (PendingOp op : toCancel) {
            finish(op, NtStatus.STATUS_CANCELLED, null);
        }
        if (connection != null) {
            connection.close(true); // abortive: the connection was never disconnected gracefully
        }
        synchronized (this) {
            outstanding--;
            completeNow = outstanding == 0 && closeIrp != null;
            if (completeNow) {
                closeIrp = null;
            }
        }
        if (completeNow) {
            provider.subsystem.executor().execute(() -> completeClose(irp));
        }
        return NtStatus.STATUS_PENDING;
    }

    private void completeClose(Irp irp) {
        synchronized (this) {
            state = State.CLOSED;
        }
        registration.socketClosed();
        irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS).setInformation(0);
        LOG.debug("{} closed", this);
        Io.completeRequest(irp);
    }

    /** Frees a socket that was never handed out (WskSocketConnect failure paths). */
    void destroy() {
        synchronized (this) {
            closeCalled = true;
            state = State.CLOSED;
        }
        if (connection != null) {
            connection.close(true);
        }
        registration.socketClosed();
    }

    private void destroyBeforeCompletion() {
        synchronized (this) {
            closeCalled = true;
            state = State.CLOSED;
        }
        registration.socketClosed();
    }

    @Override
    public String toString() {
        String kind;
        switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET: kind = "listen"; break;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET: kind = "connection"; break;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET: kind = "datagram"; break;
            case Wsk.WSK_FLAG_STREAM_SOCKET: kind = "stream"; break;
            default: kind = "basic";
        }
        return "socket#" + id + "[" + kind + (family == Wsk.AF_INET6 ? ", AF_INET6" : ", AF_INET") + "]";
    }
}
