package org.wsk4j;

import java.net.InetSocketAddress;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;

/**
 * What a socket does in its role: the functions of its category and the transport endpoint behind them. A
 * {@link SocketImpl} holds one role ({@link SocketImpl#role()}): basic, connection, listen or datagram for good, or,
 * for a stream socket, first {@link StreamSocket} (not committed yet), then, once, connection or listen.
 *
 * <p>The role keeps its own state under its socket's lock ({@code socket.lock}) and uses the socket for what every
 * category shares: pending operations and completion, the serial queue, events, options. The hooks below have the
 * defaults of a socket without an endpoint.
 */
abstract sealed class SocketRole
        permits BasicSocket, ConnectionReceivePath, ListenerIntake, DatagramReceivePath, StreamSocket {

    /** The socket this role belongs to (its provider, family, type, lock...): the role copies none of it. */
    final SocketImpl socket;

    SocketRole(SocketImpl socket) {
        this.socket = socket;
    }

    // ---- hooks the socket calls ------------------------------------------------------------------

    /** The transport endpoint, or null (basic sockets, sockets whose type does not fit the category). */
    abstract TransportEndpoint endpoint();

    /** Releases the transport endpoint at close (abortively for a connection not fully disconnected). */
    abstract void closeEndpoint();

    /** Whether events may be enabled now: after bind (listen, datagram) or after connect (connection). */
    boolean eventsAllowedNow() {
        return false;
    }

    /** Called (outside the lock) after events were enabled, so the role can indicate what is waiting. */
    void onEventsEnabled(int enabled) {
    }

    /** WskControlSocket's WskIoctl; roles add their IOCTLs and leave the rest to {@link SocketImpl#commonIoctl}. */
    NtStatus ioctl(int controlCode, long inputSize, Object inputBuffer, long outputSize, Object outputBuffer,
                   Ref<Long> outputSizeReturned, Irp irp) {
        return socket.commonIoctl(controlCode, outputSize, outputBuffer, outputSizeReturned, irp);
    }

    /** Sets an option; roles check their own first. */
    NtStatus setOption(int level, int code, int value) {
        return socket.options().set(level, code, value);
    }

    /** Whether the socket is in a state that allows bind. Called with the socket's lock held. */
    boolean canBind() {
        return true;
    }

    /**
     * Binds the transport endpoint; a connection may leave a bind to the connect that follows. Called with the socket's
     * lock held.
     */
    NtStatus bindEndpoint(InetSocketAddress address, boolean thenConnect) {
        return endpoint().bind(address);
    }

    /** Called after a successful bind, with the socket's lock held. */
    void onBound() {
    }

    /** The number of indication lists its callbacks retained and the client has not released. */
    int retainedIndications() {
        return 0;
    }

    // ---- what the role uses of its socket ----------------------------------------------------------

    Object context() {
        return socket.context;
    }

    /** Completes an accepted IRP with a failure, as the function reports failures (see {@link SocketImpl#fail}). */
    NtStatus fail(Irp irp, NtStatus status) {
        return socket.fail(irp, status);
    }

    /** Completes an accepted IRP through the serial queue and returns STATUS_PENDING. */
    NtStatus completeSoon(Irp irp, NtStatus status, long information, Object informationObject) {
        return socket.completeSoon(irp, status, information, informationObject);
    }

    boolean finish(PendingOp op, NtStatus status) {
        return socket.finish(op, status, 0, null);
    }

    boolean finish(PendingOp op, NtStatus status, long information, Object informationObject) {
        return socket.finish(op, status, information, informationObject);
    }

    void post(Runnable task) {
        socket.post(task);
    }

    void deliver(int event, Runnable callback) {
        socket.events.deliver(event, callback, null);
    }

    void deliver(int event, Runnable callback, Runnable onSkipped) {
        socket.events.deliver(event, callback, onSkipped);
    }

    boolean isEventEnabled(int event) {
        return socket.events.isEnabled(event);
    }

    boolean isCloseCalled() {
        return socket.isCloseCalled();
    }

    /** An option's stored value (set before bind, or without a transport equivalent), else {@code otherwise}. */
    int storedOption(int level, int code, int otherwise) {
        return socket.options().stored(level, code, otherwise);
    }

    NtStatus controlDone(Irp irp, NtStatus status, long information) {
        return socket.controlDone(irp, status, information);
    }

    @Override
    public String toString() {
        return socket.toString();
    }
}
