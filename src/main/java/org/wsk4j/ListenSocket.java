package org.wsk4j;

import java.util.ArrayList;
import java.util.List;
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
final class ListenSocket extends ListenerIntake {

    private static final Logger LOG = LoggerFactory.getLogger(ListenSocket.class);



    ListenSocket(SocketImpl socket, TransportListener listener) {
        super(socket, listener);
    }

    @Override
    TransportEndpoint endpoint() {
        return listener;
    }

    @Override
    boolean eventsAllowedNow() {
        return listener != null && listener.localAddress() != null;
    }

    // ---- bind and options ------------------------------------------------------------------------------

    @Override
    @GuardedBy("socket.lock")
    void onBound() {
        // lock held: the options that must precede bind are fixed now
        listening = true;
        conditional = storedOption(Wsk.SOL_SOCKET, Wsk.SO_CONDITIONAL_ACCEPT, 0) != 0;
        v6only = socket.family == Wsk.AF_INET6 && storedOption(Wsk.IPPROTO_IPV6, Wsk.IPV6_V6ONLY, 1) != 0;
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

    private boolean canHold(SockAddr address) {
        return address == null || address instanceof SockAddrStorage
                || (socket.family == Wsk.AF_INET ? address instanceof SockAddrIn : address instanceof SockAddrIn6);
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


    // ---- conditional accept ----------------------------------------------------------------------------

    /** Asks WskInspectEvent about a connection, on the serial queue at DISPATCH_LEVEL. */
    @Override
    void inspect(Incoming in) {
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
                socket.provider.subsystem.ioManager().recordRoutineFailure("WskInspectEvent of " + this, t);
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

    @Override
    void unwatch(Incoming in) {
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
                    socket.provider.subsystem.ioManager().recordRoutineFailure("WskAbortEvent of " + this, t);
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
