package org.wsk4j;

import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.internal.GuardedBy;

/**
 * The send side of a connection's role: WskSend/WskSendEx, WskDisconnect (graceful, after the queued sends, or
 * abortive), the initial data of WskConnectEx, writability, and the failure of the connection. Sends are written in
 * the order they were accepted; a send completes once all its bytes were handed to the transport.
 *
 * <p>State is guarded by the socket's lock (see {@link ConnectionReceivePath}).
 */
abstract sealed class ConnectionSendPath extends ConnectionReceivePath permits ConnectionSocket {

    static final ByteBuffer[] NO_VIEWS = new ByteBuffer[0];

    /**
     * A queued send: a WskSend, a graceful WskDisconnect (its final buffer, perhaps empty: it completes once everything
     * before it is sent and the FIN is), or a WskConnectEx (its initial data, sent once connected). The pending
     * operation and its buffers in one object; cancelling it is {@link #cancelSend}, {@link #cancelDisconnect}, or, for
     * WskConnectEx, the connect's own action.
     */
    final class SendOp extends BufferOp {
        long total;
        final boolean disconnect;
        final boolean connectEx;
        long sent;

        SendOp(Irp irp, String kind, ByteBuffer[] views, boolean disconnect, boolean connectEx) {
            super(socket, irp, kind);
            this.views = views;
            this.total = WskBufs.remaining(views);
            this.disconnect = disconnect;
            this.connectEx = connectEx;
        }

        /** A plain WskSend for {@code buffer}: a reused operation reset, or a new one kept in the IRP's slot. */
        SendOp forSend(Irp forIrp, ByteBuffer[] newViews, WskBuf buffer) {
            irp = forIrp;
            useViews(newViews, buffer);
            total = WskBufs.remaining(newViews);
            sent = 0;
            return this;
        }

        long remaining() {
            return total - sent;
        }

        @Override
        void cancelled() {
            if (connectEx) {
                super.cancelled(); // the connect's cancel action
            } else if (disconnect) {
                cancelDisconnect(this);
            } else {
                cancelSend(this);
            }
        }
    }

    /**
     * The queued sends, oldest first (each a {@link SendOp}); a WskConnectEx waits here for its connection. Null
     * until the first (an idle socket saves the queue's 32 bytes), see {@link #sends()}.
     */
    @GuardedBy("socket.lock")
    private PendingQueue sends;

    /** A FIN was sent (graceful disconnect done). */
    @GuardedBy("socket.lock")
    boolean outputShut;

    /** The graceful disconnect queued behind the sends, or null. */
    @GuardedBy("socket.lock")
    private SendOp disconnectOp;

    @GuardedBy("socket.lock")
    private long disconnectBytes;

    ConnectionSendPath(SocketImpl socket, TransportConnection connection, State initial) {
        super(socket, connection, initial);
    }

    @Override
    @GuardedBy("socket.lock")
    boolean sendsWaiting() {
        return sends != null && !sends.isEmpty();
    }

    /** The send queue, created on first use. Lock held. */
    @GuardedBy("socket.lock")
    PendingQueue sends() {
        if (sends == null) {
            sends = socket.newQueue();
        }
        return sends;
    }

    /** Why a send cannot be queued now, or null. Called with the lock held. */
    @GuardedBy("socket.lock")
    private NtStatus sendRefusal() {
        if (state != State.CONNECTED) {
            return NtStatus.STATUS_INVALID_DEVICE_STATE;
        }
        if (writeFailure != null) {
            return writeFailure;
        }
        if (outputShut || disconnectOp != null) {
            return NtStatus.STATUS_PIPE_DISCONNECTED; // WSAESHUTDOWN: sending after a graceful disconnect
        }
        return null;
    }

    NtStatus send(WskBuf buffer, int flags, Irp irp) {
        if ((flags & ~Wsk.WSK_FLAG_NODELAY) != 0) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED); // WSK_FLAG_OOB included
        }
        SendOp reused = PendingOp.reuse(irp, SendOp.class, socket); // the IRP's last send, when it is free
        ByteBuffer[] views = BufferOp.views(reused, buffer, false);
        if (views == null) {
            if (reused != null) {
                reused.giveBack();
            }
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus refused;
        synchronized (socket.lock) { // one critical section: pend, queue, arm, write
            refused = sendRefusal();
            if (refused == null) {
                SendOp op = reused;
                if (op == null) {
                    op = new SendOp(irp, "WskSend", views, false, false);
                    op.keepInSlot(irp);
                }
                op.forSend(irp, views, buffer);
                TransportException failed = null;
                if (!sendsWaiting() && dataState == DataState.OPEN && !socket.isCloseCalled()) {
                    // Nothing queued ahead: write now. A send the transport takes whole completes without being
                    // queued or armed (no other thread could reach it meanwhile); else it queues with what was sent.
                    if (op.remaining() > 0) {
                        try {
                            op.sent = connection.write(op.views);
                        } catch (TransportException e) {
                            failed = e;
                        }
                    }
                    if (failed == null && op.remaining() == 0) {
                        return socket.completeAtOnce(op, NtStatus.STATUS_SUCCESS, op.total);
                    }
                }
                SendOp queued = socket.pendLocked(op, false, buffer, sends());
                queued.arm(null); // before the lock is released, so no other thread can complete the IRP first
                if (failed != null) {
                    failConnection(failed.status(), false);
                } else {
                    pumpWrites();
                }
                updateInterest();
                return NtStatus.STATUS_PENDING;
            }
        }
        if (reused != null) {
            reused.giveBack();
        }
        return fail(irp, refused); // outside the lock: the routine runs inline
    }

    NtStatus sendEx(WskBuf buffer, int flags, int controlInfoLength, byte[] controlInfo, Irp irp) {
        if (controlInfoLength != 0 || controlInfo != null) {
            return fail(irp, NtStatus.STATUS_NOT_SUPPORTED); // java.nio has no TCP ancillary data
        }
        return send(buffer, flags, irp);
    }

    /** Writes what the transport takes now. Called with the lock held. */
    @GuardedBy("socket.lock")
    void pumpWrites() {
        while (sendsWaiting() && writeFailure == null && dataState == DataState.OPEN) {
            SendOp head = (SendOp) sends.first();
            if (head.isFinished()) { // finished by another thread, which unlinks it next
                sends.unlink(head);
                continue;
            }
            if (head.remaining() > 0) {
                try {
                    head.sent += connection.write(head.views);
                } catch (TransportException e) {
                    failConnection(e.status(), false);
                    return;
                }
                if (head.remaining() > 0) {
                    return; // wait for writability
                }
            }
            if (head.disconnect) {
                sends.unlink(head); // completes with the FIN (maybeFinishDisconnect)
            } else {
                socket.finishLocked(head, NtStatus.STATUS_SUCCESS, head.total);
            }
        }
        maybeFinishDisconnect();
    }

    @GuardedBy("socket.lock")
    private void maybeFinishDisconnect() {
        if (disconnectOp == null || sendsWaiting() || writeFailure != null) {
            return;
        }
        SendOp op = disconnectOp;
        disconnectOp = null;
        try {
            connection.shutdownOutput();
            outputShut = true;
            finish(op, NtStatus.STATUS_SUCCESS, disconnectBytes, null);
        } catch (TransportException e) {
            finish(op, e.status());
            failConnection(e.status(), false);
        }
    }

    private void cancelSend(SendOp send) {
        synchronized (socket.lock) {
            if (sends == null || !sends.unlink(send)) {
                return; // completed (or being completed) meanwhile
            }
            if (send.sent > 0) {
                // Part of it is on the wire: the byte stream cannot be repaired, so the connection is reset.
                finish(send, NtStatus.STATUS_CANCELLED);
                failConnection(NtStatus.STATUS_CONNECTION_ABORTED, true);
                return;
            }
            finish(send, NtStatus.STATUS_CANCELLED);
            maybeFinishDisconnect();
            updateInterest();
        }
    }

    /**
     * The connection failed (or was aborted locally): every pending send, receive and disconnect completes
     * with {@code status}. Called with the lock held.
     */
    @GuardedBy("socket.lock")
    void failConnection(NtStatus status, boolean resetNow) {
        if (writeFailure == null) {
            writeFailure = status;
        }
        if (readEnd == null) {
            readEnd = status;
        }
        finishSends(status); // the disconnect among them
        disconnectOp = null;
        pumpReads();
        indicateDisconnect();
        if (resetNow) {
            connection.close(true);
        }
        updateInterest();
    }

    @Override
    public void onWritable() {
        synchronized (socket.lock) {
            pumpWrites();
            updateInterest();
        }
    }

    // ---- disconnect ----------------------------------------------------------------------------------

    NtStatus disconnect(WskBuf buffer, int flags, Irp irp) {
        if ((flags & ~Wsk.WSK_FLAG_ABORTIVE) != 0) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        if ((flags & Wsk.WSK_FLAG_ABORTIVE) != 0) {
            if (buffer != null) {
                return fail(irp, NtStatus.STATUS_INVALID_PARAMETER); // abortive: no final buffer
            }
            if (state() != State.CONNECTED) {
                return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
            }
            synchronized (socket.lock) {
                finishSends(NtStatus.STATUS_CANCELLED); // a stuck graceful disconnect among them
                disconnectOp = null;
                failConnection(NtStatus.STATUS_CONNECTION_ABORTED, true);
                return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
            }
        }
        ByteBuffer[] views = buffer == null ? NO_VIEWS : WskBufs.views(buffer, false);
        if (views == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus refused;
        synchronized (socket.lock) { // one critical section: pend, queue, arm, write
            refused = state != State.CONNECTED ? NtStatus.STATUS_INVALID_DEVICE_STATE
                    : writeFailure != null ? writeFailure
                    : outputShut || disconnectOp != null ? NtStatus.STATUS_INVALID_DEVICE_STATE : null;
            if (refused == null) {
                SendOp last = socket.pendLocked(new SendOp(irp, "WskDisconnect", views, true, false), false, buffer,
                        sends());
                disconnectOp = last;
                disconnectBytes = last.total;
                last.arm(null); // before another thread can complete it
                pumpWrites();
                updateInterest();
                return NtStatus.STATUS_PENDING;
            }
        }
        return fail(irp, refused);
    }

    private void cancelDisconnect(SendOp op) {
        synchronized (socket.lock) {
            if (disconnectOp != op) {
                return;
            }
            disconnectOp = null;
            sends().unlink(op);
            finish(op, NtStatus.STATUS_CANCELLED);
            updateInterest();
        }
    }

    /** Completes every queued send (and a queued disconnect) with {@code status}, oldest first. */
    @GuardedBy("socket.lock")
    private void finishSends(NtStatus status) {
        if (sends == null) {
            return;
        }
        for (PendingOp op : sends.drain()) {
            finish(op, status);
        }
    }

    /** After a successful WskConnectEx: sends the initial data, queued since the connect; the IRP completes then. */
    void sendInitialData() {
        synchronized (socket.lock) {
            pumpWrites();
            updateInterest();
        }
    }

    long idealSendBacklog() {
        try {
            return connection.getOption(StandardSocketOptions.SO_SNDBUF);
        } catch (TransportException e) {
            return INDICATION_CHUNK;
        }
    }
}
