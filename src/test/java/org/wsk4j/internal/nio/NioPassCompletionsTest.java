package org.wsk4j.internal.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wsk4j.Wsk;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/**
 * When the completions a readiness pass produced run: after the pass's last key when its keys moved little data (one
 * batch, which the peer then receives as one), before the next key once the keys handled so far moved
 * {@link NioTransport#PASS_BYTES_BEFORE_COMPLETIONS} bytes or more (each connection's routine runs while its data is
 * still in the cache). Two connections with data already waiting are made ready in one pass: their interest is set
 * by one task on the selector thread, so its next select reports both.
 */
class NioPassCompletionsTest {

    @Test
    void smallTransfersCompleteAsOneBatchAfterThePass() throws Exception {
        assertEquals(List.of("read", "read", "completion", "completion"), eventsOfOnePass(1024));
    }

    @Test
    void largeTransfersCompleteBeforeTheNextKey() throws Exception {
        assertEquals(List.of("read", "completion", "read", "completion"),
                eventsOfOnePass(NioTransport.PASS_BYTES_BEFORE_COMPLETIONS));
    }

    /**
     * Two connections each receive {@code bytes} (already in their socket buffers); each one's readiness reads them
     * whole and posts a direct completion. Returns the order of reads and completions on the selector thread.
     */
    private static List<String> eventsOfOnePass(int bytes) throws Exception {
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch completed = new CountDownLatch(2);
        try (NioTransport transport = new NioTransport("pass-test");
             DirectCompletionExecutor completions = new DirectCompletionExecutor("pass-test");
             ServerSocket server = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
            NioConnection[] connections = new NioConnection[2];
            Socket[] peers = new Socket[2];
            for (int i = 0; i < 2; i++) {
                connections[i] = (NioConnection) transport.openConnection(Wsk.AF_INET);
                CountDownLatch connected = new CountDownLatch(1);
                connections[i].connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()),
                        (status, cause) -> {
                            assertEquals(NtStatus.STATUS_SUCCESS, status);
                            connected.countDown();
                        });
                assertTrue(connected.await(10, TimeUnit.SECONDS));
                peers[i] = server.accept();
                NioConnection connection = connections[i];
                ByteBuffer in = ByteBuffer.allocateDirect(bytes);
                connection.setHandler(new TransportHandler() {
                    @Override
                    public void onReadable() {
                        try {
                            while (in.hasRemaining() && connection.read(new ByteBuffer[] {in}) > 0) {
                                // read what is there, as the provider's receive path does
                            }
                        } catch (TransportException e) {
                            throw new IllegalStateException(e);
                        }
                        if (!in.hasRemaining()) {
                            connection.setInterest(0);
                            events.add("read");
                            completions.execute(() -> {
                                events.add("completion");
                                completed.countDown();
                            });
                        }
                    }
                });
            }
            for (Socket peer : peers) {
                OutputStream out = peer.getOutputStream();
                out.write(new byte[bytes]);
                out.flush();
            }
            awaitReadable(connections);
            transport.submit(() -> {
                for (NioConnection connection : connections) {
                    connection.setInterest(TransportHandler.READ);
                }
            });
            assertTrue(completed.await(10, TimeUnit.SECONDS), events::toString);
            for (int i = 0; i < 2; i++) {
                connections[i].close(true);
                peers[i].close();
            }
        }
        return new ArrayList<>(events);
    }

    /**
     * Waits (a bounded select on a probe selector of the test's own, not a sleep) until both channels have their data,
     * so that the transport's next select reports both in one pass.
     */
    private static void awaitReadable(NioConnection[] connections) throws Exception {
        try (Selector probe = Selector.open()) {
            for (NioConnection connection : connections) {
                connection.channel.register(probe, SelectionKey.OP_READ);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (probe.selectedKeys().size() < connections.length && System.nanoTime() < deadline) {
                probe.select(100);
            }
            assertEquals(connections.length, probe.selectedKeys().size(), "both connections' data arrived");
        }
    }
}
