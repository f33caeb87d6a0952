package org.wsk4j.sim;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/** A simulated UDP endpoint: a bounded queue of received datagrams; sends never block. */
final class SimDatagram extends SimEndpoint implements TransportDatagram {

    private record Datagram(InetSocketAddress sender, byte[] payload) {
    }

    private final ArrayDeque<Datagram> queue = new ArrayDeque<>();
    private long queuedBytes;
    /** When the last datagram queued on this endpoint's sending link has left (virtual ns). */
    private long outFreeAt;

    SimDatagram(SimNetwork network, SimTransport transport, int family, SimNetwork.EndpointId id) {
        super(network, transport, family, id);
    }

    @Override
    boolean datagram() {
        return true;
    }

    @Override
    int readyOps() {
        return (queue.isEmpty() ? 0 : TransportHandler.READ) | TransportHandler.WRITE;
    }

    @Override
    public Received receive(ByteBuffer destination) throws TransportException {
        synchronized (network.lock) {
            if (closed) {
                throw new TransportException(NtStatus.STATUS_FILE_FORCED_CLOSED, null);
            }
            Datagram datagram = queue.pollFirst();
            if (datagram == null) {
                return null;
            }
            queuedBytes -= datagram.payload.length;
            destination.put(datagram.payload, 0, Math.min(datagram.payload.length, destination.remaining()));
            return new Received(datagram.sender, datagram.payload.length);
        }
    }

    @Override
    public boolean send(ByteBuffer source, InetSocketAddress target) throws TransportException {
        synchronized (network.lock) {
            if (closed) {
                throw new TransportException(NtStatus.STATUS_FILE_FORCED_CLOSED, null);
            }
            if (local == null) {
                throw new TransportException(NtStatus.STATUS_INVALID_DEVICE_STATE, null);
            }
            if (target == null || target.getAddress() == null
                    || !SimNetwork.familyMatches(family, target.getAddress())) {
                throw new TransportException(NtStatus.STATUS_INVALID_PARAMETER, null);
            }
            if (source.remaining() > MAX_DATAGRAM) {
                throw new TransportException(NtStatus.STATUS_INVALID_BUFFER_SIZE, null);
            }
            byte[] payload = new byte[source.remaining()];
            source.duplicate().get(payload);
            network.sendDatagram(this, payload, target);
            source.position(source.limit());
            return true;
        }
    }

    /** Queues a datagram on the sending link; returns how long from now until its last byte left (network lock held). */
    java.time.Duration serialize(int bytes) {
        long now = network.now();
        outFreeAt = Math.max(now, outFreeAt) + network.config().serializationNanos(bytes);
        return java.time.Duration.ofNanos(outFreeAt - now);
    }

    /** A datagram arrives (network lock held). */
    void deliver(InetSocketAddress sender, byte[] payload) {
        if (queuedBytes + payload.length > network.config().datagramBuffer()) {
            if (network.logging()) { // no event string built when nobody records or logs it
                network.log(id + " receive buffer full: datagram from " + SimNetwork.hostString(sender) + " dropped");
            }
            return;
        }
        queue.addLast(new Datagram(sender, payload));
        queuedBytes += payload.length;
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(id + " received datagram " + payload.length + "B from " + SimNetwork.hostString(sender));
        }
        poke();
    }
}
