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
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.internal.GuardedBy;

/**
 * The receive side of a datagram role: WskReceiveFrom requests, reading from the transport, the datagrams kept for
 * WskReceiveFromEvent and their indication, WskRelease, the fixed-remote filter, and the readiness interest. The send
 * side, the IOCTLs and the role's hooks are in {@link DatagramSocket}, the one concrete class.
 *
 * <p>State is guarded by the socket's lock. Completion routines and callbacks never run while it is held.
 */
abstract sealed class DatagramReceivePath extends SocketRole permits DatagramSocket {

    private static final Logger LOG = LoggerFactory.getLogger(DatagramReceivePath.class);

    /** The most datagrams the provider keeps buffered for the event (declined or not yet indicated). */
    static final int MAX_BUFFERED = 64;

    /** The most bytes of indications the client may retain (returned STATUS_PENDING for, not yet released). */
    static final long RETAINED_LIMIT = 1L << 20;

    /** The most datagrams read per readiness callback (the rest on the next one: readiness is level-triggered). */
    static final int READS_PER_CALLBACK = 64;

    final TransportDatagram datagram;

    final WskReceiveFromEvent receiveFromEvent;

    /** The queued WskReceiveFrom requests, oldest first (each a {@link PendingReceive}). */
    @GuardedBy("socket.lock")
    final PendingQueue receives;

    @GuardedBy("socket.lock")
    final ArrayDeque<Datagram> buffered = new ArrayDeque<>();

    @GuardedBy("socket.lock")
    final Map<WskDatagramIndication, Long> retained = new IdentityHashMap<>();

    @GuardedBy("socket.lock")
    long retainedBytes;

    @GuardedBy("socket.lock")
    long dropped;

    @GuardedBy("socket.lock")
    InetSocketAddress fixedRemote;

    @GuardedBy("socket.lock")
    boolean indicationScheduled;

    /** The status of a fatal transport failure; the socket is dead (STATUS_FILE_FORCED_CLOSED from now on). */
    @GuardedBy("socket.lock")
    NtStatus deadStatus;

    @GuardedBy("socket.lock")
    ByteBuffer scratch;

    /** How many incoming datagrams were dropped: buffer bound, retained-bytes bound, or fixed-remote filter. */
    long droppedDatagrams() {
        synchronized (socket.lock) {
            return dropped;
        }
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

    boolean canHold(SockAddr address) {
        return address instanceof SockAddrStorage
                || (socket.family == Wsk.AF_INET ? address instanceof SockAddrIn : address instanceof SockAddrIn6);
    }

    void cancelReceive(PendingReceive receive) {
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
    void complete(PendingReceive receive, Datagram received) {
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
    void onReadable() {
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
    boolean eventWanted() {
        return receiveFromEvent != null && isEventEnabled(Wsk.WSK_EVENT_RECEIVE_FROM);
    }

    @GuardedBy("socket.lock")
    Datagram readOne() throws TransportException {
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
    boolean bufferForEvent(Datagram received) {
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

    static boolean transient_(NtStatus status) {
        return status == NtStatus.STATUS_PORT_UNREACHABLE || status == NtStatus.STATUS_HOST_UNREACHABLE
                || status == NtStatus.STATUS_NETWORK_UNREACHABLE || status == NtStatus.STATUS_CONNECTION_RESET
                || status == NtStatus.STATUS_CONNECTION_REFUSED;
    }

    /** A fatal transport failure: pending receives fail, the event hears a null indication once (lock held). */
    @GuardedBy("socket.lock")
    void die(NtStatus status, List<Runnable> work) {
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
    void updateInterest() {
        if (datagram == null || datagram.localAddress() == null || isCloseCalled()) {
            return;
        }
        int ops = 0;
        if (deadStatus == null && (!receives.isEmpty() || eventWanted())) {
            ops |= TransportHandler.READ;
        }
        if (sendsWaiting()) {
            ops |= TransportHandler.WRITE;
        }
        datagram.setInterest(ops);
    }

    // ---- WskReceiveFromEvent ---------------------------------------------------------------------------

    void scheduleIndication() {
        deliver(Wsk.WSK_EVENT_RECEIVE_FROM, this::indicate);
    }

    /** Serial queue, DISPATCH_LEVEL: indicates every buffered datagram as one chain. */
    void indicate() {
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

    // ---- addresses -------------------------------------------------------------------------------------

    /** A sender as the socket's family reports it: IPv4 senders of a dual-stack IPv6 socket as ::ffff:a.b.c.d. */
    InetSocketAddress inFamily(InetSocketAddress sender) {
        if (socket.family == Wsk.AF_INET6 && sender.getAddress() instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(sender.getAddress().getAddress(), 0, mapped, 12, 4);
            return new InetSocketAddress(SockAddrIn6.ipv6(mapped), sender.getPort());
        }
        return sender;
    }

    static boolean sameEndpoint(InetSocketAddress a, InetSocketAddress b) {
        InetAddress x = a.getAddress();
        InetAddress y = b.getAddress();
        return a.getPort() == b.getPort() && x != null && y != null
                && (Arrays.equals(x.getAddress(), y.getAddress()) || Arrays.equals(mapped(x), mapped(y)));
    }

    static byte[] mapped(InetAddress address) {
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
    record Datagram(byte[] bytes, InetSocketAddress sender) {
    }

    /** A queued WskReceiveFrom: the operation with its arguments; cancelling it is {@link #cancelReceive}. */
    final class PendingReceive extends PendingOp {
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

    DatagramReceivePath(SocketImpl socket, TransportDatagram datagram) {
        super(socket);
        this.datagram = datagram;
        this.receives = socket.newQueue();
        this.receiveFromEvent = socket.clientDispatch instanceof WskClientDatagramDispatch dispatch
                ? dispatch.wskReceiveFromEvent() : null;
    }

    /** Whether sends wait for writability. */
    @GuardedBy("socket.lock")
    abstract boolean sendsWaiting();
}
