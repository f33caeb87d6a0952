package org.wsk4j;

import org.wsk4j.internal.nio.NioTransport;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/** Test support: the NIO transport behind a seam where fault-injecting tests wrap the endpoints they open. */
class ForwardingTransport implements Transport {

    final NioTransport nio;

    ForwardingTransport(String name) {
        this.nio = new NioTransport(name);
    }

    @Override
    public String name() {
        return "forwarding-nio";
    }

    @Override
    public TransportConnection openConnection(int addressFamily) throws TransportException {
        return nio.openConnection(addressFamily);
    }

    @Override
    public TransportListener openListener(int addressFamily) throws TransportException {
        return nio.openListener(addressFamily);
    }

    @Override
    public TransportDatagram openDatagram(int addressFamily) throws TransportException {
        return nio.openDatagram(addressFamily);
    }

    @Override
    public void close() {
        nio.close();
    }
}
