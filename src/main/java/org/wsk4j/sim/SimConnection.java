package org.wsk4j.sim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.ScheduledTask;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/**
 * One end of a simulated TCP connection. Each direction holds at most the configured buffer size in flight
 * plus unread, so writes return partial counts or 0 and WRITE readiness follows the reader. Guarded by the
 * network's lock.
 */
final class SimConnection extends SimEndpoint implements TransportConnection {

    enum State { OPEN, CONNECTING, CONNECTED, FAILED }

    /** What both ends of one connection share: the reset-after budget of a ResetAfter fault. */
    static final class Link {
        long resetAfter = -1;
        long transferred;
        boolean reset;

        /** Resets both ends once the budget is spent (network lock held). */
        void checkReset(SimNetwork network, SimConnection end) {
            if (resetAfter >= 0 && !reset && transferred >= resetAfter) {
                reset = true;
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(end.id + " reset by the network after " + transferred + " bytes");
                }
                end.fail(NtStatus.STATUS_CONNECTION_RESET);
                if (end.peer != null) {
                    end.peer.fail(NtStatus.STATUS_CONNECTION_RESET);
                }
            }
        }
    }

    /** A passive peer (scripted connect with nobody listening): discards data, answers FIN with FIN. */
    final boolean passive;
    State state = State.OPEN;
    InetSocketAddress remote;
    SimConnection peer;
    Link link;
    /** The most one write takes (PartialSend), 0 for no limit. */
    int maxWrite;
    // connect
    ConnectCallback callback;
    ScheduledTask connectTimer;
    SimNetwork.AttemptState attempt;
    InetSocketAddress connectTarget;
    /** Whether the accept hook was consulted for this connect; what a Delay accept fault deferred. */
    boolean acceptHookDone;
    Fault acceptFault;
    /** When this end last heard from its peer (virtual ns); the keep-alive timer while probes go unanswered. */
    long lastActivity;
    private ScheduledTask keepAliveTimer;
    /** Writes that took bytes so far (the send hook's per-connection count). */
    private int sends;
    // inbound direction
    private ArrayDeque<ByteBuffer> readable; // created by the first delivery: a passive peer never has one
    private long readableBytes;
    private long inFlight;
    private boolean finArrived;
    private boolean outputShut;
    private NtStatus failure;
    // outbound direction: when its last queued byte has left (virtual ns)
    private long outFreeAt;
    /** With a link profile: when the last segment sent arrives (virtual ns), so jitter never reorders TCP. */
    private long lastArrival;
    /** Sequence numbers for the packet capture: the next to send, the next expected from the peer. */
    long sndNxt;
    long rcvNxt;
    // inbound segments a partition stopped, in order: byte[] data, FIN or RST (null until the first)
    private ArrayDeque<Object> held;
    private static final Object FIN = "FIN";
    private static final Object RST = "RST";
    /** When the first held segment was held (virtual ns); whether the sender gave up on it. */
    private long heldSince;
    private boolean retransmissionTimedOut;
    private ScheduledTask retransmitTimer;

    SimConnection(SimNetwork network, SimTransport transport, int family, SimNetwork.EndpointId id, boolean passive) {
        super(network, transport, family, id);
        this.passive = passive;
        this.lastActivity = network.now();
    }

    @Override
    boolean datagram() {
        return false;
    }

    @Override
    int readyOps() {
        if (state != State.CONNECTED) {
            return 0;
        }
        int ops = 0;
        if (failure != null || readableBytes > 0 || finArrived) {
            ops |= TransportHandler.READ;
        }
        if (failure != null || (!outputShut && peer != null && window() > 0)) {
            ops |= TransportHandler.WRITE;
        }
        return ops;
    }

    /** What the peer's inbound direction can still take. */
    private long window() {
        return network.config().bufferSize() - peer.inFlight - peer.readableBytes;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        synchronized (network.lock) {
            return state == State.CONNECTED ? remote : null;
        }
    }

    @Override
    public void connect(InetSocketAddress remoteAddress, ConnectCallback callback) {
        synchronized (network.lock) {
            if (closed || state != State.OPEN || local == null) {
                NtStatus status = closed ? NtStatus.STATUS_CANCELLED : NtStatus.STATUS_INVALID_DEVICE_STATE;
                transport.callbacks.execute(() -> callback.connectCompleted(status, null));
                return;
            }
            state = State.CONNECTING;
            network.startConnect(this, remoteAddress, callback);
        }
    }

    /**
     * Whether this end is inert (its host crashed under the provider: reads and writes do nothing); otherwise
     * checks that it can read and write (network lock held).
     */
    private boolean inert() throws TransportException {
        if (crashed && !closed) {
            return true;
        }
        checkUsable();
        return false;
    }

    private void checkUsable() throws TransportException {
        if (failure != null) {
            throw new TransportException(failure, null);
        }
        if (closed) {
            throw new TransportException(NtStatus.STATUS_FILE_FORCED_CLOSED, null);
        }
        if (state != State.CONNECTED) {
            throw new TransportException(NtStatus.STATUS_INVALID_DEVICE_STATE, null);
        }
    }

    @Override
    public long read(ByteBuffer[] destinations) throws TransportException {
        synchronized (network.lock) {
            if (inert()) {
                return 0;
            }
            long copied = 0;
            for (ByteBuffer destination : destinations) {
                while (destination.hasRemaining() && readable != null && !readable.isEmpty()) {
                    ByteBuffer head = readable.peekFirst();
                    int n = Math.min(head.remaining(), destination.remaining());
                    ByteBuffer slice = head.duplicate();
                    slice.limit(slice.position() + n);
                    destination.put(slice);
                    head.position(head.position() + n);
                    if (!head.hasRemaining()) {
                        readable.pollFirst();
                    }
                    copied += n;
                }
            }
            readableBytes -= copied;
            if (copied > 0) {
                peer.poke(); // room in this direction again
                return copied;
            }
            return finArrived && hasRoom(destinations) ? -1 : 0;
        }
    }

    private static boolean hasRoom(ByteBuffer[] buffers) {
        for (ByteBuffer buffer : buffers) {
            if (buffer.hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long write(ByteBuffer[] sources) throws TransportException {
        synchronized (network.lock) {
            if (inert()) {
                return 0;
            }
            if (outputShut) {
                throw new TransportException(NtStatus.STATUS_PIPE_DISCONNECTED, null);
            }
            long room = window();
            if (maxWrite > 0) {
                room = Math.min(room, maxWrite);
            }
            long available = 0;
            for (ByteBuffer source : sources) {
                available += source.remaining();
            }
            int n = (int) Math.min(room, available);
            if (n <= 0) {
                return 0;
            }
            Fault fault = remote == null ? null : network.sendFault(remote, sends);
            long hold = 0;
            if (fault != null) {
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(id + " send#" + (sends + 1) + " fault=" + fault);
                }
                if (fault instanceof Fault.Delay) {
                    hold = ((Fault.Delay) fault).delay().toNanos();
                    fault = ((Fault.Delay) fault).then();
                }
            }
            sends++;
            if (fault instanceof Fault.FailWith) {
                throw new TransportException(((Fault.FailWith) fault).status(), null);
            }
            if (fault instanceof Fault.Abort) {
                SimConnection other = peer;
                captureReset();
                fail(NtStatus.STATUS_CONNECTION_ABORTED);
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(id + " RST to " + other.id);
                }
                network.after(network.config().deliveryLatency(), () -> other.fail(NtStatus.STATUS_CONNECTION_RESET));
                throw new TransportException(NtStatus.STATUS_CONNECTION_ABORTED, null);
            }
            if (fault instanceof Fault.PartialSend) {
                n = Math.min(n, ((Fault.PartialSend) fault).maxBytesPerWrite());
            }
            byte[] data = new byte[n];
            int at = 0;
            for (ByteBuffer source : sources) {
                int take = Math.min(source.remaining(), n - at);
                source.get(data, at, take);
                at += take;
                if (at == n) {
                    break;
                }
            }
            SimConnection receiver = peer;
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " send " + n + "B");
            }
            capture(PacketCapture.PSH | PacketCapture.ACK, data, n);
            outFreeAt = Math.max(network.now(), outFreeAt) + hold;
            if (fault instanceof Fault.ResetAfter) {
                int keep = (int) Math.min(n, ((Fault.ResetAfter) fault).bytes());
                byte[] kept = java.util.Arrays.copyOf(data, keep);
                receiver.inFlight += keep;
                Link shared = link;
                SimConnection sender = this;
                int sendNumber = sends;
                network.after(departure(keep), () -> {
                    receiver.arrive(kept);
                    if (!shared.reset) {
                        shared.reset = true;
                        if (network.logging()) { // no event string built when nobody records or logs it
                            network.log(id + " reset by the network after send#" + sends + " (" + keep + "B of it)");
                        }
                        sender.fail(NtStatus.STATUS_CONNECTION_RESET);
                        receiver.fail(NtStatus.STATUS_CONNECTION_RESET);
                    }
                });
                return n;
            }
            receiver.inFlight += n;
            if (fault instanceof Fault.Hold) {
                receiver.parkOnArrival(data);
            }
            network.after(departure(n), () -> receiver.arrive(data));
            return n;
        }
    }

    /**
     * Queues {@code bytes} on the outbound link: they start when the bytes queued before them have left, take
     * their serialization time, and arrive one delivery latency after their last byte left. Returns the delay
     * from now to the arrival (network lock held). Arrivals keep the order of departures.
     */
    private java.time.Duration departure(long bytes) {
        long now = network.now();
        outFreeAt = Math.max(now, outFreeAt) + network.config().serializationNanos(bytes);
        LinkProfile profile = peer == null ? null : network.linkProfile(host(), peer.host());
        if (profile == null) {
            return java.time.Duration.ofNanos(outFreeAt - now).plus(network.config().deliveryLatency());
        }
        // A latency draw per segment, but never before the previous segment: TCP delivers in order.
        lastArrival = Math.max(outFreeAt + network.sampleLatency(profile), lastArrival);
        return java.time.Duration.ofNanos(lastArrival - now);
    }

    /** The host this end lives on (a passive peer: the host its client connected to). */
    private SimHost host() {
        if (transport != null) {
            return transport.host;
        }
        return peer == null || peer.transport == null ? null : network.route(peer.transport.host, local.getAddress());
    }

    /** The initial sequence number of this end: a function of its id, so captures repeat. */
    long isn() {
        return (id.number() * 0x9E3779B97F4A7C15L) >>> 33;
    }

    /** Records a segment this end sends, when a capture runs, and advances its sequence number (network lock held). */
    void capture(int flags, byte[] payload, int length) {
        PacketCapture capture = network.capture;
        InetSocketAddress to = remote != null ? remote : connectTarget;
        if (capture != null && local != null && to != null) {
            capture.tcp(network.now(), local, to, sndNxt, (flags & PacketCapture.ACK) != 0 ? rcvNxt : 0, flags,
                    payload, 0, length);
        }
        sndNxt += length + ((flags & (PacketCapture.SYN | PacketCapture.FIN)) != 0 ? 1 : 0);
    }

    /** Records a RST|ACK this end sends (network lock held). */
    void captureReset() {
        capture(PacketCapture.RST | PacketCapture.ACK, null, 0);
    }

    /** Whether the network between this end and its peer is cut (network lock held). */
    private boolean cutOff() {
        return peer != null && network.partitioned(host(), peer.host());
    }

    @Override
    void optionChanged(java.net.SocketOption<?> option) {
        if (option == java.net.StandardSocketOptions.SO_KEEPALIVE) {
            network.keepAlive.remove(this);
            if (isOn(java.net.StandardSocketOptions.SO_KEEPALIVE)) {
                network.keepAlive.add(this);
            }
            armKeepAlive();
        }
    }

    /**
     * Re-evaluates keep-alive (network lock held). Probes answered by a reachable peer change nothing observable,
     * so the timer only runs while the peer is cut off: the first probe goes out at the first multiple of the
     * keep-alive time after the last activity (answered probes restart the idle time), and the connection is
     * dropped {@code keepAliveProbes} intervals after it, with STATUS_CONNECTION_ABORTED.
     */
    void armKeepAlive() {
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
            keepAliveTimer = null;
        }
        boolean on = isOn(java.net.StandardSocketOptions.SO_KEEPALIVE);
        if (!on || closed || failure != null || state != State.CONNECTED) {
            if (!on || closed || failure != null) {
                network.keepAlive.remove(this);
            }
            return;
        }
        long now = network.now();
        if (!cutOff()) {
            lastActivity = Math.max(lastActivity, now); // the next probe is answered
            return;
        }
        SimNetwork.Config config = network.config();
        long time = config.keepAliveTime().toNanos();
        long periods = Math.max(1, (now - lastActivity + time - 1) / time);
        long firstProbe = lastActivity + periods * time;
        long dropAt = firstProbe + config.keepAliveInterval().toNanos() * config.keepAliveProbes();
        keepAliveTimer = network.after(java.time.Duration.ofNanos(dropAt - now), () -> {
            keepAliveTimer = null;
            if (!closed && failure == null && cutOff()) {
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(id + " keep-alive: " + config.keepAliveProbes() + " probes unanswered");
                }
                fail(NtStatus.STATUS_CONNECTION_ABORTED);
            }
        });
    }

    /** Whether traffic from the peer to this end is cut (network lock held). */
    private boolean cutFromPeer() {
        return parkedHere || peer != null && (network.blocked(peer.host(), host()) || network.linkHeld(peer.host(), host()));
    }

    /** Segments a Hold send fault parks when they arrive (identity), and whether this end holds a parked one. */
    private java.util.List<Object> toPark;
    private boolean parkedHere;

    /** Marks a segment on its way here (data, or {@link #FIN}) to be parked when it arrives (network lock held). */
    private void parkOnArrival(Object segment) {
        if (toPark == null) {
            toPark = new java.util.ArrayList<>(2);
        }
        toPark.add(segment);
    }

    /** A short description of a segment for the event log. */
    private static String describe(Object segment) {
        return segment instanceof byte[] ? ((byte[]) segment).length + "B" : segment.toString();
    }

    /** A parked segment arrives: it and what follows wait for {@link SimNetwork#releaseParked()} (network lock held). */
    private void parkIfScripted(Object segment) {
        if (toPark != null && toPark.removeIf(parked -> parked == segment)) {
            parkedHere = true;
            network.park(id + " " + describe(segment), () -> {
                parkedHere = false;
                linkReleased();
            });
        }
    }

    /** The link from the peer was released (network lock held): what it held arrives now, unless a partition cuts it. */
    void linkReleased() {
        if (held == null || held.isEmpty() || peer == null || parkedHere || network.linkHeld(peer.host(), host())) {
            return;
        }
        if (network.blocked(peer.host(), host())) {
            scheduleRetransmission();
            return;
        }
        if (retransmitTimer != null) {
            retransmitTimer.cancel();
            retransmitTimer = null;
        }
        release();
    }

    /**
     * Holds a segment from the peer when a partition stops it, or when earlier segments are held (TCP keeps
     * order); returns false when it can be delivered now (network lock held).
     */
    private boolean hold(Object segment) {
        parkIfScripted(segment);
        if (held == null || held.isEmpty()) {
            if (!cutFromPeer()) {
                return false;
            }
            if (held == null) {
                held = new ArrayDeque<>(4);
            }
            heldSince = network.now();
            retransmissionTimedOut = false;
            network.holding.add(this);
            held.addLast(segment);
            scheduleRetransmission();
        } else {
            held.addLast(segment);
        }
        if (network.logging()) {
            network.log(id + " " + describe(segment) + " held by the partition");
        }
        return true;
    }

    /**
     * Schedules the next retransmission of the held segments (network lock held): the peer retransmits
     * {@link SimNetwork#MIN_RTO} after the first was held, then after twice that, and so on; the first
     * retransmission while the path is clear delivers them, and the peer gives up after
     * {@link SimNetwork#RETRANSMISSION_TIMEOUT}. After the give-up only its RST waits, for the heal.
     */
    void scheduleRetransmission() {
        if (retransmitTimer != null) {
            retransmitTimer.cancel();
            retransmitTimer = null;
        }
        if (held == null || held.isEmpty() || peer == null || parkedHere || network.linkHeld(peer.host(), host())) {
            return; // a held link or a parked segment loses nothing and times nothing out: it waits for release
        }
        long now = network.now();
        boolean clear = !cutFromPeer();
        long next;
        if (retransmissionTimedOut) {
            if (!clear) {
                return; // the RST waits for the heal
            }
            next = now;
        } else {
            long rto = SimNetwork.MIN_RTO.toNanos();
            next = heldSince + SimNetwork.RETRANSMISSION_TIMEOUT.toNanos(); // the give-up
            for (int k = 1; clear && k <= SimNetwork.MAX_DATA_RETRANSMISSIONS; k++) {
                long at = heldSince + rto * ((1L << k) - 1);
                if (at >= now) {
                    next = at;
                    break;
                }
            }
        }
        retransmitTimer = network.after(java.time.Duration.ofNanos(next - now), () -> {
            retransmitTimer = null;
            retransmit();
        });
    }

    /** A retransmission of the held segments, or the give-up (network lock held). */
    private void retransmit() {
        if (held == null || held.isEmpty()) {
            return;
        }
        if (!cutFromPeer()) {
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " retransmission gets through: " + held.size() + " held segment(s)");
            }
            network.after(network.config().deliveryLatency(), this::release);
            return;
        }
        if (network.now() < heldSince + SimNetwork.RETRANSMISSION_TIMEOUT.toNanos()) {
            scheduleRetransmission();
            return;
        }
        SimConnection sender = peer;
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(sender.id + " retransmission timeout: " + SimNetwork.MAX_DATA_RETRANSMISSIONS
                    + " retransmissions unanswered");
        }
        discardHeld();
        retransmissionTimedOut = true;
        held.addLast(RST); // the sender's RST reaches this end when the network heals
        network.holding.add(this);
        sender.fail(NtStatus.STATUS_CONNECTION_ABORTED);
    }

    /** Delivers the held segments in order while the path stays clear (network lock held). */
    private void release() {
        while (held != null && !held.isEmpty()) {
            if (cutFromPeer()) {
                scheduleRetransmission(); // cut again before they arrived
                return;
            }
            Object segment = held.pollFirst();
            if (segment == FIN) {
                deliverFin();
            } else if (segment == RST) {
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(id + " got the RST of " + peer.id);
                }
                fail(NtStatus.STATUS_CONNECTION_RESET);
            } else {
                deliver((byte[]) segment);
            }
        }
        network.holding.remove(this);
    }

    /** Drops the held segments: their bytes leave the window (network lock held). */
    private void discardHeld() {
        if (held == null) {
            return;
        }
        for (Object segment : held) {
            if (segment instanceof byte[]) {
                inFlight -= ((byte[]) segment).length;
            }
        }
        held.clear();
        network.holding.remove(this);
        if (retransmitTimer != null) {
            retransmitTimer.cancel();
            retransmitTimer = null;
        }
    }

    /** Data from the peer arrives (network lock held). */
    private void arrive(byte[] data) {
        if (!hold(data)) {
            deliver(data);
        }
    }

    private void deliver(byte[] data) {
        lastActivity = network.now();
        inFlight -= data.length;
        SimConnection sender = peer;
        if (failure != null || link.reset) {
            return; // lost with the connection
        }
        if (closed || crashed) {
            captureReset();
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " got " + data.length + "B after close: RST to " + sender.id);
            }
            network.after(network.config().deliveryLatency(), () -> sender.fail(NtStatus.STATUS_CONNECTION_RESET));
            return;
        }
        int length = data.length;
        if (link.resetAfter >= 0) {
            length = (int) Math.max(0, Math.min(length, link.resetAfter - link.transferred));
        }
        link.transferred += length;
        rcvNxt += length;
        if (length > 0 && !passive) {
            if (readable == null) {
                readable = new ArrayDeque<>();
            }
            readable.addLast(ByteBuffer.wrap(data, 0, length));
            readableBytes += length;
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " received " + length + "B");
            }
        }
        link.checkReset(network, this);
        poke();
        sender.poke();
    }

    @Override
    public void shutdownOutput() throws TransportException {
        synchronized (network.lock) {
            if (inert()) {
                return;
            }
            if (!outputShut) {
                sendFin();
            }
        }
    }

    private void sendFin() {
        outputShut = true;
        SimConnection receiver = peer;
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(id + " FIN");
        }
        capture(PacketCapture.FIN | PacketCapture.ACK, null, 0);
        Fault fault = network.finFault(local, remote);
        if (fault != null) {
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " FIN fault=" + fault);
            }
            if (fault instanceof Fault.Delay) {
                outFreeAt = Math.max(network.now(), outFreeAt) + ((Fault.Delay) fault).delay().toNanos();
                fault = ((Fault.Delay) fault).then();
            }
            if (fault instanceof Fault.Hold) {
                receiver.parkOnArrival(FIN);
            }
        }
        network.after(departure(0), () -> receiver.finArrives());
    }

    private void finArrives() {
        if (failure != null || finArrived || hold(FIN)) {
            return;
        }
        deliverFin();
    }

    private void deliverFin() {
        if (failure != null || finArrived) {
            return;
        }
        lastActivity = network.now();
        finArrived = true;
        rcvNxt++;
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(id + " got FIN");
        }
        if (passive && !outputShut) {
            sendFin(); // the passive peer closes when its client does
        }
        poke();
    }

    /** The connection broke (network lock held): reads and writes fail with {@code status} from now on. */
    void fail(NtStatus status) {
        if (failure != null || closed || crashed) {
            return;
        }
        failure = status;
        stopKeepAlive();
        discardHeld();
        if (readable != null) {
            readable.clear();
        }
        readableBytes = 0;
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(id + " failed: " + status.name());
        }
        poke();
    }

    /** Cancels the keep-alive timer and leaves the keep-alive list (network lock held). */
    private void stopKeepAlive() {
        if (keepAliveTimer != null) {
            keepAliveTimer.cancel();
            keepAliveTimer = null;
        }
        network.keepAlive.remove(this);
    }

    @Override
    void beforeCrash(boolean reset) {
        stopKeepAlive();
        // What the peer sent and a partition held stays held: the peer keeps retransmitting to the dead host and
        // times out, or after a restart its retransmission meets this dead endpoint and is answered with a RST.
        if (state == State.CONNECTING) {
            network.connectCancelled(this);
            return;
        }
        if (reset && state == State.CONNECTED && failure == null && peer != null) {
            SimConnection other = peer;
            captureReset();
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " RST to " + other.id + " (host crashed)");
            }
            network.after(network.config().deliveryLatency(), () -> other.fail(NtStatus.STATUS_CONNECTION_RESET));
        }
    }

    @Override
    void beforeClose(boolean abortive) {
        stopKeepAlive();
        if (state == State.CONNECTING) {
            network.connectCancelled(this);
            if (peer != null) {
                SimConnection other = peer;
                network.after(network.config().deliveryLatency(), () -> other.fail(NtStatus.STATUS_CONNECTION_RESET));
            }
            return;
        }
        if (state != State.CONNECTED || failure != null || peer == null) {
            return;
        }
        SimConnection other = peer;
        if (abortive || readableBytes > 0) {
            captureReset();
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " RST to " + other.id);
            }
            network.after(network.config().deliveryLatency(), () -> other.fail(NtStatus.STATUS_CONNECTION_RESET));
        } else if (!outputShut) {
            sendFin();
        }
    }

    @Override
    public String toString() {
        return "SimConnection[" + id + " " + SimNetwork.hostString(local) + " -> " + SimNetwork.hostString(remote)
                + " " + state + "]";
    }
}
