package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.TransportConnection;

/** A TCP endpoint over a non-blocking {@link SocketChannel}. */
final class NioConnection implements TransportConnection {

    private static final Logger LOG = LoggerFactory.getLogger(NioConnection.class);

    private final NioTransport transport;
    private final SocketChannel channel;
    private final AtomicReference<ConnectCallback> pendingConnect = new AtomicReference<>();
    private volatile InetSocketAddress localAddress;
    private volatile InetSocketAddress remoteAddress;

    NioConnection(NioTransport transport, SocketChannel channel) {
        this.transport = transport;
        this.channel = channel;
    }

    @Override
    public NtStatus bind(InetSocketAddress address) {
        try {
            channel.bind(address);
            localAddress = (InetSocketAddress) channel.getLocalAddress();
            return NtStatus.STATUS_SUCCESS;
        } catch (IOException | RuntimeException e) {
            return NioStatusMapper.map(e);
        }
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remoteAddress;
    }

    @Override
    public void connect(InetSocketAddress address, ConnectCallback callback) {
        pendingConnect.set(callback);
        try {
            if (channel.connect(address)) {
                connected();
                return;
            }
            transport.submit(() -> {
                try {
                    channel.register(transport.selector(), SelectionKey.OP_CONNECT, this);
                } catch (ClosedChannelException e) {
                    fire(NtStatus.STATUS_CANCELLED, e);
                } catch (RuntimeException e) {
                    fire(NioStatusMapper.map(e), e);
                }
            });
        } catch (IOException | RuntimeException e) {
            fire(NioStatusMapper.map(e), e);
        }
    }

    /** Selector thread: the channel is ready to finish connecting. */
    void onReady(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        if (key.isConnectable()) {
            key.interestOps(0); // before finishConnect, or select() spins (netty#924)
            try {
                if (channel.finishConnect()) {
                    connected();
                }
            } catch (IOException | RuntimeException e) {
                fire(NioStatusMapper.map(e), e);
            }
        }
    }

    private void connected() {
        try {
            remoteAddress = (InetSocketAddress) channel.getRemoteAddress();
            localAddress = (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            fire(NioStatusMapper.map(e), e);
            return;
        }
        fire(NtStatus.STATUS_SUCCESS, null);
    }

    private void fire(NtStatus status, Throwable cause) {
        ConnectCallback callback = pendingConnect.getAndSet(null);
        if (callback != null) {
            LOG.debug("connect to {} finished: {}", remoteAddress, status);
            callback.connectCompleted(status, cause);
        }
    }

    @Override
    public void close(boolean abortive) {
        if (abortive && channel.isOpen()) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                LOG.debug("SO_LINGER 0 failed before abortive close", e);
            }
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("channel close failed", e);
        }
        fire(NtStatus.STATUS_CANCELLED, null);
        transport.wakeup();
    }

    @Override
    public String toString() {
        return "NioConnection[" + localAddress + " -> " + remoteAddress + "]";
    }
}
