package org.wsk4j;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Test support: a java.nio listener with backlog 1 and its accept queue filled, so further connects stay in
 * SYN_SENT, pending (Linux drops SYNs to a full queue; other systems may refuse instead).
 */
public final class FullBacklog implements AutoCloseable {

    private final ServerSocketChannel server;
    private final List<SocketChannel> fillers = new ArrayList<>();

    /**
     * Opens the listener on 127.0.0.1 and fills its queue.
     *
     * @throws IOException when the channels cannot be opened
     */
    public FullBacklog() throws IOException {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1);
        for (int i = 0; i < 4; i++) {
            SocketChannel filler = SocketChannel.open();
            filler.configureBlocking(false);
            filler.connect(server.getLocalAddress());
            fillers.add(filler);
        }
    }

    /**
     * Returns the listener's port.
     *
     * @return the port
     * @throws IOException when the listener is closed
     */
    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    @Override
    public void close() throws IOException {
        for (SocketChannel filler : fillers) {
            filler.close();
        }
        server.close();
    }
}
