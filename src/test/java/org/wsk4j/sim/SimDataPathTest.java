package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;
import static org.wsk4j.sim.SimHosts.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.Completion;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.ManualCompletionExecutor;

/** Listen/accept between two simulated hosts, data both ways, graceful close, reset, and datagrams. */
@WskTest(seed = "42")
class SimDataPathTest {

    private SimNetwork network;
    private ManualCompletionExecutor executor;
    private Client client;
    private Client server;
    private SimHosts sim;

    @BeforeEach
    void addTheServerHost(SimNetwork network, WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi) {
        sim = new SimHosts(network, wsk, registration, npi);
        this.network = sim.network;
        this.executor = sim.executor;
        this.client = sim.client;
        this.server = sim.server;
    }

    @AfterEach
    void stopTheServerHost() {
        sim.stop();
    }

    private WskSocket listener;
    private WskSocket clientSocket;
    private WskSocket serverSocket;

    /** Connects host localhost to a listener on host server over IPv4 or IPv6. */
    void connectPair(String serverAddress) {
        int family = serverAddress.indexOf(':') >= 0 ? AF_INET6 : AF_INET;
        listener = sim.listen(serverAddress, 7000);
        Completion accepted = accept(listener);
        clientSocket = sim.connectionSocket(family);
        assertEquals(STATUS_SUCCESS, sim.bind(clientSocket, any(family)));
        Completion connected = new Completion();
        assertEquals(STATUS_PENDING, connection(clientSocket).wskConnect(clientSocket, addr(serverAddress, 7000), 0,
                connected.irp));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        assertEquals(STATUS_SUCCESS, accepted.status);
        serverSocket = accepted.socket();
    }

    private void closeAll() {
        sim.close(clientSocket);
        sim.close(serverSocket);
        sim.close(listener);
        executor.runUntilIdle();
    }

    static WskBuf buf(String text) {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        return new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, data.length), 0, data.length);
    }

    static String text(WskBuf buffer, long length) {
        ByteBuffer view = buffer.mdl().systemAddress();
        byte[] bytes = new byte[(int) length];
        view.position(buffer.offset()).get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    static Completion send(WskSocket socket, WskBuf buffer) {
        Completion c = new Completion();
        connection(socket).wskSend(socket, buffer, 0, c.irp);
        return c;
    }

    static Completion receive(WskSocket socket, WskBuf buffer) {
        Completion c = new Completion();
        connection(socket).wskReceive(socket, buffer, 0, c.irp);
        return c;
    }

    @Test
    void dataFlowsBothWaysWithDeliveryLatency() {
        connectPair(SERVER_V4);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(32), 0, 32), 0, 32);
        Completion received = receive(serverSocket, in);
        Completion sent = send(clientSocket, buf("hello"));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, sent.status, "the send completes once the transport took the bytes");
        assertFalse(received.done(), "the bytes are still on the wire");
        executor.advanceTimeBy(Duration.ofNanos(99_999));
        assertFalse(received.done(), "latency plus 40 ns of serialization at 1 Gbit/s");
        executor.advanceTimeBy(Duration.ofNanos(41));
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals("hello", text(in, received.information));

        WskBuf back = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(32), 0, 32), 0, 32);
        Completion reply = receive(clientSocket, back);
        send(serverSocket, buf("world"));
        executor.runUntilIdle();
        assertEquals("world", text(back, reply.information));
        closeAll();
    }

    @Test
    void ipv6Pair() {
        connectPair(SERVER_V6);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(8), 0, 8), 0, 8);
        Completion received = receive(serverSocket, in);
        send(clientSocket, buf("six"));
        executor.runUntilIdle();
        assertEquals("six", text(in, received.information));
        closeAll();
    }

    @Test
    void largeSendIsBoundedByTheBufferAndCompletesAsTheReaderDrains() {
        connectPair(SERVER_V4);
        int size = 1024 * 1024; // four times the 256 KiB window
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) i;
        }
        Completion sent = send(clientSocket, new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, size), 0, size));
        executor.runUntilIdle();
        assertFalse(sent.done(), "nobody reads: the window is full");
        ByteBuffer sink = ByteBuffer.allocate(size);
        while (sink.hasRemaining()) {
            int chunk = Math.min(64 * 1024, sink.remaining());
            WskBuf in = new WskBuf(Io.allocateMdl(sink.slice(), 0, chunk), 0, chunk);
            Completion r = receive(serverSocket, in);
            executor.runUntilIdle();
            assertEquals(STATUS_SUCCESS, r.status);
            sink.position(sink.position() + (int) r.information);
        }
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals(size, sent.information);
        assertArrayEquals(data, sink.array());
        closeAll();
    }

    @Test
    void gracefulCloseIsAZeroByteReceive() {
        connectPair(SERVER_V4);
        Completion disconnect = new Completion();
        connection(serverSocket).wskDisconnect(serverSocket, buf("bye"), 0, disconnect.irp);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(16), 0, 16), 0, 16);
        Completion first = receive(clientSocket, in);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, disconnect.status);
        assertEquals("bye", text(in, first.information));
        Completion eof = receive(clientSocket, in);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, eof.status);
        assertEquals(0, eof.information);
        closeAll();
    }

    @Test
    void peerCloseResetsAndThePendingReceiveFailsWithConnectionReset() {
        connectPair(SERVER_V4);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(16), 0, 16), 0, 16);
        Completion pending = receive(clientSocket, in);
        executor.runUntilIdle();
        sim.close(serverSocket); // abortive: not disconnected both ways
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, pending.status);
        sim.close(clientSocket);
        sim.close(listener);
    }

    @Test
    void abortiveDisconnectResetsThePeer() {
        connectPair(SERVER_V4);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(16), 0, 16), 0, 16);
        Completion pending = receive(serverSocket, in);
        Completion abort = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, WSK_FLAG_ABORTIVE, abort.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, abort.status);
        assertEquals(STATUS_CONNECTION_RESET, pending.status);
        closeAll();
    }

    @Test
    void closingAListenerResetsConnectionsWaitingInItsBacklog() {
        listener = sim.listen(SERVER_V4, 7000);
        clientSocket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(clientSocket, any(AF_INET)));
        Completion connected = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, 7000), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status, "the handshake completes in the backlog");
        sim.close(listener);
        WskBuf in = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(4), 0, 4), 0, 4);
        Completion r = receive(clientSocket, in);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, r.status);
        sim.close(clientSocket);
    }

    // ---- datagrams -------------------------------------------------------------------------------------

    private static WskProviderDatagramDispatch dg(WskSocket socket) {
        return (WskProviderDatagramDispatch) socket.dispatch();
    }

    private final class Receive {
        final ByteBuffer memory = ByteBuffer.allocate(64);
        final WskBuf buffer = new WskBuf(Io.allocateMdl(memory, 0, 64), 0, 64);
        final Completion c = new Completion();
        final SockAddrStorage from = new SockAddrStorage();

        Receive(WskSocket socket) {
            dg(socket).wskReceiveFrom(socket, buffer, 0, from, new Ref<>(0), null, new Ref<>(0), c.irp);
        }

        String text() {
            return new String(memory.array(), 0, (int) c.information, StandardCharsets.US_ASCII);
        }
    }

    @Test
    void datagramExchangeBetweenHostsAndAScriptedDrop() {
        network.addHost(SimNetwork.LOCALHOST, "10.0.0.1"); // a LAN address, so replies find their way back
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        WskSocket b = socket(server, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, sim.bind(a, any(AF_INET)));
        assertEquals(STATUS_SUCCESS, sim.bind(b, addr(SERVER_V4, 5353)));
        network.onDatagram(5353).thenFault(Fault.dropDatagram());

        Receive atB = new Receive(b);
        Completion lost = new Completion();
        dg(a).wskSendTo(a, buf("lost"), 0, addr(SERVER_V4, 5353), 0, null, lost.irp);
        Completion ping = new Completion();
        dg(a).wskSendTo(a, buf("ping"), 0, addr(SERVER_V4, 5353), 0, null, ping.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, lost.status, "UDP: a dropped datagram is still sent");
        assertEquals(STATUS_SUCCESS, ping.status);
        assertEquals("ping", atB.text());
        assertEquals(SimNetwork.FIRST_EPHEMERAL_PORT, atB.from.port());

        Receive atA = new Receive(a);
        Completion pong = new Completion();
        dg(b).wskSendTo(b, buf("pong"), 0, atB.from, 0, null, pong.irp);
        executor.runUntilIdle();
        assertEquals("pong", atA.text());
        assertTrue(network.unusedFaults().isEmpty());
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("dropped (scripted)")));
        sim.close(a);
        sim.close(b);
    }

    @Test
    void datagramSendFailWith() {
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, sim.bind(a, any(AF_INET)));
        network.onDatagram(addr(SERVER_V4, 53).toInetSocketAddress()).thenFault(Fault.failWith(STATUS_HOST_UNREACHABLE));
        Completion sent = new Completion();
        dg(a).wskSendTo(a, buf("q"), 0, addr(SERVER_V4, 53), 0, null, sent.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_HOST_UNREACHABLE, sent.status);
        sim.close(a);
    }
}
