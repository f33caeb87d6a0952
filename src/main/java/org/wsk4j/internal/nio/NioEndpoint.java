package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/**
 * Common machinery of the NIO endpoints: lazy selector registration, interest applied on the selector
 * thread, readiness dispatch to the provider's handler, options and close.
 *
 * <p>The selection key is touched only on the selector thread. The provider's interest set is volatile and
 * applied by a task submitted to the selector thread; {@link TransportHandler} values equal the
 * {@link SelectionKey} OP_* values they stand for.
 */
abstract class NioEndpoint implements TransportEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(NioEndpoint.class);

    final NioTransport transport;
    final SelectableChannel channel;
    private volatile TransportHandler handler = new TransportHandler() { };
    private volatile int interest;
    /** Selector thread only: extra readiness the endpoint wants for itself (OP_CONNECT while connecting). */
    int internalOps;
    /** Selector thread only. */
    private SelectionKey key;
    volatile InetSocketAddress localAddress;

    NioEndpoint(NioTransport transport, SelectableChannel channel) {
        this.transport = transport;
        this.channel = channel;
    }

    NetworkChannel network() {
        return (NetworkChannel) channel;
    }

    @Override
    public NtStatus bind(InetSocketAddress address) {
        try {
            doBind(address);
            localAddress = (InetSocketAddress) network().getLocalAddress();
            return NtStatus.STATUS_SUCCESS;
        } catch (IOException | RuntimeException e) {
            return NioStatusMapper.map(e);
        }
    }

    void doBind(InetSocketAddress address) throws IOException {
        network().bind(address);
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public void setHandler(TransportHandler handler) {
        this.handler = handler;
    }

    @Override
    public void setInterest(int ops) {
        interest = ops;
        if (transport.inSelectorThread()) {
            applyInterest();
        } else {
            transport.submit(this::applyInterest);
        }
    }

    /** Selector thread: brings the key's interest set in line with the provider's and internal interest. */
    void applyInterest() {
        if (!channel.isOpen()) {
            return;
        }
        int ops = (interest | internalOps) & channel.validOps();
        try {
            if (key == null) {
                if (ops == 0) {
                    return;
                }
                key = channel.register(transport.selector(), ops, this);
            } else if (key.isValid() && key.interestOps() != ops) {
                key.interestOps(ops);
            }
        } catch (ClosedChannelException e) {
            LOG.debug("interest change on a closed channel ignored");
        }
    }

    /** Selector thread: the key is ready. */
    void onReady(SelectionKey readyKey) {
        if (!readyKey.isValid()) {
            return;
        }
        int ready = readyKey.readyOps();
        if ((ready & SelectionKey.OP_CONNECT) != 0) {
            onConnectable();
        }
        int wanted = interest;
        TransportHandler current = handler;
        if ((ready & SelectionKey.OP_ACCEPT) != 0 && (wanted & TransportHandler.ACCEPT) != 0) {
            current.onAcceptable();
        }
        if ((ready & SelectionKey.OP_READ) != 0 && (wanted & TransportHandler.READ) != 0) {
            current.onReadable();
        }
        if ((ready & SelectionKey.OP_WRITE) != 0 && (wanted & TransportHandler.WRITE) != 0 && channel.isOpen()) {
            current.onWritable();
        }
    }

    void onConnectable() {
    }

    @Override
    public <T> NtStatus setOption(SocketOption<T> option, T value) {
        try {
            network().setOption(option, value);
            return NtStatus.STATUS_SUCCESS;
        } catch (UnsupportedOperationException e) {
            return NtStatus.STATUS_NOT_SUPPORTED;
        } catch (IllegalArgumentException e) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        } catch (IOException | RuntimeException e) {
            return NioStatusMapper.map(e);
        }
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws TransportException {
        try {
            return network().getOption(option);
        } catch (UnsupportedOperationException e) {
            throw new TransportException(NtStatus.STATUS_NOT_SUPPORTED, e);
        } catch (IOException | RuntimeException e) {
            throw new TransportException(NioStatusMapper.map(e), e);
        }
    }

    @Override
    public void close(boolean abortive) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("channel close failed", e);
        }
        transport.wakeup(); // the selector deregisters the key, freeing the descriptor
    }

    static TransportException failure(Throwable e) {
        return new TransportException(NioStatusMapper.map(e), e);
    }
}
