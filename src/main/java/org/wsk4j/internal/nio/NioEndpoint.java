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
 * <p>The selection key is touched only on the selector thread. The provider's interest set is volatile; an
 * interest the key lacks is added by a task submitted to the selector thread (or at once on it), an interest
 * no longer wanted is removed lazily, when its readiness next fires; {@link TransportHandler} values equal the
 * {@link SelectionKey} OP_* values they stand for.
 */
abstract class NioEndpoint implements TransportEndpoint, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(NioEndpoint.class);

    final NioTransport transport;
    final SelectableChannel channel;
    private static final TransportHandler NO_HANDLER = new TransportHandler() { };

    private volatile TransportHandler handler = NO_HANDLER;
    private volatile int interest;
    /** Selector thread only: extra readiness the endpoint wants for itself (OP_CONNECT while connecting). */
    int internalOps;
    /** Selector thread only. */
    private SelectionKey key;
    /** The interest set the key carries (written by the selector thread only; a superset of what is wanted). */
    private volatile int keyOps;
    /** Set (on the selector thread) before the channel is first registered: close must then wake the selector. */
    private volatile boolean registered;
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
        // Removal is lazy: a key that still carries an interest no longer wanted costs at most one spurious
        // readiness, after which onReady drops it. So only an interest the key lacks needs the selector thread,
        // and a receive that re-arms READ right after it was dropped (the echo pattern) costs no wakeup at all.
        // Paired with applyInterest's re-check: this thread writes interest, then reads keyOps; the selector
        // thread writes keyOps, then re-reads interest; so one of them sees the other's change.
        if ((ops & channel.validOps() & ~keyOps) == 0) {
            return;
        }
        if (transport.inSelectorThread()) {
            applyInterest();
        } else {
            transport.submit(this); // run(): applyInterest on the selector thread
        }
    }

    /** Selector thread (a task submitted by {@link #setInterest}): applies the interest. */
    @Override
    public void run() {
        applyInterest();
    }

    /** Selector thread: brings the key's interest set in line with the provider's and internal interest. */
    void applyInterest() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            while (true) {
                int ops = (interest | internalOps) & channel.validOps();
                if (key == null) {
                    if (ops == 0) {
                        return;
                    }
                    registered = true; // before register: close() then knows the selector must deregister it
                    key = channel.register(transport.selector(), ops, this);
                    keyOps = ops;
                    if (!channel.isOpen()) {
                        key.cancel(); // closed while registering: the next select frees the descriptor
                        return;
                    }
                } else if (!key.isValid()) {
                    return;
                } else if (keyOps != ops) {
                    key.interestOps(ops);
                    keyOps = ops;
                }
                if (((interest | internalOps) & channel.validOps()) == ops) {
                    return;
                }
            }
        } catch (ClosedChannelException | java.nio.channels.CancelledKeyException e) {
            LOG.debug("interest change on a closed channel ignored");
        }
    }

    /** Selector thread: the key is ready. */
    void onReady(SelectionKey readyKey) {
        int ready;
        try {
            ready = readyKey.readyOps();
        } catch (java.nio.channels.CancelledKeyException e) {
            return; // the channel was closed since the select: nothing is ready any more (not an error)
        }
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
        if ((ready & ~(wanted | internalOps) & ~SelectionKey.OP_CONNECT) != 0 && readyKey.isValid()) {
            applyInterest(); // readiness for an interest dropped lazily (see setInterest): remove it now
        }
    }

    void onConnectable() {
    }

    /**
     * Selector thread: reports {@code ready} readiness (the part the provider wants) without a selection key, for an
     * endpoint whose channel is gone but has an error to report (see {@link TransportHandler#READ}).
     *
     * @param ready the readiness to report
     */
    void dispatchReady(int ready) {
        int wanted = interest & ready;
        TransportHandler current = handler;
        if ((wanted & TransportHandler.READ) != 0) {
            current.onReadable();
        }
        if ((wanted & TransportHandler.WRITE) != 0) {
            current.onWritable();
        }
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
        if (registered) {
            transport.wakeup(); // the selector deregisters the key, freeing the descriptor
        } // never registered: channel.close() released the descriptor already
    }

    static TransportException failure(Throwable e) {
        return new TransportException(NioStatusMapper.map(e), e);
    }
}
