package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/** A TCP endpoint over a non-blocking {@link SocketChannel}. */
final class NioConnection extends NioEndpoint implements TransportConnection {

    private static final Logger LOG = LoggerFactory.getLogger(NioConnection.class);

    private final SocketChannel socket;
    private static final VarHandle PENDING_CONNECT;

    static {
        try {
            PENDING_CONNECT = MethodHandles.lookup().findVarHandle(NioConnection.class, "pendingConnect",
                    ConnectCallback.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The connect's callback until it is reported (taken once, atomically); a field, not an AtomicReference: 16
     * bytes less per connection. */
    @SuppressWarnings("unused") // through PENDING_CONNECT
    private volatile ConnectCallback pendingConnect;
    /** The destination of the connect; written before the selector thread may read it (submit publishes it). */
    private volatile InetSocketAddress connectTarget;
    private volatile InetSocketAddress remoteAddress;
    /**
     * The reset that ended the connection between the handshake and the connect's report, or null. Linux reports a
     * reset that arrives after the SYN-ACK but before {@code finishConnect} as the connect's failure (ECONNRESET);
     * Windows completes the connect with STATUS_SUCCESS and the next send or receive reports the reset. This
     * endpoint does as Windows: the connect succeeds, and reads, writes and readiness report the reset.
     */
    private volatile TransportException resetAfterHandshake;

    NioConnection(NioTransport transport, SocketChannel channel) {
        super(transport, channel);
        this.socket = channel;
    }

    /** An accepted, already connected channel. */
    static NioConnection accepted(NioTransport transport, SocketChannel channel) throws IOException {
        channel.configureBlocking(false);
        NioConnection connection = new NioConnection(transport, channel);
        connection.localAddress = (InetSocketAddress) channel.getLocalAddress();
        connection.remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
        return connection;
    }

    /**
     * A wildcard bind with port 0 is left to the connect (java.nio binds an unbound channel there, and Linux then
     * picks the port per destination: no random port meeting the peer's TIME_WAIT entry for the same four-tuple).
     */
    @Override
    public NtStatus bindForConnect(InetSocketAddress address) {
        if (address.getPort() == 0 && address.getAddress().isAnyLocalAddress()) {
            return NtStatus.STATUS_SUCCESS;
        }
        return bind(address);
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public void connect(InetSocketAddress address, ConnectCallback callback) {
        pendingConnect = callback;
        connectTarget = address;
        try {
            // On loopback (and whenever the handshake is done by the time connect returns, which Linux does for
            // local destinations) finishConnect succeeds at once: no selector registration, wakeup or hand-off.
            if (socket.connect(address) || socket.finishConnect()) {
                connected();
                return;
            }
            transport.submit(() -> {
                internalOps |= SelectionKey.OP_CONNECT;
                applyInterest();
                if (!socket.isOpen()) {
                    fire(NtStatus.STATUS_CANCELLED, null);
                }
            });
        } catch (IOException | RuntimeException e) {
            connectFailed(e);
        }
    }

    @Override
    void onConnectable() {
        internalOps &= ~SelectionKey.OP_CONNECT;
        applyInterest(); // remove OP_CONNECT before finishConnect, or select() spins (netty#924)
        try {
            if (socket.finishConnect()) {
                connected();
            }
        } catch (IOException | RuntimeException e) {
            connectFailed(e);
        }
    }

    /**
     * The connect failed with {@code e}. A reset (ECONNRESET, only possible once the handshake completed: a SYN
     * answered with a RST is ECONNREFUSED) is reported as Windows does: the connect succeeds, and the reset is
     * reported by the next operation ({@link #resetAfterHandshake}). Package-private for a test: on loopback the
     * handshake completes inside connect(2), so the peer's reset can never beat finishConnect there.
     *
     * @param e the channel's exception
     */
    void connectFailed(Exception e) {
        NtStatus status = NioStatusMapper.mapConnect(e, connectTarget);
        if (status != NtStatus.STATUS_CONNECTION_RESET) {
            fire(status, e);
            return;
        }
        resetAfterHandshake = new TransportException(status, e);
        remoteAddress = connectTarget;
        LOG.debug("connect to {}: the peer reset the connection right after the handshake", connectTarget);
        fire(NtStatus.STATUS_SUCCESS, null);
    }

    /** Throws the reset that followed the handshake, if any. */
    private void checkReset() throws TransportException {
        TransportException reset = resetAfterHandshake;
        if (reset != null) {
            throw new TransportException(reset.status(), reset.getCause());
        }
    }

    /** With a reset after the handshake the channel is gone: readiness (the error to report) comes from here. */
    @Override
    public void setInterest(int ops) {
        super.setInterest(ops);
        if (resetAfterHandshake != null && (ops & (TransportHandler.READ | TransportHandler.WRITE)) != 0) {
            transport.submit(() -> dispatchReady(TransportHandler.READ | TransportHandler.WRITE));
        }
    }

    private void connected() {
        try {
            remoteAddress = (InetSocketAddress) socket.getRemoteAddress();
            localAddress = (InetSocketAddress) socket.getLocalAddress();
        } catch (IOException e) {
            fire(NioStatusMapper.map(e), e);
            return;
        }
        fire(NtStatus.STATUS_SUCCESS, null);
    }

    private void fire(NtStatus status, Throwable cause) {
        ConnectCallback callback = (ConnectCallback) PENDING_CONNECT.getAndSet(this, null);
        if (callback != null) {
            LOG.debug("connect to {} finished: {}", remoteAddress, status);
            callback.connectCompleted(status, cause);
        }
    }

    /** True on the selector thread, which selects (a non-blocking epoll_wait when data is there) after each callback. */
    @Override
    public boolean readinessPolledNext() {
        return transport.onSelectorThread();
    }

    @Override
    public long read(ByteBuffer[] destinations) throws TransportException {
        checkReset();
        try {
            // One buffer (the common single-MDL WSK_BUF): read(2) without the JDK's per-thread iovec wrapper.
            long n = destinations.length == 1 ? socket.read(destinations[0]) : socket.read(destinations);
            transport.moved(n);
            return n;
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    @Override
    public long write(ByteBuffer[] sources) throws TransportException {
        checkReset();
        try {
            long n = sources.length == 1 ? socket.write(sources[0]) : socket.write(sources);
            transport.moved(n);
            return n;
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    @Override
    public void shutdownOutput() throws TransportException {
        checkReset();
        try {
            socket.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    @Override
    public void close(boolean abortive) {
        if (abortive && socket.isOpen()) {
            try {
                socket.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                LOG.debug("SO_LINGER 0 failed before abortive close", e);
            }
        }
        super.close(abortive);
        fire(NtStatus.STATUS_CANCELLED, null);
    }

    @Override
    public String toString() {
        return "NioConnection[" + localAddress + " -> " + remoteAddress + "]";
    }
}
