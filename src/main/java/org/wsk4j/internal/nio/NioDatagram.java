package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;

/**
 * A UDP endpoint over a non-blocking {@link DatagramChannel}. Datagrams are received through a scratch
 * buffer of the largest datagram size so that truncation (MSG_TRUNC) can be reported.
 */
final class NioDatagram extends NioEndpoint implements TransportDatagram {

    private final DatagramChannel datagram;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(MAX_DATAGRAM);

    NioDatagram(NioTransport transport, DatagramChannel channel) {
        super(transport, channel);
        this.datagram = channel;
    }

    @Override
    public Received receive(ByteBuffer destination) throws TransportException {
        synchronized (scratch) {
            try {
                scratch.clear();
                InetSocketAddress sender = (InetSocketAddress) datagram.receive(scratch);
                if (sender == null) {
                    return null;
                }
                scratch.flip();
                int length = scratch.remaining();
                if (length > destination.remaining()) {
                    scratch.limit(destination.remaining());
                }
                destination.put(scratch);
                return new Received(sender, length);
            } catch (IOException | RuntimeException e) {
                throw failure(e);
            }
        }
    }

    @Override
    public boolean send(ByteBuffer source, InetSocketAddress target) throws TransportException {
        try {
            return datagram.send(source, target) > 0 || !source.hasRemaining();
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    @Override
    public String toString() {
        return "NioDatagram[" + localAddress + "]";
    }
}
