package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;
import static org.wsk4j.sim.SimHosts.*;
import static org.wsk4j.sim.SimLinkTest.buffer;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.Completion;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.ManualCompletionExecutor;

/** The per-connection send and accept hooks, partitions and keep-alive between two simulated hosts. */
@WskTest(seed = "42")
class SimHooksAndPartitionsTest {

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

    void connectPair(int port) {
        listener = sim.listen(SERVER_V4, port);
        Completion accepted = accept(listener);
        clientSocket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(clientSocket, any(AF_INET)));
        Completion connected = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, port), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        assertEquals(STATUS_SUCCESS, accepted.status);
        serverSocket = accepted.socket();
    }

    void closeAll() {
        sim.close(clientSocket);
        sim.close(serverSocket);
        sim.close(listener);
        executor.runUntilIdle();
    }

    // ---- send and accept hooks --------------------------------------------------------------------------

    Completion sendText(WskSocket socket, String text) {
        Completion c = new Completion();
        connection(socket).wskSend(socket, SimDataPathTest.buf(text), 0, c.irp);
        executor.runUntilIdle();
        return c;
    }

    Completion receiveAny(WskSocket socket) {
        Completion c = new Completion();
        connection(socket).wskReceive(socket, buffer(64), 0, c.irp);
        return c;
    }

    @Test
    void theSecondSendOfEachConnectionFails() {
        network.onSend(7200).thenFault(Fault.delay(Duration.ZERO), Fault.failWith(STATUS_CONNECTION_RESET));
        connectPair(7200);
        assertEquals(STATUS_SUCCESS, sendText(clientSocket, "one").status);
        assertEquals(STATUS_CONNECTION_RESET, sendText(clientSocket, "two").status);
        assertTrue(network.unusedFaults().isEmpty());
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("send#2 fault=FailWith")));
        closeAll();
    }

    @Test
    void sendAbortBreaksTheConnectionAndResetsThePeer() {
        network.onSend(7201).thenFault(Fault.abort());
        connectPair(7201);
        Completion pending = receiveAny(serverSocket);
        assertEquals(STATUS_CONNECTION_ABORTED, sendText(clientSocket, "x").status);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, pending.status);
        assertEquals(STATUS_CONNECTION_ABORTED, sendText(clientSocket, "y").status, "the connection stays broken");
        closeAll();
    }

    @Test
    void sendResetAfterDeliversPartOfTheSendThenResetsBothEnds() {
        network.onSend(7202).always(Fault.resetAfter(2));
        connectPair(7202);
        assertEquals(STATUS_SUCCESS, sendText(clientSocket, "hello").status, "the transport took the bytes");
        assertEquals(STATUS_CONNECTION_RESET, sendText(clientSocket, "again").status);
        Completion r = receiveAny(serverSocket);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, r.status);
        closeAll();
    }

    @Test
    void acceptAbortResetsBothSidesRightAfterTheHandshake() {
        network.onAccept(7203).thenFault(Fault.abort());
        connectPair(7203); // the connect and the accept both succeed
        Completion atServer = receiveAny(serverSocket);
        Completion atClient = receiveAny(clientSocket);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, atServer.status);
        assertEquals(STATUS_CONNECTION_RESET, atClient.status);
        assertTrue(network.unusedFaults().isEmpty());
        assertEquals(Fault.abort(), network.attempts().get(0).fault());
        closeAll();
    }

    @Test
    void acceptRefuseFailWithAndDelay() {
        network.onAccept(7204).thenFault(Fault.refuse(), Fault.failWith(STATUS_ACCESS_DENIED),
                Fault.delay(Duration.ofSeconds(1)));
        listener = sim.listen(SERVER_V4, 7204);
        Completion accepted = accept(listener);
        for (var expected : new org.wsk4j.nt.NtStatus[] {STATUS_CONNECTION_REFUSED, STATUS_ACCESS_DENIED}) {
            WskSocket s = sim.connectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, sim.bind(s, any(AF_INET)));
            Completion c = new Completion();
            connection(s).wskConnect(s, addr(SERVER_V4, 7204), 0, c.irp);
            executor.runUntilIdle();
            assertEquals(expected, c.status);
            assertFalse(accepted.done());
            sim.close(s);
        }
        clientSocket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(clientSocket, any(AF_INET)));
        Completion c = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, 7204), 0, c.irp);
        executor.advanceTimeBy(Duration.ofMillis(999));
        assertFalse(c.done(), "the handshake is delayed");
        executor.advanceTimeBy(Duration.ofMillis(2));
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(STATUS_SUCCESS, accepted.status);
        serverSocket = accepted.socket();
        closeAll();
    }

    @Test
    @WskTest(seed = "42", failOnUnusedFaults = false) // the unused faults are what this test asserts
    void sendAndAcceptHooksRejectOtherFaultsAndReportUnusedOnes() {
        assertThrows(IllegalArgumentException.class, () -> network.onSend(1).thenFault(Fault.refuse()));
        assertThrows(IllegalArgumentException.class, () -> network.onSend(1).always(Fault.accept()));
        assertThrows(IllegalArgumentException.class,
                () -> network.onSend(1).thenFault(Fault.delay(Duration.ZERO, Fault.blackHole())));
        assertThrows(IllegalArgumentException.class, () -> network.onAccept(1).thenFault(Fault.blackHole()));
        assertThrows(IllegalArgumentException.class, () -> network.onAccept(1).thenFault(Fault.partialSend(1)));
        network.onSend(2).thenFault(Fault.partialSend(1));
        network.onAccept(3).thenFault(Fault.abort());
        assertEquals(List.of(new UnusedFault("send port 2", Fault.partialSend(1)),
                new UnusedFault("accept port 3", Fault.abort())), network.unusedFaults());
    }

    // ---- partitions and keep-alive ------------------------------------------------------------------------

    void keepAlive(WskSocket socket) {
        Completion c = new Completion();
        connection(socket).wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_KEEPALIVE, SOL_SOCKET,
                4, 1, 0, null, null, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
    }

    @Test
    void keepAliveDropsAPartitionedIdleConnection() {
        connectPair(7300);
        keepAlive(clientSocket);
        keepAlive(serverSocket);
        Completion atClient = receiveAny(clientSocket);
        Completion atServer = receiveAny(serverSocket);
        executor.runPending();
        network.partition(SimNetwork.LOCALHOST, "server");
        executor.advanceTimeBy(Duration.ofHours(2).plusSeconds(9));
        assertFalse(atClient.done(), "probes are still going out");
        executor.advanceTimeBy(Duration.ofSeconds(2)); // 2 h + 11 s in all
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status);
        assertEquals(STATUS_CONNECTION_ABORTED, atServer.status);
        assertEquals(STATUS_CONNECTION_ABORTED, sendText(clientSocket, "late").status, "later calls fail too");
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("probes unanswered")));
        network.heal(SimNetwork.LOCALHOST, "server");
        closeAll();
    }

    @Test
    void withoutKeepAliveAPartitionedIdleConnectionStaysUp() {
        connectPair(7301);
        Completion atClient = receiveAny(clientSocket);
        network.partition("server", SimNetwork.LOCALHOST);
        executor.advanceTimeBy(Duration.ofHours(2).plusSeconds(11));
        executor.runUntilIdle();
        assertFalse(atClient.done());
        Completion sent = sendText(serverSocket, "held");
        assertEquals(STATUS_SUCCESS, sent.status, "the transport took the bytes");
        executor.runUntilIdle();
        assertFalse(atClient.done(), "held by the partition");
        network.heal(SimNetwork.LOCALHOST, "server");
        assertEquals(STATUS_SUCCESS, sendText(serverSocket, "after").status);
        assertEquals(STATUS_SUCCESS, atClient.status);
        assertEquals(5, atClient.information, "only what was sent after the heal arrives");
        closeAll();
    }

    @Test
    void keepAliveOnAHealedConnectionKeepsItUp() {
        connectPair(7302);
        keepAlive(clientSocket);
        Completion atClient = receiveAny(clientSocket);
        network.partition(SimNetwork.LOCALHOST, "server");
        executor.advanceTimeBy(Duration.ofHours(1));
        network.heal(SimNetwork.LOCALHOST, "server");
        executor.advanceTimeBy(Duration.ofHours(3));
        assertFalse(atClient.done());
        closeAll();
    }

    @Test
    void partitionedDatagramsAreDropped() {
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        WskSocket b = socket(server, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, sim.bind(a, any(AF_INET)));
        assertEquals(STATUS_SUCCESS, sim.bind(b, addr(SERVER_V4, 5353)));
        network.partition(SimNetwork.LOCALHOST, "server");
        Completion sent = new Completion();
        ((WskProviderDatagramDispatch) a.dispatch()).wskSendTo(a, buffer(10), 0, addr(SERVER_V4, 5353), 0, null,
                sent.irp);
        Completion r = new Completion();
        ((WskProviderDatagramDispatch) b.dispatch()).wskReceiveFrom(b, buffer(64), 0, new SockAddrStorage(),
                new Ref<>(0), null, new Ref<>(0), r.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, sent.status);
        assertFalse(r.done());
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("dropped: partition")));
        sim.close(a);
        sim.close(b);
        assertThrows(IllegalArgumentException.class, () -> network.partition("server", "server"));
        assertThrows(IllegalArgumentException.class, () -> network.partition("server", "nowhere"));
    }

    @Test
    void keepAliveSetBeforeTheConnectAppliesToAConnectionMadeAcrossAPartition() {
        network.partition(SimNetwork.LOCALHOST, "server"); // connects are not affected
        listener = sim.listen(SERVER_V4, 7303);
        Completion accepted = accept(listener);
        clientSocket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(clientSocket, any(AF_INET)));
        keepAlive(clientSocket);
        Completion connected = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, 7303), 0, connected.irp);
        executor.advanceTimeBy(Duration.ofMillis(1));
        assertEquals(STATUS_SUCCESS, connected.status);
        serverSocket = accepted.socket();
        Completion atClient = receiveAny(clientSocket);
        Completion atServer = receiveAny(serverSocket);
        executor.advanceTimeBy(Duration.ofHours(2).plusSeconds(11));
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status);
        assertFalse(atServer.done(), "the server side has no SO_KEEPALIVE");
        network.heal(SimNetwork.LOCALHOST, "server");
        closeAll();
    }
}
