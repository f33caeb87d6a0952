package org.wsk4j;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.spi.TransportListener;
import org.wsk4j.internal.GuardedBy;

/**
 * How a listening role takes connections from the transport and hands them out: queued WskAccept requests first
 * (FIFO), then WskAcceptEvent; transient accept failures (out of descriptors or memory) and fatal ones. The functions
 * and conditional accept are in {@link ListenSocket}, the one concrete class.
 *
 * <p>State is guarded by the socket's lock; no callback or completion runs while it is held.
 */
abstract sealed class ListenerIntake extends SocketRole permits ListenSocket {

    private static final Logger LOG = LoggerFactory.getLogger(ListenerIntake.class);

    /** The serial numbers of WSK_INSPECT_IDs, unique in the process. */
    private static final AtomicInteger SERIALS = new AtomicInteger();

    /** Connection events a listener carries for sockets accepted through WskAcceptEvent. */
    static final int CONNECTION_EVENTS = Wsk.WSK_EVENT_RECEIVE | Wsk.WSK_EVENT_DISCONNECT | Wsk.WSK_EVENT_SEND_BACKLOG;

    /** How many inspected-or-pended connections a conditional-accept listener holds (the NIO backlog's size). */
    static final int CONDITIONAL_BACKLOG = 512;

    /** How long taking connections pauses after a transient accept failure when only WskAcceptEvent consumes them. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofMillis(100);

    final TransportListener listener;

    /** A connection taken from the transport. */
    static final class Incoming {
        final TransportConnection connection;
        final InetSocketAddress local;
        final InetSocketAddress remote;
        WskInspectId inspectId;
        /** Data the peer sent while the request was held (read to notice a reset); handed to the socket. */
        final List<java.nio.ByteBuffer> prefetched = new ArrayList<>();
        /** Whether the held connection is being watched for a reset. */
        boolean watched;

        Incoming(TransportConnection connection) {
            this.connection = connection;
            this.local = connection.localAddress();
            this.remote = connection.remoteAddress();
        }

        @Override
        public String toString() {
            return remote + " -> " + local + (inspectId == null ? "" : " " + inspectId);
        }
    }

    /** A pending WskAccept: the operation with its arguments; cancelling it is {@link #cancelAccept}. */
    final class AcceptRequest extends PendingOp {
        final Object context;
        final WskClientConnectionDispatch dispatch;
        final SockAddr localAddress;
        final SockAddr remoteAddress;

        AcceptRequest(Irp irp, Object context, WskClientConnectionDispatch dispatch, SockAddr localAddress,
                      SockAddr remoteAddress) {
            super(socket, irp, "WskAccept");
            this.context = context;
            this.dispatch = dispatch;
            this.localAddress = localAddress;
            this.remoteAddress = remoteAddress;
        }

        @Override
        void cancelled() {
            cancelAccept(this);
        }
    }

    /** The queued WskAccept requests, oldest first (each an {@link AcceptRequest}); served first, FIFO. */
    @GuardedBy("socket.lock")
    final PendingQueue waiting;

    /** Connections past inspection (conditional accept) or given back by a skipped event, awaiting a consumer. */
    @GuardedBy("socket.lock")
    final ArrayDeque<Incoming> ready = new ArrayDeque<>();

    /** Requests WskInspectEvent pended, by WSK_INSPECT_ID contents. */
    @GuardedBy("socket.lock")
    final Map<WskInspectId, Incoming> pended = new LinkedHashMap<>();

    @GuardedBy("socket.lock")
    boolean listening;

    @GuardedBy("socket.lock")
    boolean closed;

    @GuardedBy("socket.lock")
    boolean conditional;

    @GuardedBy("socket.lock")
    boolean v6only;

    /** The transport's accept failed: the listener is unusable. */
    @GuardedBy("socket.lock")
    NtStatus failure;

    /**
     * A transient accept failure (out of descriptors or memory) stopped taking connections: until the next WskAccept,
     * or {@link #RETRY_AFTER} when only WskAcceptEvent consumes connections (so the selector does not spin).
     */
    @GuardedBy("socket.lock")
    boolean acceptPaused;

    @GuardedBy("socket.lock")
    boolean deadIndicated;

    @GuardedBy("socket.lock")
    int interest;

    /** The keys of WSK_INSPECT_IDs this listener handed out. */
    @GuardedBy("socket.lock")
    private long inspectKeys;

    // ---- accepting from the transport --------------------------------------------------------------------

    /** Whether connections should be taken from the transport now (lock held). */
    @GuardedBy("socket.lock")
    boolean wantAccept() {
        if (!listening || closed || failure != null || acceptPaused) {
            return false;
        }
        if (conditional) {
            return ready.size() + pended.size() < CONDITIONAL_BACKLOG;
        }
        return ready.isEmpty() && (!waiting.isEmpty() || acceptEventOn());
    }

    boolean acceptEventOn() {
        WskClientListenDispatch dispatch = listenDispatch();
        return dispatch != null && dispatch.wskAcceptEvent() != null && isEventEnabled(Wsk.WSK_EVENT_ACCEPT);
    }

    /** Brings the transport's ACCEPT interest in line with {@link #wantAccept()} (lock held). */
    @GuardedBy("socket.lock")
    void updateInterest() {
        int wanted = wantAccept() ? TransportHandler.ACCEPT : 0;
        if (wanted != interest) {
            interest = wanted;
            listener.setInterest(wanted);
        }
    }

    /** Transport thread: takes the waiting connections while someone wants them. */
    void acceptFromTransport() {
        while (true) {
            synchronized (socket.lock) {
                if (!wantAccept()) {
                    updateInterest();
                    return;
                }
            }
            TransportConnection connection;
            try {
                connection = listener.accept();
            } catch (TransportException e) {
                listenerFailed(e.status());
                return;
            }
            if (connection == null) {
                return;
            }
            incoming(connection);
        }
    }

    /** A connection came from the transport: filter, then inspect or offer it. */
    void incoming(TransportConnection connection) {
        Incoming in = new Incoming(connection);
        boolean inspect;
        synchronized (socket.lock) {
            if (closed || in.remote == null || (v6only && isIpv4(in.remote))) {
                in = null;
                inspect = false;
            } else {
                inspect = conditional;
                if (inspect) {
                    in.inspectId = new WskInspectId(++inspectKeys, SERIALS.incrementAndGet());
                } else {
                    ready.addLast(in);
                }
            }
        }
        if (in == null) {
            LOG.debug("{} drops {} (closed, or IPv4 peer on a v6-only listener)", this, connection);
            connection.close(true);
            return;
        }
        LOG.debug("{} took {}", this, in);
        if (inspect) {
            inspect(in);
        } else {
            dispatchReady();
        }
    }

    /** An IPv4 peer (Java reports IPv4-mapped peers of a dual-stack socket as Inet4Address). */
    static boolean isIpv4(InetSocketAddress address) {
        if (address.getAddress() instanceof Inet4Address) {
            return true;
        }
        byte[] bytes = address.getAddress().getAddress();
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
    }

    /**
     * Whether an accept failure is transient: the process or system is out of descriptors or memory (EMFILE, ENFILE,
     * ENOBUFS, ENOMEM), or the connection was gone before it was taken. Windows and Linux listeners survive these.
     */
    static boolean isTransient(NtStatus status) {
        return status == NtStatus.STATUS_INSUFFICIENT_RESOURCES || status == NtStatus.STATUS_NO_MEMORY
                || status == NtStatus.STATUS_CONNECTION_ABORTED || status == NtStatus.STATUS_CONNECTION_RESET;
    }

    /**
     * A transient accept failure: the WskAccept IRPs waiting now complete with it, and taking connections pauses
     * until the next WskAccept (or, with WskAcceptEvent on, {@link #RETRY_AFTER}); the listener stays usable.
     */
    void acceptFailedForNow(NtStatus status) {
        List<PendingOp> requests;
        boolean retry;
        synchronized (socket.lock) {
            if (closed || failure != null) {
                return;
            }
            requests = waiting.drain(); // taken off the queue: finished below
            acceptPaused = true;
            retry = acceptEventOn();
            updateInterest();
        }
        LOG.debug("{} transport accept failed for now: {}; {} WskAccept(s) fail", this, status, requests.size());
        for (PendingOp request : requests) {
            finish(request, status);
        }
        if (retry) {
            socket.provider.subsystem.executor().schedule(RETRY_AFTER, this::resumeAccepting);
        }
    }

    /** Takes connections again after a transient failure. */
    void resumeAccepting() {
        synchronized (socket.lock) {
            acceptPaused = false;
            updateInterest();
        }
    }

    /** The transport's accept failed: the listener is unusable (or, for a transient failure, paused). */
    void listenerFailed(NtStatus status) {
        if (isTransient(status)) {
            acceptFailedForNow(status);
            return;
        }
        List<PendingOp> requests;
        boolean indicate;
        synchronized (socket.lock) {
            if (closed || failure != null) {
                return;
            }
            failure = status;
            requests = waiting.drain(); // taken off the queue: finished below
            indicate = !deadIndicated && acceptEventOn();
            deadIndicated |= indicate;
            updateInterest();
        }
        LOG.debug("{} transport accept failed: {}; the listener is unusable", this, status);
        for (PendingOp request : requests) {
            finish(request, status);
        }
        if (indicate) {
            WskAcceptEvent event = listenDispatch().wskAcceptEvent();
            deliver(Wsk.WSK_EVENT_ACCEPT, () -> event.wskAcceptEvent(context(), Wsk.WSK_FLAG_AT_DISPATCH_LEVEL, null,
                    null, null, new Ref<>(), new Ref<>()));
        }
    }

    // ---- handing connections out ---------------------------------------------------------------------

    /** Serves ready connections: queued WskAccept IRPs first (FIFO), then WskAcceptEvent. */
    void dispatchReady() {
        while (true) {
            Incoming in;
            AcceptRequest request = null;
            synchronized (socket.lock) {
                if (closed || ready.isEmpty()) {
                    updateInterest();
                    return;
                }
                if (!waiting.isEmpty()) {
                    request = (AcceptRequest) waiting.pollFirst(); // taken off the queue: completeAccept finishes it
                } else if (!acceptEventOn()) {
                    updateInterest();
                    return; // stays ready until a WskAccept or the event comes
                }
                in = ready.pollFirst();
            }
            if (request != null) {
                completeAccept(request, in);
            } else {
                offer(in);
            }
        }
    }

    /**
     * A new connection socket for an accepted connection, counted as open; or null when the low-resources
     * simulation ({@link org.wsk4j.nt.IoManager#setLowResourcesSimulation}) fails the socket's allocation: then
     * the connection is reset (the peer sees a reset, as when Windows cannot allocate the accepted endpoint) and
     * the caller reports STATUS_INSUFFICIENT_RESOURCES where it can (a WskAccept IRP).
     */
    SocketImpl newSocket(Incoming in, Object acceptContext, Object acceptDispatch) {
        unwatch(in);
        if (socket.provider.subsystem.ioManager().failsSocketCreation()) {
            LOG.debug("{} low-resources simulation: no socket for {}; reset", this, in);
            in.connection.close(true);
            return null;
        }
        ConnectionSocket accepted = ConnectionSocket.accepted(socket.provider, socket.registration, socket.family,
                acceptContext, acceptDispatch, in.connection);
        accepted.inspectId = in.inspectId;
        accepted.prefill(in.prefetched);
        socket.registration.socketOpened(accepted.socket);
        return accepted.socket;
    }

    /** Completes a queued WskAccept with a connection. */
    void completeAccept(AcceptRequest request, Incoming in) {
        // Decided under the lock close() takes to collect the pending IRPs: either the close came first (the
        // connection is reset and no socket is created), or the accept completes with its socket and the close finds
        // it finished. Creating the socket first and destroying it when the close won let a socket be counted open
        // after the listener's close IRP completed (and after WskDeregister could have returned).
        synchronized (socket.lock) {
            if (!isCloseCalled() && !request.isFinished()) {
                SocketImpl accepted = newSocket(in, request.context, request.dispatch);
                if (accepted == null) { // low-resources simulation: the connection was reset
                    finish(request, NtStatus.STATUS_INSUFFICIENT_RESOURCES);
                    return;
                }
                fillOut(request.localAddress, in.local);
                fillOut(request.remoteAddress, in.remote);
                if (finish(request, NtStatus.STATUS_SUCCESS, 0, accepted)) {
                    return;
                }
                accepted.destroy(); // not reachable: only this method finishes a request taken off the queue
                return;
            }
        }
        LOG.debug("{} {} was cancelled by close; {} reset", this, request, in);
        in.connection.close(true); // closed under it: nobody will own the connection
        finish(request, NtStatus.STATUS_CANCELLED); // taken off the queue before the close collected the rest
    }

    /** Offers a connection to WskAcceptEvent; if the event does not run (closed, disabled), takes it back. */
    void offer(Incoming in) {
        WskAcceptEvent event = listenDispatch().wskAcceptEvent();
        AtomicBoolean ran = new AtomicBoolean();
        int inherited = socket.eventMask() & CONNECTION_EVENTS;
        deliver(Wsk.WSK_EVENT_ACCEPT, () -> {
            ran.set(true);
            SocketImpl socket = newSocket(in, null, null);
            if (socket == null) {
                return; // low-resources simulation: the connection was reset, nothing is indicated
            }
            Ref<Object> acceptContext = new Ref<>();
            Ref<WskClientConnectionDispatch> acceptDispatch = new Ref<>();
            NtStatus status = null;
            try {
                status = event.wskAcceptEvent(context(), Wsk.WSK_FLAG_AT_DISPATCH_LEVEL, toFamily(in.local),
                        toFamily(in.remote), socket, acceptContext, acceptDispatch);
            } finally {
                if (status == NtStatus.STATUS_SUCCESS) {
                    socket.acceptedThroughEvent(acceptContext.get(), acceptDispatch.get(), inherited);
                    LOG.debug("{} WskAcceptEvent took {} as {}", this, in, socket);
                } else {
                    LOG.debug("{} WskAcceptEvent returned {}: {} reset", this, status, in);
                    socket.destroy(); // WSK closes a rejected connection itself
                }
            }
        });
        post(() -> {
            if (ran.get()) {
                return;
            }
            boolean drop;
            synchronized (socket.lock) {
                drop = closed;
                if (!drop) {
                    ready.addFirst(in);
                }
            }
            if (drop) {
                in.connection.close(true);
            } else {
                dispatchReady();
            }
        });
    }

    /** Fills an optional output address in the listener's family (IPv4 peers of a dual-stack listener mapped). */
    void fillOut(SockAddr target, InetSocketAddress address) {
        if (target == null) {
            return;
        }
        if (target instanceof SockAddrStorage storage) {
            storage.set(toFamily(address));
        } else {
            target.fill(address);
        }
    }

    SockAddr toFamily(InetSocketAddress address) {
        SockAddr result = socket.family == Wsk.AF_INET6 ? new SockAddrIn6() : new SockAddrIn();
        result.fill(address);
        return result;
    }

    /** The client's listen callbacks: its dispatch table (a stream socket's listen part), or null. */
    WskClientListenDispatch listenDispatch() {
        Object dispatch = socket.clientDispatch;
        if (dispatch instanceof WskClientListenDispatch listen) {
            return listen;
        }
        return dispatch instanceof WskClientStreamDispatch stream ? stream.listen() : null;
    }

    ListenerIntake(SocketImpl socket, TransportListener listener) {
        super(socket);
        this.listener = listener;
        this.waiting = socket.newQueue();
        if (listener != null) {
            listener.setHandler(new TransportHandler() {
                @Override
                public void onAcceptable() {
                    acceptFromTransport();
                }
            });
        }
    }

    /** IoCancelIrp on a queued WskAccept: cancelled unless a connection already claimed it. */
    void cancelAccept(AcceptRequest request) {
        synchronized (socket.lock) {
            if (!waiting.unlink(request)) {
                return; // being completed (with a connection, or a failure): the cancel lost the race
            }
            updateInterest();
        }
        finish(request, NtStatus.STATUS_CANCELLED);
    }

    /** Asks WskInspectEvent about a connection (conditional accept). */
    abstract void inspect(Incoming in);

    /** Stops watching a held connection for a reset (it is handed out now). */
    abstract void unwatch(Incoming in);
}
