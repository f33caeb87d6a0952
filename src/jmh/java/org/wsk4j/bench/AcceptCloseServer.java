package org.wsk4j.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The peer of every connect benchmark: one thread that accepts on loopback and closes each accepted
 * connection at once, normally (FIN). The clients close with SO_LINGER 0 (RST) where they can, so neither side
 * keeps a TIME_WAIT entry; AsynchronousSocketChannel cannot set SO_LINGER and closes second (the server
 * closed first, so the TIME_WAIT entry stays on the server side and never blocks an ephemeral port).
 */
final class AcceptCloseServer implements AutoCloseable {

    private final ServerSocketChannel server;
    private final Thread thread;
    private volatile boolean closed;
    private volatile long accepted;

    AcceptCloseServer() throws IOException {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        thread = new Thread(this::run, "bench-accept-close");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) server.getLocalAddress();
    }

    int port() throws IOException {
        return address().getPort();
    }

    long accepted() {
        return accepted;
    }

    private void run() {
        while (!closed) {
            try {
                SocketChannel ch = server.accept();
                accepted++;
                ch.close();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
