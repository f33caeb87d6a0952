package org.wsk4j;

import java.net.InetSocketAddress;
import org.wsk4j.internal.GuardedBy;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/**
 * The role of a stream socket ({@code WSK_FLAG_STREAM_SOCKET}, Windows 10 1703+) that has not committed yet: it can be
 * bound, and its first WskConnect/WskConnectEx replaces this role with a {@link ConnectionSocket} on the same endpoint
 * ({@link #commitToConnection}), or WskListen with a {@link ListenSocket} ({@link #listen}). The socket keeps the role
 * it committed to; functions of the other role then fail with STATUS_INVALID_DEVICE_STATE (see
 * {@link SocketImpl#target}).
 *
 * <p>java.nio needs a different channel for listening: WskListen releases the bound connection endpoint and binds a
 * listening one to the same address.
 */
final class StreamSocket extends SocketRole {

    /** The endpoint, bound by WskBind; null when the socket's type is not SOCK_STREAM. */
    private final TransportConnection connection;
    /** WskListen started: no connect may commit any more (also when opening the listener then failed). */
    @GuardedBy("socket.lock")
    private boolean listening;

    StreamSocket(SocketImpl socket, TransportConnection connection) {
        super(socket);
        this.connection = connection;
    }

    @Override
    TransportEndpoint endpoint() {
        return connection;
    }

    @Override
    void closeEndpoint() {
        if (connection != null) {
            connection.close(true);
        }
    }

    /**
     * Commits the socket to the connection role (WskConnect, WskConnectEx), once: the role that connects, or null when
     * WskListen came first.
     */
    ConnectionSocket commitToConnection() {
        synchronized (socket.lock) {
            if (socket.role() != this) {
                return socket.role() instanceof ConnectionSocket committed ? committed : null;
            }
            if (listening) {
                return null;
            }
            ConnectionSocket role = new ConnectionSocket(socket, connection);
            socket.commit(this, role);
            return role;
        }
    }

    /** WskListen: commits a bound stream socket to the listening role. */
    NtStatus listen(Irp irp) {
        if (connection == null) {
            return fail(irp, NtStatus.STATUS_NOT_IMPLEMENTED); // not a TCP socket
        }
        InetSocketAddress local;
        synchronized (socket.lock) {
            local = listening || socket.role() != this ? null : connection.localAddress();
            listening |= local != null; // never bound: not committed
        }
        if (local == null) {
            return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE); // already committed, or never bound
        }
        connection.close(true); // the port moves to a listening endpoint
        TransportListener endpoint;
        try {
            endpoint = socket.provider.subsystem.transport().openListener(socket.family);
        } catch (TransportException e) {
            return fail(irp, e.status());
        }
        ListenSocket role = new ListenSocket(socket, endpoint);
        int events;
        synchronized (socket.lock) {
            socket.commit(this, role);
            events = socket.eventMask() & SocketRules.eventsValidFor(Wsk.WSK_FLAG_LISTEN_SOCKET, socket.type);
        }
        NtStatus status = socket.bindNow(SockAddr.of(local));
        if (status != NtStatus.STATUS_SUCCESS) {
            endpoint.close(true);
            return fail(irp, status);
        }
        if (events != 0) {
            role.onEventsEnabled(events); // events enabled before WskListen apply to the listener
        }
        return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
    }
}
