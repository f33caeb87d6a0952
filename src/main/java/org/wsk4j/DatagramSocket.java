package org.wsk4j;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.internal.GuardedBy;

/**
 * A datagram socket ({@code WSK_FLAG_DATAGRAM_SOCKET}): bind, send and receive datagrams.
 *
 * <p><b>Receiving.</b> Datagrams are read on the transport's thread, only while someone wants them: a
 * WskReceiveFrom IRP is pending, or WskReceiveFromEvent is enabled (READ interest is cleared otherwise, so
 * unwanted datagrams wait in the OS socket buffer). Pending WskReceiveFrom IRPs are served first, in FIFO
 * order, one datagram each; only when none is pending is a datagram indicated to the event. Datagrams the
 * event declined (STATUS_DATA_NOT_ACCEPTED) stay buffered in the provider, at most {@link #MAX_BUFFERED}
 * (the oldest is dropped beyond), and go to the next WskReceiveFrom IRP or the next indication.
 *
 * <p><b>Indications.</b> Each indication carries every datagram buffered at the time it runs (a batch of up
 * to {@link #MAX_BUFFERED}), as a chain of {@link WskDatagramIndication}s over WSK-owned copies (one buffer
 * and one MDL per datagram). The bytes of lists the client retains (STATUS_PENDING) are bounded by
 * {@link #RETAINED_LIMIT}; beyond it incoming datagrams are dropped and counted ({@link #droppedDatagrams()})
 * instead of indicated, until WskRelease frees room.
 *
 * <p><b>Sending.</b> WskSendTo and WskSendMessages complete only once every datagram was handed to the
 * transport; while the transport cannot take one, the request waits (WRITE interest) and later requests queue
 * behind it, FIFO.
 *
 * <p>State is guarded by the socket's lock. Completion routines and callbacks never run while it is held.
 */
final class DatagramSocket extends DatagramReceivePath {

    private static final Logger LOG = LoggerFactory.getLogger(DatagramSocket.class);

    /** The largest UDP payload over IPv4 (65,535 − 20 − 8). */
    static final int MAX_DATAGRAM_IPV4 = 65_507;

    /** The largest UDP payload over IPv6 without jumbograms (65,535 − 8). */
    static final int MAX_DATAGRAM_IPV6 = 65_527;

    /** The longest WSK_BUF_LIST accepted by WskSendMessages; a longer (or cyclic) list is rejected. */
    static final int MAX_MESSAGES = WskBufs.MAX_CHAIN;

    /** The queued WskSendTo/WskSendMessages requests, oldest first (each a {@link PendingSend}). */
    @GuardedBy("socket.lock")
    private final PendingQueue sends;

    @GuardedBy("socket.lock")
    private InetSocketAddress sendToAddress;

    DatagramSocket(SocketImpl socket, TransportDatagram datagram) {
        super(socket, datagram);
        this.sends = socket.newQueue();
        if (datagram != null) {
            datagram.setHandler(new TransportHandler() {
                @Override
                public void onReadable() {
                    DatagramSocket.this.onReadable();
                }

                @Override
                public void onWritable() {
                    DatagramSocket.this.onWritable();
                }
            });
        }
    }

    @Override
    TransportEndpoint endpoint() {
        return datagram;
    }

    @Override
    void closeEndpoint() {
        synchronized (socket.lock) {
            buffered.clear(); // the close cancelled the queued requests already
        }
        if (datagram != null) {
            datagram.close(true);
        }
    }

    @Override
    boolean eventsAllowedNow() {
        return datagram != null && datagram.localAddress() != null;
    }

    @Override
    @GuardedBy("socket.lock")
    void onBound() {
        updateInterest(); // a statically enabled WskReceiveFromEvent starts listening now
    }

    @Override
    void onEventsEnabled(int enabled) {
        if ((enabled & Wsk.WSK_EVENT_RECEIVE_FROM) == 0) {
            return;
        }
        boolean indicate;
        synchronized (socket.lock) {
            updateInterest();
            indicate = !buffered.isEmpty() && receives.isEmpty();
            if (indicate) {
                indicationScheduled = true; // a delivery skipped while disabled may have left the flag set
            }
        }
        if (indicate) {
            scheduleIndication();
        }
    }

    // ---- WskSendTo / WskSendMessages ---------------------------------------------------------------------

    NtStatus sendTo(WskBuf buffer, int flags, SockAddr remoteAddress, int controlInfoLength, byte[] controlInfo,
                    Irp irp) {
        NtStatus refused = sendState();
        if (refused == null && flags != 0) {
            refused = NtStatus.STATUS_INVALID_PARAMETER; // Flags is reserved
        }
        List<ByteBuffer> payloads = new ArrayList<>(1);
        if (refused == null) {
            refused = addPayload(buffer, payloads);
        }
        return sendOrRefuse(irp, "WskSendTo", refused, payloads, remoteAddress, buffer);
    }

    /** Checks one datagram's buffer and adds its bytes to {@code payloads}; null, or why it is refused. */
    private NtStatus addPayload(WskBuf buffer, List<ByteBuffer> payloads) {
        ByteBuffer[] views = WskBufs.views(buffer, false);
        if (views == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (WskBufs.remaining(views) > maxDatagram()) {
            return NtStatus.STATUS_INVALID_BUFFER_SIZE;
        }
        payloads.add(gather(views));
        return null;
    }

    /** The common end of WskSendTo and WskSendMessages: the destination's checks, then the send or the refusal. */
    private NtStatus sendOrRefuse(Irp irp, String kind, NtStatus refusal, List<ByteBuffer> payloads,
                                  SockAddr remoteAddress, WskBuf... buffers) {
        NtStatus refused = refusal;
        InetSocketAddress target = null;
        if (refused == null) {
            Ref<InetSocketAddress> destination = new Ref<>();
            refused = destination(remoteAddress, destination);
            target = destination.get();
        }
        if (refused != null) {
            LOG.debug("{} {} refused: {}", this, kind, refused);
            return fail(irp, refused);
        }
        return startSend(irp, kind, payloads, target, buffers);
    }

    NtStatus sendMessages(WskBufList bufferList, int flags, SockAddr remoteAddress, int controlInfoLength,
                          byte[] controlInfo, Irp irp) {
        NtStatus refused = sendState();
        if (refused == null && (flags != 0 || bufferList == null)) {
            refused = NtStatus.STATUS_INVALID_PARAMETER;
        }
        List<ByteBuffer> payloads = new ArrayList<>();
        for (WskBufList element = bufferList; refused == null && element != null; element = element.next()) {
            refused = payloads.size() >= MAX_MESSAGES ? NtStatus.STATUS_INVALID_PARAMETER
                    : addPayload(element.buffer(), payloads);
        }
        return sendOrRefuse(irp, "WskSendMessages", refused, payloads, remoteAddress, buffers(bufferList));
    }

    private NtStatus sendState() {
        if (datagram == null || datagram.localAddress() == null) {
            return NtStatus.STATUS_INVALID_DEVICE_STATE;
        }
        synchronized (socket.lock) {
            return deadStatus != null ? NtStatus.STATUS_FILE_FORCED_CLOSED : null;
        }
    }

    /** Resolves the destination: the given address, else the send-to address, else the fixed remote address. */
    private NtStatus destination(SockAddr remoteAddress, Ref<InetSocketAddress> target) {
        if (remoteAddress != null) {
            NtStatus invalid = SocketRules.validateRemote(socket.family, remoteAddress);
            if (invalid != null) {
                return invalid;
            }
            target.set(remoteAddress.toInetSocketAddress());
            return null;
        }
        synchronized (socket.lock) {
            target.set(sendToAddress != null ? sendToAddress : fixedRemote);
        }
        return target.get() == null ? NtStatus.STATUS_INVALID_PARAMETER : null;
    }

    private int maxDatagram() {
        return socket.family == Wsk.AF_INET6 ? MAX_DATAGRAM_IPV6 : MAX_DATAGRAM_IPV4;
    }

    /** One buffer over the views: the view itself when there is one, else a copy. */
    private static ByteBuffer gather(ByteBuffer[] views) {
        if (views.length == 1) {
            return views[0];
        }
        ByteBuffer all = ByteBuffer.allocate((int) WskBufs.remaining(views));
        for (ByteBuffer view : views) {
            all.put(view.duplicate());
        }
        return all.flip();
    }

    /** The buffers of a WskSendMessages list, in order. */
    private static WskBuf[] buffers(WskBufList list) {
        List<WskBuf> all = new ArrayList<>();
        for (WskBufList element = list; element != null && all.size() <= MAX_MESSAGES; element = element.next()) {
            all.add(element.buffer());
        }
        return all.toArray(new WskBuf[0]);
    }

    private NtStatus startSend(Irp irp, String kind, List<ByteBuffer> payloads, InetSocketAddress target,
                               WskBuf... buffers) {
        List<Runnable> completions = new ArrayList<>();
        synchronized (socket.lock) { // one critical section: pend, queue, arm, send
            PendingSend send = socket.pend(new PendingSend(irp, kind, payloads, target), false, buffers, sends);
            LOG.debug("{} {}: {} datagram(s) to {}", this, send, payloads.size(), target);
            // Armed before the transport thread can take the lock, so that a cancel routine is never set on an IRP
            // another thread already completed.
            send.arm(null);
            pumpSends(completions);
            updateInterest();
        }
        completions.forEach(Runnable::run);
        return NtStatus.STATUS_PENDING;
    }

    private void cancelSend(PendingSend send) {
        boolean removed;
        synchronized (socket.lock) {
            removed = sends.unlink(send);
            if (removed) {
                updateInterest();
            }
        }
        if (removed) {
            finish(send, NtStatus.STATUS_CANCELLED, send.sent, null);
        }
    }

    /** Hands queued datagrams to the transport, FIFO, until it cannot take more (called with the lock held). */
    @GuardedBy("socket.lock")
    private void pumpSends(List<Runnable> completions) {
        while (!sends.isEmpty()) {
            PendingSend send = (PendingSend) sends.first();
            if (send.isFinished()) { // finished by another thread, which unlinks it next
                sends.unlink(send);
                continue;
            }
            NtStatus failure = null;
            while (send.next < send.payloads.size()) {
                ByteBuffer payload = send.payloads.get(send.next).duplicate();
                int length = payload.remaining();
                try {
                    if (!datagram.send(payload, send.target)) {
                        return; // the transport is full: wait for writability
                    }
                } catch (TransportException e) {
                    failure = e.status();
                    break;
                }
                send.sent += length;
                send.next++;
            }
            sends.unlink(send); // taken off the queue: finished below, outside the lock
            NtStatus status = failure == null ? NtStatus.STATUS_SUCCESS : failure;
            long information = send.sent;
            completions.add(() -> finish(send, status, information, null));
        }
    }

    private void onWritable() {
        List<Runnable> completions = new ArrayList<>();
        synchronized (socket.lock) {
            if (isCloseCalled()) {
                return;
            }
            pumpSends(completions);
            updateInterest();
        }
        completions.forEach(Runnable::run);
    }

    // ---- IOCTLs --------------------------------------------------------------------------------------

    @Override
    NtStatus ioctl(int controlCode, long inputSize, Object inputBuffer, long outputSize, Object outputBuffer,
                   Ref<Long> outputSizeReturned, Irp irp) {
        if (controlCode != Wsk.SIO_WSK_SET_REMOTE_ADDRESS && controlCode != Wsk.SIO_WSK_SET_SENDTO_ADDRESS) {
            return super.ioctl(controlCode, inputSize, inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp);
        }
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER; // the IRP is required
        }
        if (!socket.isBound()) {
            return controlDone(irp, NtStatus.STATUS_INVALID_DEVICE_STATE, 0);
        }
        InetSocketAddress address = null;
        if (inputSize != 0 && inputBuffer != null) {
            SockAddr sockAddr = sockAddrInput(inputSize, inputBuffer);
            if (sockAddr instanceof SockAddrStorage storage) {
                sockAddr = storage.get();
            }
            NtStatus invalid = sockAddr == null ? NtStatus.STATUS_INVALID_PARAMETER : SocketRules.validateRemote(socket.family, sockAddr);
            if (invalid != null) {
                return controlDone(irp, invalid, 0);
            }
            address = sockAddr.toInetSocketAddress();
        }
        synchronized (socket.lock) {
            if (controlCode == Wsk.SIO_WSK_SET_REMOTE_ADDRESS) {
                fixedRemote = address;
                if (address != null) {
                    // datagrams from other peers buffered before the filter was set are discarded too
                    for (Iterator<Datagram> it = buffered.iterator(); it.hasNext(); ) {
                        if (!sameEndpoint(address, it.next().sender())) {
                            it.remove();
                            dropped++;
                        }
                    }
                }
            } else {
                sendToAddress = address;
            }
        }
        LOG.debug("{} {} = {}", this, controlCode == Wsk.SIO_WSK_SET_REMOTE_ADDRESS ? "SIO_WSK_SET_REMOTE_ADDRESS"
                : "SIO_WSK_SET_SENDTO_ADDRESS", address);
        return controlDone(irp, NtStatus.STATUS_SUCCESS, 0);
    }

    /** The SOCKADDR input of an IOCTL: a {@link SockAddr}, or its wire layout as a byte[]; null when invalid. */
    private static SockAddr sockAddrInput(long inputSize, Object input) {
        if (input instanceof SockAddr sockAddr) {
            return inputSize >= sockAddr.length() || (sockAddr instanceof SockAddrStorage storage
                    && storage.get() != null && inputSize >= storage.get().length()) ? sockAddr : null;
        }
        if (input instanceof byte[] bytes) {
            try {
                return SockAddr.fromBytes(Arrays.copyOf(bytes, (int) Math.min(bytes.length, inputSize)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /** A queued WskSendTo/WskSendMessages; cancelling it is {@link #cancelSend}. */
    private final class PendingSend extends PendingOp {
        final List<ByteBuffer> payloads;
        final InetSocketAddress target;
        /** Guarded by the socket's lock: the next datagram to send, bytes sent. */
        int next;
        long sent;

        PendingSend(Irp irp, String kind, List<ByteBuffer> payloads, InetSocketAddress target) {
            super(socket, irp, kind);
            this.payloads = payloads;
            this.target = target;
        }

        @Override
        void cancelled() {
            cancelSend(this);
        }
    }

    @Override
    @GuardedBy("socket.lock")
    boolean sendsWaiting() {
        return !sends.isEmpty();
    }
}
