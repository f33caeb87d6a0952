package org.wsk4j.examples;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.examples.ksocket.KSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Kernel;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Zw;
import org.wsk4j.sim.SimNetwork;

/**
 * The echosrv port under {@code @WskTest}, on both transports, driven from the test method: DriverEntry, several
 * concurrent clients, then the driver's Unload (WskDeregister, then WskSampleStopWorkQueue waiting on the worker's
 * thread object). The extension then finds no IRP, socket, registration or driver thread left behind.
 */
class EchoServerWskTest {

    static final int CLIENTS = 4;
    static final int ROUNDS = 5;

    /**
     * A KSOCKET echo client, the body of a system thread: connects to the server's listener over IPv4 (127.0.0.1,
     * KsConnect; the listener is dual-stack) or IPv6 (::1), sends {@value #ROUNDS} messages and checks each echo,
     * then closes (an abortive close: the server's receive fails and it closes its side).
     */
    static final class KsocketClient {
        final KSocket ks;
        final int id;
        final int port;
        final boolean ipv4;
        volatile NtStatus status;
        volatile String echoed = "";

        KsocketClient(KSocket ks, int id, int port, boolean ipv4) {
            this.ks = ks;
            this.id = id;
            this.port = port;
            this.ipv4 = ipv4;
        }

        void run(Object startContext) {
            Ref<KSocket.Socket> socket = new Ref<>();
            status = ks.ksCreateConnectionSocket(socket, ipv4 ? AF_INET : AF_INET6, SOCK_STREAM, IPPROTO_TCP);
            if (!status.isSuccess()) {
                return;
            }
            status = ipv4 ? ks.ksConnect(socket.get(), SockAddrIn.loopback(port))
                    : ks.ksConnect6(socket.get(), SockAddrIn6.loopback(port));
            StringBuilder all = new StringBuilder();
            for (int round = 0; round < ROUNDS && status.isSuccess(); round++) {
                byte[] message = ("client " + id + " round " + round + " " + "x".repeat(round * 700))
                        .getBytes(StandardCharsets.US_ASCII);
                status = ks.ksSend(socket.get(), message, new Ref<>(message.length), 0);
                int received = 0;
                byte[] echo = new byte[message.length];
                while (status.isSuccess() && received < message.length) {
                    byte[] buffer = new byte[message.length - received];
                    Ref<Integer> length = new Ref<>(buffer.length);
                    status = ks.ksRecv(socket.get(), buffer, length, 0);
                    if (status.isSuccess() && length.get() == 0) {
                        status = STATUS_CONNECTION_DISCONNECTED; // the server closed early
                    }
                    if (status.isSuccess()) {
                        System.arraycopy(buffer, 0, echo, received, length.get());
                        received += length.get();
                    }
                }
                if (status.isSuccess() && !Arrays.equals(message, echo)) {
                    status = STATUS_UNSUCCESSFUL; // the echo differs
                }
                all.append(new String(echo, 0, received, StandardCharsets.US_ASCII));
            }
            echoed = all.toString();
            NtStatus closed = ks.ksCloseSocket(socket.get());
            if (status.isSuccess()) {
                status = closed;
            }
        }
    }

    /** PsCreateSystemThread, keeping a referenced thread object (ObReferenceObjectByHandle, ZwClose). */
    static Object startSystemThread(org.wsk4j.nt.KStartRoutine routine) {
        Ref<Handle> handle = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, routine,
                null));
        Ref<Object> thread = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ob.referenceObjectByHandle(handle.get(), Ps.THREAD_ALL_ACCESS, Ps.PsThreadType,
                KernelMode, thread, null));
        Zw.close(handle.get());
        return thread.get();
    }

    /**
     * The whole run on the current driver thread: DriverEntry, {@link #CLIENTS} KSOCKET clients on system threads,
     * wait for each (KeWaitForSingleObject on its thread object), Unload.
     *
     * @param serverPort the port the server listens on
     * @param ipv4Too    whether every other client connects over IPv4: the simulated network has no dual-stack
     *                   listeners (an AF_INET6 listener is reached over IPv6 only, whatever IPV6_V6ONLY says), so
     *                   there every client uses IPv6
     * @return the clients, for their results
     */
    static List<KsocketClient> serveKsocketClients(int serverPort, boolean ipv4Too) {
        EchoServer server = new EchoServer(serverPort);
        assertEquals(STATUS_SUCCESS, server.driverEntry());
        int port = server.awaitListening();
        assertTrue(port > 0, "listening");

        KSocket ks = new KSocket();
        assertEquals(STATUS_SUCCESS, ks.ksInitialize());
        List<KsocketClient> clients = new ArrayList<>();
        List<Object> threads = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            KsocketClient client = new KsocketClient(ks, i, port, ipv4Too && i % 2 == 0);
            clients.add(client);
            threads.add(startSystemThread(client::run));
        }
        for (Object thread : threads) {
            assertEquals(STATUS_SUCCESS, Ke.waitForSingleObject(thread, Executive, KernelMode, false, null));
            Ob.dereferenceObject(thread);
        }
        ks.ksDestroy();
        server.wskSampleUnload(); // WskDeregister waits until the server closed every connection
        return clients;
    }

    static void assertEchoed(List<KsocketClient> clients) {
        for (KsocketClient client : clients) {
            assertEquals(STATUS_SUCCESS, client.status, "client " + client.id);
            assertTrue(client.echoed.startsWith("client " + client.id + " round 0 "), client.echoed);
            assertTrue(client.echoed.contains("client " + client.id + " round " + (ROUNDS - 1) + " "));
        }
    }

    @Test
    @WskTest
    void servesConcurrentKsocketClientsOnTheSimulatedNetwork(SimNetwork network) {
        List<KsocketClient> clients = serveKsocketClients(EchoServer.WSKSAMPLE_PORT, false); // the sample's port
        assertEchoed(clients);
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("decision")),
                "the scheduler chose among runnable driver threads");
    }

    @Test
    @WskTest(transport = WskTransport.NIO)
    void servesConcurrentKsocketClientsOnRealSockets() {
        assertEchoed(serveKsocketClients(0, true));
    }

    /** A java.net client on a thread of its own: rounds of messages, then a graceful close (FIN). */
    private static String javaNetExchange(InetAddress address, int port, int id) throws IOException {
        try (Socket client = new Socket()) {
            client.setSoTimeout(10_000);
            client.connect(new InetSocketAddress(address, port), 10_000);
            OutputStream out = client.getOutputStream();
            InputStream in = client.getInputStream();
            StringBuilder echoed = new StringBuilder();
            for (int round = 0; round < ROUNDS; round++) {
                byte[] message = ("client " + id + " round " + round + " " + "x".repeat(round * 700))
                        .getBytes(StandardCharsets.US_ASCII);
                out.write(message);
                out.flush();
                echoed.append(new String(in.readNBytes(message.length), StandardCharsets.US_ASCII));
            }
            client.shutdownOutput(); // the server sees a 0-byte receive: WskDisconnect, then WskCloseSocket
            assertEquals(-1, in.read(), "the server disconnects gracefully after our FIN");
            return echoed.toString();
        }
    }

    @Test
    @WskTest(transport = WskTransport.NIO)
    void servesConcurrentJavaNetClientsOverIpv4AndIpv6(Kernel kernel) throws Exception {
        EchoServer server = new EchoServer(0);
        assertEquals(STATUS_SUCCESS, server.driverEntry());
        int port = server.awaitListening();
        assertTrue(port > 0, "listening");

        List<CompletableFuture<String>> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            int id = i;
            InetAddress address = InetAddress.getByName(i % 2 == 0 ? "127.0.0.1" : "::1");
            clients.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return javaNetExchange(address, port, id);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        // The test method is a driver thread: while it waits it also runs the completions (a manual executor).
        assertTrue(kernel.waitUntil(() -> clients.stream().allMatch(CompletableFuture::isDone), Duration.ofSeconds(30)));
        for (int i = 0; i < CLIENTS; i++) {
            String echoed = clients.get(i).get();
            assertTrue(echoed.startsWith("client " + i + " round 0 "), echoed);
            assertTrue(echoed.contains("client " + i + " round " + (ROUNDS - 1) + " "));
        }
        server.wskSampleUnload();
    }
}
