package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;
import org.wsk4j.internal.GuardedBy;

/**
 * A stream socket ({@code WSK_FLAG_STREAM_SOCKET}, Windows 10 1703+): bound first, it becomes a connection on
 * its first WskConnect/WskConnectEx or a listener on WskListen, and keeps that role; calls of the other role
 * then fail with STATUS_INVALID_DEVICE_STATE.
 *
 * <p>It is a {@link ConnectionSocket} (the connection role is its own). The listener role is an internal
 * {@link ListenSocket} facet that shares this socket's serial queue, so closing the stream socket completes
 * the listener's pending accepts before the close. java.nio needs a different channel for listening: WskListen
 * releases the bound connection endpoint and binds a listening one to the same address.
 */
final class StreamSocket extends ConnectionSocket {

    enum Role { NONE, LISTENER, CONNECTION }

    private final WskClientStreamDispatch streamDispatch;
    @GuardedBy("lock")
    private Role role = Role.NONE;
    @GuardedBy("lock")
    private ListenSocket listener;

    StreamSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                 Object context, Object clientDispatch, TransportConnection connection) {
        super(provider, registration, family, type, protocol, Wsk.WSK_FLAG_STREAM_SOCKET, context,
                clientDispatch instanceof WskClientStreamDispatch ? ((WskClientStreamDispatch) clientDispatch).connect()
                        : null, connection);
        this.streamDispatch = clientDispatch instanceof WskClientStreamDispatch
                ? (WskClientStreamDispatch) clientDispatch : null;
    }

    Role role() {
        synchronized (lock) {
            return role;
        }
    }

    /** Commits to the connection role; false when the socket is already a listener. */
    private boolean commitToConnection() {
        synchronized (lock) {
            if (role == Role.LISTENER) {
                return false;
            }
            role = Role.CONNECTION;
            return true;
        }
    }

    @Override
    NtStatus connect(SockAddr remoteAddress, int flags, Irp irp) {
        if (connection == null || !commitToConnection()) {
            return fail(irp, connection == null ? NtStatus.STATUS_NOT_IMPLEMENTED
                    : NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return super.connect(remoteAddress, flags, irp);
    }

    @Override
    NtStatus connectEx(SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp) {
        if (connection == null || !commitToConnection()) {
            return fail(irp, connection == null ? NtStatus.STATUS_NOT_IMPLEMENTED
                    : NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return super.connectEx(remoteAddress, buffer, flags, irp);
    }

    /** WskListen: commits a bound stream socket to the listening role. */
    NtStatus listen(Irp irp) {
        if (connection == null) {
            return fail(irp, NtStatus.STATUS_NOT_IMPLEMENTED); // not a TCP socket
        }
        java.net.InetSocketAddress local;
        synchronized (lock) {
            local = connection.localAddress();
            if (role != Role.NONE || local == null || state() != State.OPEN) {
                local = null; // already committed, or never bound
            } else {
                role = Role.LISTENER;
            }
        }
        if (local == null) {
            return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        connection.close(true); // the port moves to a listening endpoint
        TransportListener endpoint;
        try {
            endpoint = provider.subsystem.transport().openListener(family);
        } catch (TransportException e) {
            return fail(irp, e.status());
        }
        ListenSocket facet = new ListenSocket(provider, registration, family, type, protocol,
                Wsk.WSK_FLAG_LISTEN_SOCKET, context, streamDispatch == null ? null : streamDispatch.listen(), endpoint);
        facet.attachTo(this);
        NtStatus status = facet.bindNow(SockAddr.of(local));
        if (status != NtStatus.STATUS_SUCCESS) {
            endpoint.close(true);
            return fail(irp, status);
        }
        int events;
        synchronized (lock) {
            listener = facet;
            events = eventMask() & SocketRules.eventsValidFor(Wsk.WSK_FLAG_LISTEN_SOCKET, type);
        }
        if (events != 0) {
            facet.enableEventsDirectly(events);
        }
        return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
    }

    private ListenSocket listener() {
        synchronized (lock) {
            return listener;
        }
    }

    NtStatus accept(int flags, Object acceptSocketContext, WskClientConnectionDispatch acceptSocketDispatch,
                    SockAddr localAddress, SockAddr remoteAddress, Irp irp) {
        ListenSocket facet = listener();
        if (facet == null) {
            return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return facet.accept(flags, acceptSocketContext, acceptSocketDispatch, localAddress, remoteAddress, irp);
    }

    @Override
    NtStatus getLocalAddress(SockAddr localAddress, Irp irp) {
        ListenSocket facet = listener();
        return facet != null ? facet.getLocalAddress(localAddress, irp) : super.getLocalAddress(localAddress, irp);
    }

    @Override
    boolean eventsAllowedNow() {
        ListenSocket facet = listener();
        return facet != null ? facet.eventsAllowedNow() : super.eventsAllowedNow();
    }

    @Override
    void onEventsEnabled(int enabled) {
        ListenSocket facet = listener();
        if (facet != null) {
            facet.enableEventsDirectly(enabled & SocketRules.eventsValidFor(Wsk.WSK_FLAG_LISTEN_SOCKET, type));
        } else {
            super.onEventsEnabled(enabled);
        }
    }

    @Override
    void closeEndpoint() {
        ListenSocket facet = listener();
        if (facet != null) {
            facet.closeAsFacet();
        }
        super.closeEndpoint();
    }
}
