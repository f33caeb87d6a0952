package org.wsk4j.sim;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/**
 * What every simulated endpoint shares: bind, level-triggered readiness delivered as executor tasks, options
 * and close. State is guarded by the network's lock; handler callbacks run outside it.
 */
abstract class SimEndpoint implements TransportEndpoint {

    final SimNetwork network;
    /** The owning transport; null for the passive peer of a scripted connect. */
    final SimTransport transport;
    final int family;
    final SimNetwork.EndpointId id;
    /**
     * The local address, null until bound. Read and written under the network lock, except that {@link #localAddress}
     * reads it without the lock: written through {@link #setLocal} (a release store, no fence), read there with an
     * acquire load (the address is immutable).
     */
    InetSocketAddress local;
    private static final java.lang.invoke.VarHandle LOCAL;
    private static final java.lang.invoke.VarHandle HANDLER;

    static {
        try {
            LOCAL = java.lang.invoke.MethodHandles.lookup().findVarHandle(SimEndpoint.class, "local",
                    InetSocketAddress.class);
            HANDLER = java.lang.invoke.MethodHandles.lookup().findVarHandle(SimEndpoint.class, "handler",
                    TransportHandler.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    boolean closed;
    /** Its host crashed: inert (see {@link #crash(boolean)}). */
    boolean crashed;
    /** The handler until the provider sets one: ignores every readiness. */
    private static final TransportHandler NO_HANDLER = new TransportHandler() { };
    /**
     * Who readiness is dispatched to. Written by {@link #setHandler} without the network lock (a release store: the
     * provider sets it under its socket lock on every connect, and a nested network-lock section cost a monitor),
     * read by {@link #dispatch} with an acquire load: a dispatch that happens after setHandler (the provider's
     * setInterest, which takes the network lock, or anything else that orders the two) sees the new handler.
     */
    @SuppressWarnings("unused") // through HANDLER
    private TransportHandler handler = NO_HANDLER;
    private int interest;
    private boolean dispatchQueued;
    /** The options set so far; created by the first (most endpoints never set one). */
    private Map<SocketOption<?>, Object> options;

    SimEndpoint(SimNetwork network, SimTransport transport, int family, SimNetwork.EndpointId id) {
        this.network = network;
        this.transport = transport;
        this.family = family;
        this.id = id;
    }

    /** The readiness that holds now (TransportHandler bits), network lock held. */
    abstract int readyOps();

    /** An option was set (network lock held). */
    void optionChanged(SocketOption<?> option) {
    }

    /** Whether a boolean option is set to true (network lock held). */
    boolean isOn(SocketOption<Boolean> option) {
        return options != null && Boolean.TRUE.equals(options.get(option));
    }

    abstract boolean datagram();

    @Override
    public NtStatus bind(InetSocketAddress address) {
        synchronized (network.lock) {
            if (closed || local != null) {
                return NtStatus.STATUS_INVALID_DEVICE_STATE;
            }
            NtStatus status = transport.host.bind(this, address, datagram());
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " bind " + SimNetwork.hostString(address) + " on " + transport.host.name + ": "
                        + (status == NtStatus.STATUS_SUCCESS ? SimNetwork.hostString(local) : status.name()));
            }
            if (status == NtStatus.STATUS_SUCCESS) {
                onBound();
            }
            return status;
        }
    }

    void onBound() {
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) LOCAL.getAcquire(this); // no lock: the provider asks on every bind and connect
    }

    /** Sets the local address (network lock held). */
    void setLocal(InetSocketAddress address) {
        LOCAL.setRelease(this, address);
    }

    @Override
    public void setHandler(TransportHandler handler) {
        HANDLER.setRelease(this, handler); // no lock: see handler
    }

    @Override
    public void setInterest(int ops) {
        synchronized (network.lock) {
            interest = ops;
            poke();
        }
    }

    /** Queues a readiness dispatch when a wanted condition holds (network lock held). */
    void poke() {
        if (closed || crashed || dispatchQueued || (interest & readyOps()) == 0) {
            return;
        }
        dispatchQueued = true;
        (transport != null ? transport.callbacks : network.executor()).execute(this::dispatch);
    }

    private void dispatch() {
        TransportHandler current;
        int ready;
        synchronized (network.lock) {
            dispatchQueued = false;
            if (closed || crashed) {
                return;
            }
            ready = interest & readyOps();
            current = (TransportHandler) HANDLER.getAcquire(this);
        }
        if ((ready & TransportHandler.ACCEPT) != 0) {
            current.onAcceptable();
        }
        if ((ready & TransportHandler.READ) != 0) {
            current.onReadable();
        }
        if ((ready & TransportHandler.WRITE) != 0 && isOpen()) {
            current.onWritable();
        }
        synchronized (network.lock) {
            poke(); // level triggered: still wanted and still ready, so call again
        }
    }

    private boolean isOpen() {
        synchronized (network.lock) {
            return !closed;
        }
    }

    @Override
    public <T> NtStatus setOption(SocketOption<T> option, T value) {
        if (!option.type().isInstance(value)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (!isKnown(option)) {
            return NtStatus.STATUS_NOT_SUPPORTED;
        }
        synchronized (network.lock) {
            if (options == null) {
                options = new LinkedHashMap<>();
            }
            options.put(option, value);
            optionChanged(option);
        }
        return NtStatus.STATUS_SUCCESS;
    }

    private static boolean isKnown(SocketOption<?> option) {
        return option == StandardSocketOptions.SO_SNDBUF || option == StandardSocketOptions.SO_RCVBUF
                || option == StandardSocketOptions.SO_REUSEADDR || option == StandardSocketOptions.SO_KEEPALIVE
                || option == StandardSocketOptions.TCP_NODELAY || option == StandardSocketOptions.SO_LINGER
                || option == StandardSocketOptions.SO_BROADCAST || option == StandardSocketOptions.IP_TOS
                || option == StandardSocketOptions.IP_MULTICAST_TTL || option == StandardSocketOptions.IP_MULTICAST_LOOP
                || option == StandardSocketOptions.SO_REUSEPORT;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws TransportException {
        synchronized (network.lock) {
            Object value = options == null ? null : options.get(option);
            if (value == null) {
                value = defaultOption(option);
            }
            if (value == null) {
                throw new TransportException(NtStatus.STATUS_NOT_SUPPORTED, null);
            }
            return option.type().cast(value);
        }
    }

    private Object defaultOption(SocketOption<?> option) {
        if (option == StandardSocketOptions.SO_SNDBUF || option == StandardSocketOptions.SO_RCVBUF) {
            return datagram() ? network.config().datagramBuffer() : network.config().bufferSize();
        }
        if (option == StandardSocketOptions.SO_LINGER) {
            return -1;
        }
        if (option == StandardSocketOptions.IP_TOS || option == StandardSocketOptions.IP_MULTICAST_TTL) {
            return option == StandardSocketOptions.IP_TOS ? 0 : 1;
        }
        if (isKnown(option)) {
            return option == StandardSocketOptions.IP_MULTICAST_LOOP ? Boolean.TRUE : Boolean.FALSE;
        }
        return null;
    }

    @Override
    public void close(boolean abortive) {
        synchronized (network.lock) {
            if (closed) {
                return;
            }
            if (!crashed) {
                beforeClose(abortive);
            }
            closed = true;
            interest = 0;
            if (transport != null) {
                transport.host.unbind(this); // a no-op after a crash, which freed the port already
                transport.forget(this);
            }
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " closed" + (abortive ? " (abortive)" : ""));
            }
        }
    }

    /** Protocol work before the endpoint is marked closed (network lock held). */
    void beforeClose(boolean abortive) {
    }

    /**
     * The endpoint's host crashed (network lock held): it vanishes from the network (its port is free) without sending
     * anything (with {@code reset}, its connection's peer is reset) and turns inert for the provider above it:
     * never ready, never calling its handler, reads find nothing and writes take nothing, so the IRPs of the dead
     * subsystem stay pending until it closes them. What reaches it later is answered with a RST.
     */
    void crash(boolean reset) {
        if (closed || crashed) {
            return;
        }
        beforeCrash(reset);
        crashed = true;
        interest = 0;
        if (transport != null) {
            transport.host.unbind(this);
        }
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(id + " vanished with its host" + (reset ? " (peer reset)" : ""));
        }
    }

    /** Protocol work of a crash, before the endpoint is marked closed (network lock held). */
    void beforeCrash(boolean reset) {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + id + " " + SimNetwork.hostString(local) + "]";
    }
}
