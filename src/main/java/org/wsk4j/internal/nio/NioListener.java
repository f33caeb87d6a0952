package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/** A TCP listening endpoint over a non-blocking {@link ServerSocketChannel}; bind starts listening. */
final class NioListener extends NioEndpoint implements TransportListener {

    /** The backlog used when bind starts listening (WSK has no backlog parameter). */
    static final int BACKLOG = 512;

    private final ServerSocketChannel server;

    NioListener(NioTransport transport, ServerSocketChannel channel) {
        super(transport, channel);
        this.server = channel;
    }

    @Override
    void doBind(InetSocketAddress address) throws IOException {
        server.bind(address, BACKLOG);
    }

    @Override
    public TransportConnection accept() throws TransportException {
        try {
            SocketChannel accepted = server.accept();
            return accepted == null ? null : NioConnection.accepted(transport, accepted);
        } catch (IOException | RuntimeException e) {
            throw failure(e);
        }
    }

    @Override
    public String toString() {
        return "NioListener[" + localAddress + "]";
    }
}
