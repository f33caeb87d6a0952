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
import org.wsk4j.internal.GuardedBy;
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
 *
 * <p>Each round of the selector thread alternates two phases. In the <em>loop phase</em> it selects, handles readiness
 * and runs submitted tasks: only then does it touch the selection keys and the other state confined to it
 * ({@link #inSelectorThread()}). In the <em>completion phase</em> it runs the direct executor's completions that
 * the loop phase produced (user code: routines and callbacks); a routine's WSK call that needs the selector then
 * submits a task, which runs in the next loop phase of the same round. A select pass's readiness is handled key by
 * key outside select, and its completions run after the pass's last key, or before the next key once the keys
 * handled moved {@value #PASS_BYTES_BEFORE_COMPLETIONS} bytes ({@link #handleReady}). So when a routine holds the
 * thread longer than the verifier's transport hold limit, the callback watchdog can hand the selector to a new thread
 * at once ({@link #moveEventLoop}): the old thread is then in user code, never in the middle of confined work, and it
 * ends when the routine returns, after running the completions it had queued behind it, without touching the keys of
 * its pass it had not reached.
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
    /** The selector thread now; replaced only by {@link #moveEventLoop} (under {@code moveLock}). */
    private volatile CompletionThread owner;
    /** Guards moving the event loop against itself and against close. */
    private final Object moveLock = new Object();
    /** How many selector threads were started (names the next one). Guarded by {@code moveLock}. */
    @GuardedBy("moveLock")
    private int threadsStarted;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /**
     * Bytes a readiness pass may move (read or write, in its loop phase) before the completions it produced run,
     * ahead of the pass's next ready keys: see {@link #handleReady}. Measured (docs/performance.md, session 13):
     * 16 x 64 KiB echo 0.98x raw NIO against 0.92x with completions after the whole pass.
     */
    static final int PASS_BYTES_BEFORE_COMPLETIONS = 32 * 1024;
    /**
     * Bytes the pass's keys moved since its completions last ran. Written only by the owning selector thread in its
     * loop phase (never after a routine it ran lost it the loop: a move happens only while it runs a routine, and it
     * resets the count before it runs them).
     */
    private long movedSinceCompletions;
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
        CompletionThread first = new CompletionThread(this::loop, name + "-nio-selector"); // a daemon; never a WSK
        owner = first;                                                                   // caller context
        first.start();
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

    /**
     * True on the selector thread in its loop phase, where it may touch the selection keys; false while it runs
     * completions (user code) and on every other thread, which then submit what needs the selector.
     */
    boolean inSelectorThread() {
        Thread current = Thread.currentThread();
        return current == owner && !((CompletionThread) current).runningCompletions;
    }

    /**
     * True on the selector thread in either phase: it polls readiness before it blocks again, so a receive queued
     * there can wait for readiness instead of reading speculatively.
     */
    boolean onSelectorThread() {
        return Thread.currentThread() == owner;
    }

    private void loop() {
        CompletionThread self = (CompletionThread) Thread.currentThread();
        // Direct completions run here, in the completion phase of each round; a routine holding the thread too long
        // makes the watchdog move the loop to a new thread.
        DirectCompletionExecutor.adoptCurrentThread(() -> moveEventLoop(self));
        ReadyKeys ready = new ReadyKeys(); // this thread's; a new selector thread has its own
        while (!closed && owner == self) {
            try {
                awake.set(false);
                self.beginBatch(); // a pass's completions go to a threaded executor as one batch: one wake-up
                // The action forms hand each ready key to the collector: no selected-key set to fill and empty.
                if (tasks.isEmpty()) {
                    selector.select(ready); // a submit after awake.set(false) sees false and wakes it
                } else {
                    selector.selectNow(ready);
                }
                awake.set(true);
                handleReady(self, ready);
                runCompletions(self);
                Runnable task;
                // A bounded batch: tasks submitted faster than they run must not keep readiness from being polled
                // (what is left runs after the next selectNow).
                for (int ran = 0; ran < TASKS_PER_ROUND && owner == self && (task = tasks.poll()) != null; ran++) {
                    runSafely(task);
                    runCompletions(self);
                }
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    LOG.error("{} selector loop error; continuing", name, e);
                }
            } finally {
                self.endBatch();
            }
        }
        if (owner != self) {
            LOG.debug("{} ended: the event loop moved to {}", self.getName(), owner.getName());
            return; // moved: the new selector thread owns the selector and closes it
        }
        for (SelectionKey key : selector.keys()) {
            Object attachment = key.attachment();
            if (attachment instanceof NioEndpoint) {
                ((NioEndpoint) attachment).close(true);
                runCompletions(self);
            }
        }
        runCompletions(self);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.debug("selector close failed", e);
        }
    }

    /**
     * The completion phase: runs the direct completions queued on this thread (held no lock; outside select, so the
     * selector is free for a new thread if a routine holds this one too long).
     */
    private static void runCompletions(CompletionThread self) {
        self.runningCompletions = true;
        try {
            DirectCompletionExecutor.runQueued();
        } finally {
            self.runningCompletions = false;
        }
    }

    /**
     * Callback watchdog thread: a routine has held {@code stuck}, the selector thread, longer than the transport hold
     * limit. Starts a new selector thread that takes over the selector, the submitted tasks and every registration;
     * {@code stuck} is in its completion phase (only there do routines run), so it touches none of them again and
     * ends when the routine returns.
     *
     * @return true when the loop moved; false when the transport is closing or {@code stuck} is no longer the owner
     */
    private boolean moveEventLoop(CompletionThread stuck) {
        CompletionThread next;
        synchronized (moveLock) {
            if (closed || owner != stuck) {
                return false;
            }
            next = new CompletionThread(this::loop, name + "-nio-selector-" + ++threadsStarted);
            owner = next;
        }
        next.start();
        LOG.debug("{}: {} is held by a routine; the event loop moved to {}", name, stuck.getName(), next.getName());
        return true;
    }

    /**
     * Selector thread, loop phase: {@code bytes} were read or written. Counted toward
     * {@link #PASS_BYTES_BEFORE_COMPLETIONS}.
     */
    void moved(long bytes) {
        if (bytes > 0 && inSelectorThread()) {
            movedSinceCompletions += bytes;
        }
    }

    /**
     * The keys one select pass found ready, in order; filled by select's action, emptied by {@link #handleReady}.
     * Confined to one selector thread.
     */
    private static final class ReadyKeys implements Consumer<SelectionKey> {
        private SelectionKey[] keys = new SelectionKey[16];
        private int count;

        @Override
        public void accept(SelectionKey key) {
            if (count == keys.length) {
                keys = java.util.Arrays.copyOf(keys, count * 2);
            }
            keys[count++] = key;
        }
    }

    /**
     * The loop phase's readiness handling: the pass's ready keys one at a time, outside select. The completions the
     * keys produced run after the last key, as one batch, unless the keys handled so far moved
     * {@link #PASS_BYTES_BEFORE_COMPLETIONS} bytes or more: those completions then run before the next key. With small
     * transfers a pass's completions (and the sends and receives their routines start) stay one batch, which the peer
     * then also receives as one (16 connections x 1 KiB: 16 KiB a pass); with large ones each connection's routine
     * runs while its data is still in the cache, instead of a whole pass's data (up to 16 x 64 KiB in the echo
     * benchmark, more than a core's L2) passing through the cache in between. 32 KiB, not 64: loopback's MSS is
     * 65,483 bytes, so a 64 KiB message is often read as 65,483 bytes and then 53. Outside select, so a routine that
     * holds the thread too long leaves the selector free for a new thread; this one then stops at once, and the keys
     * it did not reach are still ready for the new thread's first select (readiness is level-triggered).
     */
    private void handleReady(CompletionThread self, ReadyKeys ready) {
        SelectionKey[] keys = ready.keys;
        int count = ready.count;
        ready.count = 0;
        int i = 0;
        movedSinceCompletions = 0;
        try {
            for (; i < count && owner == self; i++) {
                SelectionKey key = keys[i];
                keys[i] = null;
                dispatch(key);
                if (movedSinceCompletions >= PASS_BYTES_BEFORE_COMPLETIONS) {
                    movedSinceCompletions = 0; // before the routines, which may cost this thread the loop
                    runCompletions(self);
                }
            }
        } finally {
            java.util.Arrays.fill(keys, i, count, null); // moved, or failed: hold no key beyond the pass
        }
    }

    /** Selector thread, loop phase: one ready key. */
    private void dispatch(SelectionKey key) {
        Object attachment = key.attachment();
        if (attachment instanceof NioEndpoint) {
            try {
                ((NioEndpoint) attachment).onReady(key);
            } catch (RuntimeException e) {
                LOG.error("{} readiness handling failed; continuing", name, e);
            }
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
        synchronized (moveLock) {
            closed = true; // no move after this: owner is the thread that closes the selector
        }
        selector.wakeup();
        Thread last = owner;
        if (Thread.currentThread() != last) {
            try {
                last.join(TimeUnit.SECONDS.toMillis(5));
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
