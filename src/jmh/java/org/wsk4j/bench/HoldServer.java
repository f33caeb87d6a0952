package org.wsk4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * A loopback server in its own process that accepts connections and holds them open until its standard
 * input closes. The scale benchmarks keep 10,000 connections open; with the accepted ends in this process,
 * the measuring JVM needs one descriptor per connection, not two (the hard limit here is 20,000).
 */
public final class HoldServer {

    private HoldServer() {
    }

    public static void main(String[] args) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
        server.configureBlocking(false);
        Selector selector = Selector.open();
        server.register(selector, SelectionKey.OP_ACCEPT);
        ByteBuffer sink = ByteBuffer.allocate(4096);
        // Holds every accepted connection; closes its end when the client closes or resets (so the measured
        // JVM's closed sockets do not pile up here against the descriptor limit).
        Thread loop = new Thread(() -> {
            try {
                while (true) {
                    selector.select(key -> {
                        try {
                            if (key.isAcceptable()) {
                                SocketChannel ch;
                                while ((ch = server.accept()) != null) {
                                    ch.configureBlocking(false);
                                    ch.register(selector, SelectionKey.OP_READ);
                                }
                            } else if (key.isReadable()) {
                                sink.clear();
                                if (((SocketChannel) key.channel()).read(sink) < 0) {
                                    key.channel().close();
                                }
                            }
                        } catch (IOException e) {
                            try {
                                key.channel().close();
                            } catch (IOException ignored) {
                                // already broken
                            }
                        }
                    });
                }
            } catch (IOException e) {
                e.printStackTrace();
            }
        }, "hold-loop");
        loop.setDaemon(true);
        loop.start();
        System.out.println(((InetSocketAddress) server.getLocalAddress()).getPort());
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // wait for the parent to close our stdin (or die)
        }
        System.exit(0);
    }

    /** Starts a HoldServer child JVM with the current class path; {@link Child#close()} ends it. */
    static Child start() throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), HoldServer.class.getName())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            p.destroyForcibly();
            throw new IOException("HoldServer did not start");
        }
        return new Child(p, Integer.parseInt(line.trim()));
    }

    record Child(Process process, int port) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
