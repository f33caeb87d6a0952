package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.CompletionThread;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/**
 * The java.nio transport: real sockets, with one selector thread that performs non-blocking connects.
 *
 * <p>Threading: the selector thread owns the selector and every registration; other threads hand it work
 * through a queue and wake it. Outcomes are reported to the provider from the selector thread (or from the
 * calling thread when an operation finishes at once); the provider moves completions to its executor.
 */
public final class NioTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(NioTransport.class);
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 23;

    private final String name;
    private final SelectorProvider provider = SelectorProvider.provider();
    /** How many submitted tasks the selector thread runs between two polls of readiness. */
    static final int TASKS_PER_ROUND = 64;

    private final Selector selector;
    private final Thread thread;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Consumer<SelectionKey> onReady = this::dispatch;
    private volatile boolean closed;
    /**
     * True while the selector thread is not blocked in select (or a wakeup is already pending): submitters then
     * need not call {@code selector.wakeup()}, a system call, again. Netty's NioEventLoop does the same.
     */
    private final java.util.concurrent.atomic.AtomicBoolean awake = new java.util.concurrent.atomic.AtomicBoolean(true);

    /**
     * Opens the selector and starts the selector thread.
     *
     * @param name a prefix for the thread name
     * @throws IllegalStateException when the selector cannot be opened
     */
    public NioTransport(String name) {
        this.name = name;
        try {
            this.selector = provider.openSelector();
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a selector", e);
        }
        thread = new CompletionThread(this::loop, name + "-nio-selector"); // a daemon; never a WSK caller context
        thread.start();
    }

    @Override
    public String name() {
        return "nio";
    }

    @Override
    public TransportConnection openConnection(int addressFamily) throws TransportException {
        SocketChannel channel = open(addressFamily, provider::openSocketChannel);
        return new NioConnection(this, channel);
    }

    @Override
    public TransportListener openListener(int addressFamily) throws TransportException {
        ServerSocketChannel channel = open(addressFamily, provider::openServerSocketChannel);
        return new NioListener(this, channel);
    }

    @Override
    public TransportDatagram openDatagram(int addressFamily) throws TransportException {
        DatagramChannel channel = open(addressFamily, provider::openDatagramChannel);
        return new NioDatagram(this, channel);
    }

    @FunctionalInterface
    private interface ChannelOpener<C extends java.nio.channels.SelectableChannel> {
        C open(StandardProtocolFamily family) throws IOException;
    }

    private <C extends java.nio.channels.SelectableChannel> C open(int addressFamily, ChannelOpener<C> opener)
            throws TransportException {
        if (closed) {
            throw new TransportException(NtStatus.STATUS_DEVICE_NOT_READY, null);
        }
        StandardProtocolFamily family;
        if (addressFamily == AF_INET) {
            family = StandardProtocolFamily.INET;
        } else if (addressFamily == AF_INET6) {
            family = StandardProtocolFamily.INET6;
        } else {
            throw new TransportException(NtStatus.STATUS_INVALID_PARAMETER, null);
        }
        try {
            C channel = opener.open(family);
            channel.configureBlocking(false);
            return channel;
        } catch (IOException | RuntimeException e) {
            NtStatus status = NioStatusMapper.map(e);
            throw new TransportException(status == NtStatus.STATUS_UNSUCCESSFUL
                    ? NtStatus.STATUS_INSUFFICIENT_RESOURCES : status, e);
        }
    }

    /** Runs a task on the selector thread. */
    void submit(Runnable task) {
        tasks.add(task);
        wakeup();
    }

    /**
     * Makes the selector thread go round once (so tasks run and closed channels are deregistered and their
     * descriptors freed); a no-op when it is awake already or a wakeup is pending.
     */
    void wakeup() {
        if (!inSelectorThread() && awake.compareAndSet(false, true)) {
            selector.wakeup();
        }
    }

    Selector selector() {
        return selector;
    }

    boolean inSelectorThread() {
        return Thread.currentThread() == thread;
    }

    private void loop() {
        DirectCompletionExecutor.adoptCurrentThread(); // direct completions run here, after each callback
        CompletionThread self = (CompletionThread) Thread.currentThread();
        while (!closed) {
            try {
                awake.set(false);
                self.beginBatch(); // a pass's completions go to a threaded executor as one batch: one wake-up
                // The action forms hand each ready key straight to onReady: no selected-key set to fill and empty.
                if (tasks.isEmpty()) {
                    selector.select(onReady); // a submit after awake.set(false) sees false and wakes it
                } else {
                    selector.selectNow(onReady);
                }
                awake.set(true);
                Runnable task;
                // A bounded batch: tasks submitted faster than they run must not keep readiness from being polled
                // (what is left runs after the next selectNow).
                for (int ran = 0; ran < TASKS_PER_ROUND && (task = tasks.poll()) != null; ran++) {
                    runSafely(task);
                    DirectCompletionExecutor.runQueued();
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.error("{} selector loop error; continuing", name, e);
                }
            } finally {
                self.endBatch();
            }
        }
        for (SelectionKey key : selector.keys()) {
            Object attachment = key.attachment();
            if (attachment instanceof NioEndpoint) {
                ((NioEndpoint) attachment).close(true);
                DirectCompletionExecutor.runQueued();
            }
        }
        DirectCompletionExecutor.runQueued();
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("selector close failed", e);
        }
    }

    /** Selector thread: one ready key (called from inside select). */
    private void dispatch(SelectionKey key) {
        Object attachment = key.attachment();
        if (attachment instanceof NioEndpoint) {
            try {
                ((NioEndpoint) attachment).onReady(key);
            } catch (RuntimeException e) {
                LOG.error("{} readiness handling failed; continuing", name, e);
            }
            DirectCompletionExecutor.runQueued(); // outside every socket lock
        }
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("{} selector task failed; continuing", name, e);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        selector.wakeup();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "NioTransport[" + name + (closed ? ", closed" : "") + "]";
    }
}
