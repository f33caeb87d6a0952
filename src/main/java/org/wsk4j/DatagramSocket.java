package org.wsk4j;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Mdl;
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
final class DatagramSocket extends SocketRole {

    private static final Logger LOG = LoggerFactory.getLogger(DatagramSocket.class);

    /** The largest UDP payload over IPv4 (65,535 − 20 − 8). */
    static final int MAX_DATAGRAM_IPV4 = 65_507;
    /** The largest UDP payload over IPv6 without jumbograms (65,535 − 8). */
    static final int MAX_DATAGRAM_IPV6 = 65_527;
    /** The most datagrams the provider keeps buffered for the event (declined or not yet indicated). */
    static final int MAX_BUFFERED = 64;
    /** The most bytes of indications the client may retain (returned STATUS_PENDING for, not yet released). */
    static final long RETAINED_LIMIT = 1L << 20;
    /** The most datagrams read per readiness callback (the rest on the next one: readiness is level-triggered). */
    private static final int READS_PER_CALLBACK = 64;
    /** The longest WSK_BUF_LIST accepted by WskSendMessages; a longer (or cyclic) list is rejected. */
    static final int MAX_MESSAGES = WskBufs.MAX_CHAIN;

    final TransportDatagram datagram;
    private final WskReceiveFromEvent receiveFromEvent;

    /** The queued WskReceiveFrom requests, oldest first (each a {@link PendingReceive}). */
    @GuardedBy("socket.lock")
    private final PendingQueue receives;
    /** The queued WskSendTo/WskSendMessages requests, oldest first (each a {@link PendingSend}). */
    @GuardedBy("socket.lock")
    private final PendingQueue sends;
    @GuardedBy("socket.lock")
    private final ArrayDeque<Datagram> buffered = new ArrayDeque<>();
    @GuardedBy("socket.lock")
    private final Map<WskDatagramIndication, Long> retained = new IdentityHashMap<>();
    @GuardedBy("socket.lock")
    private long retainedBytes;
    @GuardedBy("socket.lock")
    private long dropped;
    @GuardedBy("socket.lock")
    private InetSocketAddress fixedRemote;
    @GuardedBy("socket.lock")
    private InetSocketAddress sendToAddress;
    @GuardedBy("socket.lock")
    private boolean indicationScheduled;
    /** The status of a fatal transport failure; the socket is dead (STATUS_FILE_FORCED_CLOSED from now on). */
    @GuardedBy("socket.lock")
    private NtStatus deadStatus;
    @GuardedBy("socket.lock")
    private ByteBuffer scratch;

    DatagramSocket(SocketImpl socket, TransportDatagram datagram) {
        super(socket);
        this.datagram = datagram;
        this.receives = socket.newQueue();
        this.sends = socket.newQueue();
        this.receiveFromEvent = socket.clientDispatch instanceof WskClientDatagramDispatch dispatch
                ? dispatch.wskReceiveFromEvent() : null;
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

    /** How many incoming datagrams were dropped: buffer bound, retained-bytes bound, or fixed-remote filter. */
    long droppedDatagrams() {
        synchronized (socket.lock) {
            return dropped;
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
            NtStatus invalid = SocketRules.validateRemote(family, remoteAddress);
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
        return family == Wsk.AF_INET6 ? MAX_DATAGRAM_IPV6 : MAX_DATAGRAM_IPV4;
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

    // ---- WskReceiveFrom --------------------------------------------------------------------------------

    NtStatus receiveFrom(WskBuf buffer, int flags, SockAddr remoteAddress, Ref<Integer> controlLength,
                         byte[] controlInfo, Ref<Integer> controlFlags, Irp irp) {
        NtStatus refused = datagram == null || datagram.localAddress() == null
                ? NtStatus.STATUS_INVALID_DEVICE_STATE : null;
        ByteBuffer[] views = null;
        if (refused == null) {
            views = WskBufs.views(buffer, true);
            if (flags != 0 || views == null || (remoteAddress != null && !canHold(remoteAddress))) {
                refused = NtStatus.STATUS_INVALID_PARAMETER;
            }
        }
        if (refused == null) {
            synchronized (socket.lock) {
                if (deadStatus != null) {
                    refused = NtStatus.STATUS_FILE_FORCED_CLOSED;
                }
            }
        }
        if (refused != null) {
            LOG.debug("{} WskReceiveFrom refused: {}", this, refused);
            return fail(irp, refused);
        }
        PendingReceive receive;
        Datagram ready = null;
        synchronized (socket.lock) { // one critical section: pend, queue, arm, take a kept datagram
            receive = socket.pendLocked(new PendingReceive(irp, views, remoteAddress, controlLength, controlFlags),
                    true, buffer, receives);
            receive.arm(null); // before another thread can complete it
            if (receives.contains(receive)) { // not cancelled at once
                ready = buffered.pollFirst();
                if (ready != null) {
                    receives.unlink(receive); // taken off the queue: completed below, outside the lock
                } else {
                    updateInterest();
                }
            }
        }
        if (ready != null) {
            complete(receive, ready); // a datagram kept from the event (declined, or not yet indicated)
        }
        return NtStatus.STATUS_PENDING;
    }

    private boolean canHold(SockAddr address) {
        return address instanceof SockAddrStorage
                || (family == Wsk.AF_INET ? address instanceof SockAddrIn : address instanceof SockAddrIn6);
    }

    private void cancelReceive(PendingReceive receive) {
        boolean removed;
        synchronized (socket.lock) {
            removed = receives.unlink(receive);
            if (removed) {
                updateInterest();
            }
        }
        if (removed) {
            finish(receive, NtStatus.STATUS_CANCELLED);
        }
    }

    /** Stores a datagram into a receive IRP's buffer and completes it (never with the lock held). */
    private void complete(PendingReceive receive, Datagram received) {
        ByteBuffer source = ByteBuffer.wrap(received.bytes);
        int stored = WskBufs.copyInto(receive.views, source);
        if (receive.remoteAddress != null) {
            receive.remoteAddress.fill(received.sender);
        }
        if (receive.controlLength != null) {
            receive.controlLength.set(0); // java.nio has no ancillary data
            if (receive.controlFlags != null) {
                receive.controlFlags.set(stored < received.bytes.length ? Wsk.MSG_TRUNC : 0);
            }
        }
        LOG.debug("{} {} gets {} of {} bytes from {}", this, receive, stored, received.bytes.length,
                received.sender);
        finish(receive, NtStatus.STATUS_SUCCESS, stored, null);
    }

    // ---- reading -------------------------------------------------------------------------------------

    /** Transport thread: reads what pending IRPs and the event want. */
    private void onReadable() {
        List<Runnable> work = new ArrayList<>();
        boolean indicate = false;
        synchronized (socket.lock) {
            if (isCloseCalled() || deadStatus != null) {
                return;
            }
            for (int reads = 0; reads < READS_PER_CALLBACK; reads++) {
                boolean forIrp = !receives.isEmpty();
                if (!forIrp && !eventWanted()) {
                    break;
                }
                Datagram received;
                try {
                    received = readOne();
                } catch (TransportException e) {
                    if (!transient_(e.status())) {
                        die(e.status(), work);
                        break;
                    }
                    LOG.debug("{} receive reported {}", this, e.status());
                    PendingOp receive = receives.pollFirst(); // taken off the queue: finished below
                    if (receive != null) {
                        work.add(() -> finish(receive, e.status()));
                    }
                    continue;
                }
                if (received == null) {
                    break;
                }
                if (fixedRemote != null && !sameEndpoint(fixedRemote, received.sender)) {
                    dropped++;
                    LOG.debug("{} datagram from {} discarded: fixed remote is {}", this, received.sender, fixedRemote);
                    continue;
                }
                PendingReceive receive = (PendingReceive) receives.pollFirst(); // completed below, outside the lock
                if (receive != null) {
                    work.add(() -> complete(receive, received));
                } else {
                    indicate |= bufferForEvent(received);
                }
            }
            updateInterest();
        }
        work.forEach(Runnable::run);
        if (indicate) {
            scheduleIndication();
        }
    }

    /** Whether the event wants datagrams now (called with the lock held). */
    private boolean eventWanted() {
        return receiveFromEvent != null && isEventEnabled(Wsk.WSK_EVENT_RECEIVE_FROM);
    }

    @GuardedBy("socket.lock")
    private Datagram readOne() throws TransportException {
        if (scratch == null) {
            scratch = ByteBuffer.allocate(TransportDatagram.MAX_DATAGRAM);
        }
        scratch.clear();
        TransportDatagram.Received received = datagram.receive(scratch);
        if (received == null) {
            return null;
        }
        scratch.flip();
        byte[] bytes = new byte[scratch.remaining()];
        scratch.get(bytes);
        return new Datagram(bytes, inFamily(received.sender()));
    }

    /** Buffers a datagram for the event; true when an indication must be scheduled (lock held). */
    @GuardedBy("socket.lock")
    private boolean bufferForEvent(Datagram received) {
        if (retainedBytes + received.bytes.length > RETAINED_LIMIT) {
            dropped++;
            LOG.debug("{} datagram dropped: {} bytes retained by the client", this, retainedBytes);
            return false;
        }
        if (buffered.size() >= MAX_BUFFERED) {
            buffered.pollFirst();
            dropped++;
            LOG.debug("{} oldest buffered datagram dropped", this);
        }
        buffered.addLast(received);
        if (indicationScheduled) {
            return false;
        }
        indicationScheduled = true;
        return true;
    }

    private static boolean transient_(NtStatus status) {
        return status == NtStatus.STATUS_PORT_UNREACHABLE || status == NtStatus.STATUS_HOST_UNREACHABLE
                || status == NtStatus.STATUS_NETWORK_UNREACHABLE || status == NtStatus.STATUS_CONNECTION_RESET
                || status == NtStatus.STATUS_CONNECTION_REFUSED;
    }

    /** A fatal transport failure: pending receives fail, the event hears a null indication once (lock held). */
    @GuardedBy("socket.lock")
    private void die(NtStatus status, List<Runnable> work) {
        LOG.debug("{} transport failed: {}; the socket is dead", this, status);
        deadStatus = status;
        buffered.clear();
        for (PendingOp receive : receives.drain()) { // taken off the queue: finished by the work
            work.add(() -> finish(receive, status));
        }
        if (eventWanted()) {
            work.add(() -> deliver(Wsk.WSK_EVENT_RECEIVE_FROM,
                    () -> receiveFromEvent.wskReceiveFromEvent(context(), Wsk.WSK_FLAG_AT_DISPATCH_LEVEL, null)));
        }
    }

    /** Sets the transport interest: READ while someone wants datagrams, WRITE while a send waits (lock held). */
    @GuardedBy("socket.lock")
    private void updateInterest() {
        if (datagram == null || datagram.localAddress() == null || isCloseCalled()) {
            return;
        }
        int ops = 0;
        if (deadStatus == null && (!receives.isEmpty() || eventWanted())) {
            ops |= TransportHandler.READ;
        }
        if (!sends.isEmpty()) {
            ops |= TransportHandler.WRITE;
        }
        datagram.setInterest(ops);
    }

    // ---- WskReceiveFromEvent ---------------------------------------------------------------------------

    private void scheduleIndication() {
        deliver(Wsk.WSK_EVENT_RECEIVE_FROM, this::indicate);
    }

    /** Serial queue, DISPATCH_LEVEL: indicates every buffered datagram as one chain. */
    private void indicate() {
        List<Datagram> batch;
        synchronized (socket.lock) {
            indicationScheduled = false;
            if (!receives.isEmpty() || buffered.isEmpty()) {
                return; // an IRP arrived meanwhile and took precedence, or nothing is left
            }
            batch = new ArrayList<>(buffered);
            buffered.clear();
        }
        WskDatagramIndication head = null;
        List<Mdl> mdls = new ArrayList<>(batch.size());
        long bytes = 0;
        for (int i = batch.size() - 1; i >= 0; i--) {
            Datagram d = batch.get(i);
            ByteBuffer copy = ByteBuffer.allocate(d.bytes.length).put(d.bytes).flip();
            Mdl mdl = Io.allocateMdl(copy, 0, d.bytes.length);
            mdls.add(mdl);
            bytes += d.bytes.length;
            head = new WskDatagramIndication(head, new WskBuf(mdl, 0, d.bytes.length), null, SockAddr.of(d.sender));
        }
        LOG.debug("{} indicates {} datagram(s), {} bytes", this, batch.size(), bytes);
        NtStatus status = receiveFromEvent.wskReceiveFromEvent(context(), Wsk.WSK_FLAG_AT_DISPATCH_LEVEL, head);
        if (status == NtStatus.STATUS_PENDING) {
            synchronized (socket.lock) {
                retained.put(head, bytes);
                retainedBytes += bytes;
            }
            return;
        }
        mdls.forEach(Io::freeMdl); // WSK takes its buffers back
        if (status != NtStatus.STATUS_DATA_NOT_ACCEPTED) {
            if (status != NtStatus.STATUS_SUCCESS) {
                LOG.debug("{} WskReceiveFromEvent returned {}: treated as STATUS_SUCCESS", this, status);
            }
            return;
        }
        boolean indicateAgain = false;
        synchronized (socket.lock) {
            // Keep the declined datagrams, oldest first, ahead of anything that arrived meanwhile.
            List<Datagram> declined = new ArrayList<>(batch);
            declined.addAll(buffered);
            buffered.clear();
            int excess = Math.max(0, declined.size() - MAX_BUFFERED);
            dropped += excess;
            buffered.addAll(declined.subList(excess, declined.size()));
            if (socket.isStaticEvent(Wsk.WSK_EVENT_RECEIVE_FROM)) {
                LOG.debug("{} static WskReceiveFromEvent declined {} datagram(s): kept", this, batch.size());
            } else {
                socket.clearEvent(Wsk.WSK_EVENT_RECEIVE_FROM);
                LOG.debug("{} WskReceiveFromEvent declined {} datagram(s): kept, event disabled", this, batch.size());
            }
            if (!receives.isEmpty()) {
                // IRPs queued while the callback ran take the kept datagrams
                List<Runnable> work = new ArrayList<>();
                while (!receives.isEmpty() && !buffered.isEmpty()) {
                    PendingReceive receive = (PendingReceive) receives.pollFirst(); // completed by the work
                    Datagram d = buffered.pollFirst();
                    work.add(() -> complete(receive, d));
                }
                updateInterest();
                post(() -> work.forEach(Runnable::run));
                return;
            }
            updateInterest();
            if (isEventEnabled(Wsk.WSK_EVENT_RECEIVE_FROM) && buffered.size() > batch.size() && !indicationScheduled) {
                indicationScheduled = true; // datagrams arrived during the callback: a static event hears of them
                indicateAgain = true;
            }
        }
        if (indicateAgain) {
            scheduleIndication();
        }
    }

    @Override
    int retainedIndications() {
        synchronized (socket.lock) {
            return retained.size();
        }
    }

    NtStatus release(WskDatagramIndication indication) {
        List<Mdl> mdls = new ArrayList<>();
        synchronized (socket.lock) {
            Long bytes = indication == null ? null : retained.remove(indication);
            if (bytes == null) {
                return NtStatus.STATUS_INVALID_PARAMETER; // not a retained list head, or already released
            }
            retainedBytes -= bytes;
            for (WskDatagramIndication d = indication; d != null; d = d.next()) {
                mdls.add(d.buffer().mdl());
            }
        }
        for (Mdl mdl : mdls) {
            if (mdl != null && !mdl.isFreed()) {
                Io.freeMdl(mdl);
            }
        }
        LOG.debug("{} WskRelease of a retained list", this);
        return NtStatus.STATUS_SUCCESS;
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
            NtStatus invalid = sockAddr == null ? NtStatus.STATUS_INVALID_PARAMETER : SocketRules.validateRemote(family, sockAddr);
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
                        if (!sameEndpoint(address, it.next().sender)) {
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

    // ---- addresses -------------------------------------------------------------------------------------

    /** A sender as the socket's family reports it: IPv4 senders of a dual-stack IPv6 socket as ::ffff:a.b.c.d. */
    private InetSocketAddress inFamily(InetSocketAddress sender) {
        if (family == Wsk.AF_INET6 && sender.getAddress() instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(sender.getAddress().getAddress(), 0, mapped, 12, 4);
            return new InetSocketAddress(SockAddrIn6.ipv6(mapped), sender.getPort());
        }
        return sender;
    }

    private static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
        InetAddress x = a.getAddress();
        InetAddress y = b.getAddress();
        return a.getPort() == b.getPort() && x != null && y != null
                && (Arrays.equals(x.getAddress(), y.getAddress()) || Arrays.equals(mapped(x), mapped(y)));
    }

    private static byte[] mapped(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }

    // ---- state records ---------------------------------------------------------------------------------

    /** A received datagram: its bytes (never truncated here) and its sender. */
    private record Datagram(byte[] bytes, InetSocketAddress sender) {
    }

    /** A queued WskReceiveFrom: the operation with its arguments; cancelling it is {@link #cancelReceive}. */
    private final class PendingReceive extends PendingOp {
        final ByteBuffer[] views;
        final SockAddr remoteAddress;
        final Ref<Integer> controlLength;
        final Ref<Integer> controlFlags;

        PendingReceive(Irp irp, ByteBuffer[] views, SockAddr remoteAddress, Ref<Integer> controlLength,
                       Ref<Integer> controlFlags) {
            super(socket, irp, "WskReceiveFrom");
            this.views = views;
            this.remoteAddress = remoteAddress;
            this.controlLength = controlLength;
            this.controlFlags = controlFlags;
        }

        @Override
        void cancelled() {
            cancelReceive(this);
        }
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
}
