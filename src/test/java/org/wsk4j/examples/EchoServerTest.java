package org.wsk4j.examples;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.IoManager;

/**
 * Drives the echosrv port with plain java.net clients, over IPv4 and IPv6, several at once, on a subsystem with the
 * default threaded completion executor (outside the JUnit extension: the way an application would host it).
 */
class EchoServerTest {

    private static String exchange(InetAddress address, int port, int id) throws IOException {
        try (Socket client = new Socket()) {
            client.setSoTimeout(10_000);
            client.connect(new InetSocketAddress(address, port), 10_000);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            StringBuilder echoed = new StringBuilder();
            for (int round = 0; round < 20; round++) {
                byte[] message = ("client " + id + " round " + round + " " + "x".repeat(round * 300))
                        .getBytes(StandardCharsets.UTF_8);
                out.write(message);
                out.flush();
                echoed.append(new String(in.readNBytes(message.length), StandardCharsets.UTF_8));
            }
            client.shutdownOutput();
            assertEquals(-1, in.read(), "the server disconnects gracefully after our FIN");
            return echoed.toString();
        }
    }

    @Test
    void echoesForIpv4AndIpv6ClientsAndUnloadsCleanly() throws Exception {
        try (WskSubsystem wsk = WskSubsystem.builder().name("echosrv").build();
             IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            EchoServer server = new EchoServer(0);
            assertEquals(STATUS_SUCCESS, server.driverEntry());
            int port = server.awaitListening();
            assertTrue(port > 0, "listening");

            List<CompletableFuture<String>> clients = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int id = i;
                InetAddress address = InetAddress.getByName(i % 2 == 0 ? "127.0.0.1" : "::1");
                clients.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return exchange(address, port, id);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (int i = 0; i < clients.size(); i++) {
                String echoed = clients.get(i).get(30, TimeUnit.SECONDS);
                assertTrue(echoed.startsWith("client " + i + " round 0 "), echoed);
                assertTrue(echoed.contains("client " + i + " round 19 "));
            }
            server.wskSampleUnload(); // WskDeregister returns only when every connection is closed
            assertEquals(0, wsk.ioManager().liveIrpCount(), "every IRP freed: " + wsk.ioManager().liveIrps());
            assertTrue(wsk.ioManager().verifier().violations().isEmpty(), () -> wsk.ioManager().verifier().violations()
                    .toString());
            assertTrue(wsk.ioManager().routineFailures().isEmpty(), () -> wsk.ioManager().routineFailures().toString());
        }
    }
}
