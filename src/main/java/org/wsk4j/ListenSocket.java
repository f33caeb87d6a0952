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
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.spi.TransportListener;
import org.wsk4j.internal.GuardedBy;

/**
 * A listening socket ({@code WSK_FLAG_LISTEN_SOCKET}): bind starts listening; connections are taken with
 * WskAccept IRPs or delivered through WskAcceptEvent (conditional accept: WskInspectEvent / WskAbortEvent).
 *
 * <p><b>Where connections wait.</b> A connection stays in the transport's backlog until someone wants it: a
 * queued WskAccept IRP (served first, FIFO) or an enabled WskAcceptEvent. ACCEPT readiness interest is set
 * only while there is such a consumer (readiness is level triggered). On a conditional-accept listener the
 * transport has already finished the handshake when the provider takes the connection (java.nio cannot act
 * before it), so connections are taken at once, inspected with WskInspectEvent, and those accepted wait in
 * {@link #ready} for a consumer.
 *
 * <p><b>Threads.</b> Readiness arrives on the transport thread, which performs the non-blocking accept; the
 * client's callbacks and completions run on the socket's serial queue. State is guarded by the socket's lock; no
 * callback or completion runs while it is held.
 */
final class ListenSocket extends SocketRole {

    private static final Logger LOG = LoggerFactory.getLogger(ListenSocket.class);

    /** Connection events a listener carries for sockets accepted through WskAcceptEvent. */
    static final int CONNECTION_EVENTS = Wsk.WSK_EVENT_RECEIVE | Wsk.WSK_EVENT_DISCONNECT | Wsk.WSK_EVENT_SEND_BACKLOG;

    /** How many inspected-or-pended connections a conditional-accept listener holds (the NIO backlog's size). */
    static final int CONDITIONAL_BACKLOG = 512;
    /** How long taking connections pauses after a transient accept failure when only WskAcceptEvent consumes them. */
    static final java.time.Duration RETRY_AFTER = java.time.Duration.ofMillis(100);

    private static final AtomicInteger SERIALS = new AtomicInteger();

    final TransportListener listener;

    /** A connection taken from the transport. */
    private static final class Incoming {
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
    private final class AcceptRequest extends PendingOp {
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
    private final PendingQueue waiting;
    /** Connections past inspection (conditional accept) or given back by a skipped event, awaiting a consumer. */
    @GuardedBy("socket.lock")
    private final ArrayDeque<Incoming> ready = new ArrayDeque<>();
    /** Requests WskInspectEvent pended, by WSK_INSPECT_ID contents. */
    @GuardedBy("socket.lock")
    private final Map<WskInspectId, Incoming> pended = new LinkedHashMap<>();
    @GuardedBy("socket.lock")
    private boolean listening;
    @GuardedBy("socket.lock")
    private boolean closed;
    @GuardedBy("socket.lock")
    private boolean conditional;
    @GuardedBy("socket.lock")
    private boolean v6only;
    /** The transport's accept failed: the listener is unusable. */
    @GuardedBy("socket.lock")
    private NtStatus failure;
    /**
     * A transient accept failure (out of descriptors or memory) stopped taking connections: until the next WskAccept,
     * or {@link #RETRY_AFTER} when only WskAcceptEvent consumes connections (so the selector does not spin).
     */
    @GuardedBy("socket.lock")
    private boolean acceptPaused;
    @GuardedBy("socket.lock")
    private boolean deadIndicated;
    @GuardedBy("socket.lock")
    private long inspectKeys;
    @GuardedBy("socket.lock")
    private int interest;

    ListenSocket(SocketImpl socket, TransportListener listener) {
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

    @Override
    TransportEndpoint endpoint() {
        return listener;
    }

    @Override
    boolean eventsAllowedNow() {
        return listener != null && listener.localAddress() != null;
    }

    /** The client's listen callbacks: its dispatch table (a stream socket's listen part), or null. */
    private WskClientListenDispatch listenDispatch() {
        Object dispatch = socket.clientDispatch;
        if (dispatch instanceof WskClientListenDispatch listen) {
            return listen;
        }
        return dispatch instanceof WskClientStreamDispatch stream ? stream.listen() : null;
    }

    // ---- bind and options ------------------------------------------------------------------------------

    @Override
    @GuardedBy("socket.lock")
    void onBound() {
        // lock held: the options that must precede bind are fixed now
        listening = true;
        conditional = storedOption(Wsk.SOL_SOCKET, Wsk.SO_CONDITIONAL_ACCEPT, 0) != 0;
        v6only = family == Wsk.AF_INET6 && storedOption(Wsk.IPPROTO_IPV6, Wsk.IPV6_V6ONLY, 1) != 0;
        LOG.debug("{} listening on {} (conditional accept {}, v6only {})", this, listener.localAddress(), conditional,
                v6only);
        updateInterest();
    }

    @Override
    NtStatus setOption(int level, int code, int value) {
        if (level == Wsk.SOL_SOCKET && code == Wsk.SO_CONDITIONAL_ACCEPT && value != 0) {
            WskClientListenDispatch dispatch = listenDispatch();
            if (dispatch == null || dispatch.wskInspectEvent() == null) {
                return NtStatus.STATUS_INVALID_PARAMETER; // Windows would call a NULL WskInspectEvent
            }
        }
        return super.setOption(level, code, value);
    }

    @Override
    void onEventsEnabled(int enabled) {
        synchronized (socket.lock) {
            socket.events.keepEnabled(enabled & CONNECTION_EVENTS); // inherited connection events stay on for good
            updateInterest();
        }
        if ((enabled & Wsk.WSK_EVENT_ACCEPT) != 0) {
            dispatchReady();
        }
    }

    // ---- accepting from the transport --------------------------------------------------------------------

    /** Whether connections should be taken from the transport now (lock held). */
    @GuardedBy("socket.lock")
    private boolean wantAccept() {
        if (!listening || closed || failure != null || acceptPaused) {
            return false;
        }
        if (conditional) {
            return ready.size() + pended.size() < CONDITIONAL_BACKLOG;
        }
        return ready.isEmpty() && (!waiting.isEmpty() || acceptEventOn());
    }

    private boolean acceptEventOn() {
        WskClientListenDispatch dispatch = listenDispatch();
        return dispatch != null && dispatch.wskAcceptEvent() != null && isEventEnabled(Wsk.WSK_EVENT_ACCEPT);
    }

    /** Brings the transport's ACCEPT interest in line with {@link #wantAccept()} (lock held). */
    @GuardedBy("socket.lock")
    private void updateInterest() {
        int wanted = wantAccept() ? TransportHandler.ACCEPT : 0;
        if (wanted != interest) {
            interest = wanted;
            listener.setInterest(wanted);
        }
    }

    /** Transport thread: takes the waiting connections while someone wants them. */
    private void acceptFromTransport() {
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
    private void incoming(TransportConnection connection) {
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
    private static boolean isIpv4(InetSocketAddress address) {
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
    private void acceptFailedForNow(NtStatus status) {
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
            provider.subsystem.executor().schedule(RETRY_AFTER, this::resumeAccepting);
        }
    }

    /** Takes connections again after a transient failure. */
    private void resumeAccepting() {
        synchronized (socket.lock) {
            acceptPaused = false;
            updateInterest();
        }
    }

    /** The transport's accept failed: the listener is unusable (or, for a transient failure, paused). */
    private void listenerFailed(NtStatus status) {
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
    private void dispatchReady() {
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
    private SocketImpl newSocket(Incoming in, Object acceptContext, Object acceptDispatch) {
        unwatch(in);
        if (provider.subsystem.ioManager().failsSocketCreation()) {
            LOG.debug("{} low-resources simulation: no socket for {}; reset", this, in);
            in.connection.close(true);
            return null;
        }
        ConnectionSocket accepted = ConnectionSocket.accepted(provider, registration, family, acceptContext,
                acceptDispatch, in.connection);
        accepted.inspectId = in.inspectId;
        accepted.prefill(in.prefetched);
        registration.socketOpened(accepted.socket);
        return accepted.socket;
    }

    /** Completes a queued WskAccept with a connection. */
    private void completeAccept(AcceptRequest request, Incoming in) {
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
    private void offer(Incoming in) {
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
    private void fillOut(SockAddr target, InetSocketAddress address) {
        if (target == null) {
            return;
        }
        if (target instanceof SockAddrStorage storage) {
            storage.set(toFamily(address));
        } else {
            target.fill(address);
        }
    }

    private SockAddr toFamily(InetSocketAddress address) {
        SockAddr result = family == Wsk.AF_INET6 ? new SockAddrIn6() : new SockAddrIn();
        result.fill(address);
        return result;
    }

    private boolean canHold(SockAddr address) {
        return address == null || address instanceof SockAddrStorage
                || (family == Wsk.AF_INET ? address instanceof SockAddrIn : address instanceof SockAddrIn6);
    }

    // ---- WskAccept -------------------------------------------------------------------------------------

    NtStatus accept(int flags, Object acceptSocketContext, WskClientConnectionDispatch acceptSocketDispatch,
                    SockAddr localAddress, SockAddr remoteAddress, Irp irp) {
        if (flags != 0 || !canHold(localAddress) || !canHold(remoteAddress)) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus refused = null;
        Incoming in = null;
        boolean tryTransport = false;
        synchronized (socket.lock) {
            acceptPaused = false; // a new WskAccept tries the transport again after a transient failure
            if (!listening) {
                refused = NtStatus.STATUS_INVALID_DEVICE_STATE;
            } else if (failure != null) {
                refused = NtStatus.STATUS_FILE_FORCED_CLOSED; // the listener is no longer functional
            } else if (waiting.isEmpty()) {
                in = ready.pollFirst();
                tryTransport = in == null && !conditional;
            }
        }
        if (refused != null) {
            return fail(irp, refused);
        }
        if (tryTransport) {
            try {
                in = takeNow();
            } catch (TransportException e) {
                return completeSoon(irp, e.status(), 0, null); // transient: this accept fails, the listener stays
            }
        }
        if (in != null) {
            SocketImpl accepted = newSocket(in, acceptSocketContext, acceptSocketDispatch);
            if (accepted == null) {
                return completeSoon(irp, NtStatus.STATUS_INSUFFICIENT_RESOURCES, 0, null);
            }
            fillOut(localAddress, in.local);
            fillOut(remoteAddress, in.remote);
            LOG.debug("{} WskAccept {} takes waiting {}", this, irp, in);
            return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, accepted);
        }
        synchronized (socket.lock) { // one critical section: pend, queue, arm
            AcceptRequest request = socket.pendLocked(new AcceptRequest(irp, acceptSocketContext, acceptSocketDispatch,
                    localAddress, remoteAddress), false, null, waiting);
            request.arm(null); // before another thread can complete it
            updateInterest();
        }
        LOG.debug("{} WskAccept {} waits", this, irp);
        dispatchReady(); // a connection may have become ready meanwhile
        return NtStatus.STATUS_PENDING;
    }

    /** Takes a connection already in the transport's backlog, if any (not for conditional accept). */
    private Incoming takeNow() throws TransportException {
        while (true) {
            TransportConnection connection;
            try {
                connection = listener.accept();
            } catch (TransportException e) {
                if (isTransient(e.status())) {
                    throw e;
                }
                listenerFailed(e.status());
                return null;
            }
            if (connection == null) {
                return null;
            }
            Incoming in = new Incoming(connection);
            boolean keep;
            synchronized (socket.lock) {
                keep = !closed && in.remote != null && !(v6only && isIpv4(in.remote));
            }
            if (keep) {
                return in;
            }
            connection.close(true);
        }
    }

    /** IoCancelIrp on a queued WskAccept: cancelled unless a connection already claimed it. */
    private void cancelAccept(AcceptRequest request) {
        synchronized (socket.lock) {
            if (!waiting.unlink(request)) {
                return; // being completed (with a connection, or a failure): the cancel lost the race
            }
            updateInterest();
        }
        finish(request, NtStatus.STATUS_CANCELLED);
    }

    // ---- conditional accept ----------------------------------------------------------------------------

    /** Asks WskInspectEvent about a connection, on the serial queue at DISPATCH_LEVEL. */
    private void inspect(Incoming in) {
        WskInspectEvent event = listenDispatch().wskInspectEvent();
        post(() -> {
            if (isCloseCalled()) {
                in.connection.close(true);
                return;
            }
            WskInspectAction action = null;
            Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
            try {
                action = event.wskInspectEvent(context(), toFamily(in.local), toFamily(in.remote), in.inspectId);
            } catch (Throwable t) {
                provider.subsystem.ioManager().recordRoutineFailure("WskInspectEvent of " + this, t);
            } finally {
                Ke.lowerIrql(old);
            }
            LOG.debug("{} WskInspectEvent for {}: {}", this, in, action);
            if (action == WskInspectAction.WskInspectAccept) {
                watch(in);
                makeReady(in);
            } else if (action == WskInspectAction.WskInspectPend) {
                boolean drop;
                synchronized (socket.lock) {
                    drop = closed;
                    if (!drop) {
                        pended.put(in.inspectId, in);
                    }
                }
                if (drop) {
                    in.connection.close(true);
                } else {
                    watch(in);
                }
            } else {
                in.connection.close(true); // WskInspectReject (or no valid answer): dropped, no further event
            }
        });
    }

    /**
     * Watches a request that WskInspectEvent accepted or pended until it is handed out: java.nio sees a reset
     * only by reading, so the held connection is read; data is kept for the socket, a reset (or other failure)
     * means the request was dropped before it was established, which is reported with WskAbortEvent.
     */
    private void watch(Incoming in) {
        synchronized (socket.lock) {
            in.watched = true;
        }
        in.connection.setHandler(new org.wsk4j.spi.TransportHandler() {
            @Override
            public void onReadable() {
                heldReadable(in);
            }
        });
        in.connection.setInterest(org.wsk4j.spi.TransportHandler.READ);
    }

    private void unwatch(Incoming in) {
        synchronized (socket.lock) {
            if (!in.watched) {
                return;
            }
            in.watched = false;
        }
        in.connection.setInterest(0);
    }

    private void heldReadable(Incoming in) {
        java.nio.ByteBuffer chunk = java.nio.ByteBuffer.allocate(ConnectionReceivePath.INDICATION_CHUNK);
        long read;
        try {
            read = in.connection.read(new java.nio.ByteBuffer[] {chunk});
        } catch (org.wsk4j.spi.TransportException e) {
            read = -2;
        }
        synchronized (socket.lock) {
            if (!in.watched) {
                return; // handed out (or dropped) meanwhile
            }
            if (read > 0) {
                chunk.flip();
                in.prefetched.add(chunk);
            }
            if (read != -2 && (read == 0 || read > 0 && in.prefetched.size() < 4)) {
                return; // keep watching for a reset (up to 256 KiB of early data)
            }
            in.watched = false;
            if (read == -1) {
                in.connection.setInterest(0); // a FIN is not a drop: the socket's first receive will see it
                in.prefetched.add(java.nio.ByteBuffer.allocate(0));
                return;
            }
            if (read > 0) {
                in.connection.setInterest(0); // enough early data buffered; the socket reads the rest
                return;
            }
            if (!pended.remove(in.inspectId, in) && !ready.remove(in)) {
                return;
            }
        }
        in.connection.setInterest(0);
        in.connection.close(true);
        WskAbortEvent abort = listenDispatch().wskAbortEvent();
        LOG.debug("{} request {} dropped before it was established", this, in);
        if (abort != null) {
            post(() -> {
                if (isCloseCalled()) {
                    return;
                }
                Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
                try {
                    abort.wskAbortEvent(context(), in.inspectId);
                } catch (Throwable t) {
                    provider.subsystem.ioManager().recordRoutineFailure("WskAbortEvent of " + this, t);
                } finally {
                    Ke.lowerIrql(old);
                }
            });
        }
    }

    private void makeReady(Incoming in) {
        boolean drop;
        synchronized (socket.lock) {
            drop = closed;
            if (!drop) {
                ready.addLast(in);
            }
        }
        if (drop) {
            in.connection.close(true);
        } else {
            dispatchReady();
        }
    }

    NtStatus inspectComplete(WskInspectId inspectId, WskInspectAction action, Irp irp) {
        NtStatus refused = null;
        Incoming in = null;
        synchronized (socket.lock) {
            boolean conditionalNow = listening ? conditional
                    : storedOption(Wsk.SOL_SOCKET, Wsk.SO_CONDITIONAL_ACCEPT, 0) != 0;
            if (!conditionalNow) {
                refused = NtStatus.STATUS_INVALID_DEVICE_REQUEST; // not a conditional-accept listener
            } else if (inspectId == null || (action != WskInspectAction.WskInspectAccept
                    && action != WskInspectAction.WskInspectReject)) {
                refused = NtStatus.STATUS_INVALID_PARAMETER;
            } else {
                in = pended.remove(inspectId);
                if (in == null) {
                    refused = NtStatus.STATUS_INVALID_PARAMETER; // unknown (or already completed) request
                }
            }
        }
        if (refused != null) {
            return fail(irp, refused); // outside the lock: the routine may run inline
        }
        LOG.debug("{} WskInspectComplete {} {}", this, in, action);
        if (action == WskInspectAction.WskInspectAccept) {
            makeReady(in);
        } else {
            in.connection.close(true);
        }
        return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
    }

    // ---- close -----------------------------------------------------------------------------------------

    @Override
    void closeEndpoint() {
        if (listener == null) {
            return;
        }
        List<Incoming> dropped;
        synchronized (socket.lock) {
            closed = true; // the close cancelled the waiting accepts already
            dropped = new ArrayList<>(ready);
            dropped.addAll(pended.values());
            ready.clear();
            pended.clear();
            updateInterest();
        }
        listener.close(true);
        for (Incoming in : dropped) {
            in.connection.close(true);
        }
    }
}
