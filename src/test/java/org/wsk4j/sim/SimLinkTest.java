package org.wsk4j.sim;

import org.wsk4j.Completion;
import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;

/** Link behaviour (transfer rate of TCP directions and datagram senders) and the per-connection send and accept hooks. */
class SimLinkTest extends SimTestBase {

    WskSocket listener;
    WskSocket clientSocket;
    WskSocket serverSocket;

    void connectPair(int port) {
        listener = listen(SERVER_V4, port);
        Completion accepted = accept(listener);
        clientSocket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(clientSocket, any(AF_INET)));
        Completion connected = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, port), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        assertEquals(STATUS_SUCCESS, accepted.status);
        serverSocket = accepted.socket();
    }

    void closeAll() {
        close(clientSocket);
        close(serverSocket);
        close(listener);
        executor.runUntilIdle();
    }

    /** A datagram socket on the client (wildcard) and one on the server bound to {@code port}. */
    WskSocket[] datagramPair(int port) {
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        WskSocket b = socket(server, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(a, any(AF_INET)));
        assertEquals(STATUS_SUCCESS, bind(b, addr(SERVER_V4, port)));
        return new WskSocket[] {a, b};
    }

    static WskBuf buffer(int size) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
    }

    /** Sends {@code size} bytes client to server with a WAITALL receive pending; returns the receive. */
    Completion exchange(int size) {
        Completion received = new Completion();
        connection(serverSocket).wskReceive(serverSocket, buffer(size), WSK_FLAG_WAITALL, received.irp);
        Completion sent = new Completion();
        connection(clientSocket).wskSend(clientSocket, buffer(size), 0, sent.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, sent.status);
        return received;
    }

    @Test
    void aSlowLinkTakesTheSerializationTime() {
        restartNetwork(SimNetwork.Config.defaults().withBytesPerSecond(1_000_000));
        connectPair(7100);
        Completion received = exchange(100_000); // 100 ms at 1 MB/s
        executor.advanceTimeBy(Duration.ofMillis(99));
        assertFalse(received.done(), "the bytes are still being serialized");
        executor.advanceTimeBy(Duration.ofMillis(2)); // 100 ms serialization + 100 µs latency
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(100_000, received.information);
        closeAll();
    }

    @Test
    void anUnlimitedLinkTakesOneLatency() {
        restartNetwork(SimNetwork.Config.defaults().withBytesPerSecond(0));
        connectPair(7101);
        Completion received = exchange(100_000);
        executor.advanceTimeBy(Duration.ofNanos(99_999));
        assertFalse(received.done());
        executor.advanceTimeBy(Duration.ofNanos(1));
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(100_000, received.information);
        closeAll();
    }

    @Test
    void finFollowsQueuedData() {
        restartNetwork(SimNetwork.Config.defaults().withBytesPerSecond(1_000_000));
        connectPair(7102);
        Completion received = exchange(10_000); // 10 ms
        Completion disconnect = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, 0, disconnect.irp);
        executor.advanceTimeBy(Duration.ofMillis(11));
        assertEquals(10_000, received.information);
        Completion eof = new Completion();
        connection(serverSocket).wskReceive(serverSocket, buffer(16), 0, eof.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, eof.status);
        assertEquals(0, eof.information, "the FIN came after the data");
        closeAll();
    }

    @Test
    void datagramsQueueOnTheSendersLink() {
        restartNetwork(SimNetwork.Config.defaults().withBytesPerSecond(1_000_000));
        WskSocket[] pair = datagramPair(5353);
        WskSocket a = pair[0];
        WskSocket b = pair[1];
        WskProviderDatagramDispatch da = (WskProviderDatagramDispatch) a.dispatch();
        WskProviderDatagramDispatch db = (WskProviderDatagramDispatch) b.dispatch();
        for (int i = 0; i < 2; i++) {
            Completion sent = new Completion();
            da.wskSendTo(a, buffer(1000), 0, addr(SERVER_V4, 5353), 0, null, sent.irp); // 1 ms each
        }
        Completion first = new Completion();
        db.wskReceiveFrom(b, buffer(2000), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(0), first.irp);
        executor.advanceTimeBy(Duration.ofNanos(1_099_999));
        assertFalse(first.done());
        executor.advanceTimeBy(Duration.ofNanos(1));
        assertEquals(1000, first.information);
        Completion second = new Completion();
        db.wskReceiveFrom(b, buffer(2000), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(0), second.irp);
        executor.advanceTimeBy(Duration.ofNanos(999_999));
        assertFalse(second.done(), "the second datagram waited for the first to leave");
        executor.advanceTimeBy(Duration.ofNanos(1));
        assertEquals(1000, second.information);
        close(a);
        close(b);
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
        listener = listen(SERVER_V4, 7204);
        Completion accepted = accept(listener);
        for (var expected : new org.wsk4j.nt.NtStatus[] {STATUS_CONNECTION_REFUSED, STATUS_ACCESS_DENIED}) {
            WskSocket s = connectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, bind(s, any(AF_INET)));
            Completion c = new Completion();
            connection(s).wskConnect(s, addr(SERVER_V4, 7204), 0, c.irp);
            executor.runUntilIdle();
            assertEquals(expected, c.status);
            assertFalse(accepted.done());
            close(s);
        }
        clientSocket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(clientSocket, any(AF_INET)));
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
        Completion sent = new Completion();
        connection(serverSocket).wskSend(serverSocket, SimDataPathTest.buf("held"), 0, sent.irp);
        executor.advanceTimeBy(Duration.ofSeconds(1)); // less than the retransmission timeout
        assertEquals(STATUS_SUCCESS, sent.status, "the transport took the bytes");
        assertFalse(atClient.done(), "held by the partition");
        network.heal(SimNetwork.LOCALHOST, "server");
        assertEquals(STATUS_SUCCESS, sendText(serverSocket, "after").status);
        assertEquals(STATUS_SUCCESS, atClient.status);
        assertEquals(9, atClient.information, "the held data is retransmitted, what follows waits behind it");
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
        WskSocket[] pair = datagramPair(5353);
        WskSocket a = pair[0];
        WskSocket b = pair[1];
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
        close(a);
        close(b);
        assertThrows(IllegalArgumentException.class, () -> network.partition("server", "server"));
        assertThrows(IllegalArgumentException.class, () -> network.partition("server", "nowhere"));
    }

    @Test
    void keepAliveSetBeforeTheConnectAppliesToAConnectionMadeAcrossAPartition() {
        network.partition(SimNetwork.LOCALHOST, "server"); // connects are not affected
        listener = listen(SERVER_V4, 7303);
        Completion accepted = accept(listener);
        clientSocket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(clientSocket, any(AF_INET)));
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

    // ---- partitions per direction, retransmission and its timeout -------------------------------------------

    private static final long MIN_RTO_NS = SimNetwork.MIN_RTO.toNanos();

    /** Starts a send and runs what is due now, without letting virtual time pass. */
    private Completion sendNow(WskSocket socket, String text) {
        Completion c = new Completion();
        connection(socket).wskSend(socket, SimDataPathTest.buf(text), 0, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status, "the transport took the bytes");
        return c;
    }

    /** A receive and its buffer. */
    private final class Rx {
        final Completion completion = new Completion();
        final WskBuf buffer;

        Rx(WskSocket socket, int size, int flags) {
            buffer = buffer(size);
            connection(socket).wskReceive(socket, buffer, flags, completion.irp);
        }

        boolean done() {
            return completion.done();
        }

        String text() {
            assertTrue(completion.done(), "the receive did not complete");
            assertEquals(STATUS_SUCCESS, completion.status);
            return SimDataPathTest.text(buffer, completion.information);
        }
    }

    @Test
    void theRetransmissionTimeoutIsWindowsFiveDoublingsOfTheMinimumRto() {
        assertEquals(Duration.ofMillis(300), SimNetwork.MIN_RTO);
        assertEquals(5, SimNetwork.MAX_DATA_RETRANSMISSIONS);
        assertEquals(Duration.ofMillis(18_900), SimNetwork.RETRANSMISSION_TIMEOUT);
    }

    @Test
    void aHealBeforeTheTimeoutDeliversTheHeldDataAtTheNextRetransmissionInOrderThenTheFin() {
        connectPair(7400);
        Rx atServer = new Rx(serverSocket, 6, WSK_FLAG_WAITALL);
        network.partition(SimNetwork.LOCALHOST, "server");
        sendNow(clientSocket, "abc");
        sendNow(clientSocket, "def");
        Completion disconnect = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, 0, disconnect.irp);
        executor.runPending();
        long heldAt = executor.nanoTime() + 100_000; // about one delivery latency: when they reached the cut
        executor.advanceTimeBy(Duration.ofMillis(500));
        assertFalse(atServer.done());
        network.heal(SimNetwork.LOCALHOST, "server");
        // Retransmissions at +0.3 s, +0.9 s, +2.1 s ... after the hold: the one at +0.9 s gets through.
        long retransmission = heldAt + 3 * MIN_RTO_NS;
        executor.advanceTimeBy(Duration.ofNanos(retransmission - executor.nanoTime() + 50_000));
        assertFalse(atServer.done(), "not before the retransmission has crossed the link");
        executor.advanceTimeBy(Duration.ofNanos(100_000));
        assertEquals("abcdef", atServer.text());
        Completion eof = receiveAny(serverSocket);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, eof.status);
        assertEquals(0, eof.information, "the FIN comes after the held data, not instead of it");
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("retransmission gets through")));
        closeAll();
    }

    @Test
    void withoutAHealTheSenderAbortsAfterTheRetransmissionTimeoutAndThePeerIsResetWhenItHeals() {
        connectPair(7401);
        Completion atServer = receiveAny(serverSocket);
        network.partition(SimNetwork.LOCALHOST, "server");
        sendNow(clientSocket, "lost");
        Completion atClient = receiveAny(clientSocket);
        executor.runPending();
        long heldAt = executor.nanoTime() + 100_000;
        executor.advanceTimeBy(Duration.ofNanos(heldAt + SimNetwork.RETRANSMISSION_TIMEOUT.toNanos() - 1_000
                - executor.nanoTime()));
        assertFalse(atClient.done(), "still retransmitting");
        executor.advanceTimeBy(Duration.ofNanos(2_000));
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status, "Windows: WSAECONNABORTED after a data time-out");
        assertFalse(atServer.done(), "the receiver hears nothing across the partition");
        network.heal(SimNetwork.LOCALHOST, "server");
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, atServer.status, "the aborting sender's RST");
        closeAll();
    }

    @Test
    void aOneWayPartitionHoldsOnlyItsDirection() {
        connectPair(7402);
        network.partitionOneWay(SimNetwork.LOCALHOST, "server");
        Rx atClient = new Rx(clientSocket, 64, 0);
        Rx atServer = new Rx(serverSocket, 64, 0);
        sendNow(serverSocket, "down");
        sendNow(clientSocket, "up");
        executor.advanceTimeBy(Duration.ofMillis(1));
        assertEquals("down", atClient.text(), "server -> client still flows");
        assertFalse(atServer.done(), "client -> server is held");
        network.healOneWay(SimNetwork.LOCALHOST, "server");
        executor.advanceTimeBy(Duration.ofMillis(300));
        assertEquals("up", atServer.text());
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("partition localhost -> server")));
        closeAll();
    }

    @Test
    void healEndsBothDirectionsOfAOneWayPartition() {
        network.partitionOneWay("server", SimNetwork.LOCALHOST);
        assertTrue(network.eventLog().get(network.eventLog().size() - 1).contains("partition server -> localhost"));
        network.heal(SimNetwork.LOCALHOST, "server"); // heals both directions
        assertTrue(network.eventLog().get(network.eventLog().size() - 1).contains("heal localhost / server"));
    }

    @Test
    void retransmissionIsDeterministic() {
        List<String> first = partitionedRun();
        restartNetwork(SimNetwork.Config.defaults());
        assertEquals(first, partitionedRun());
    }

    private List<String> partitionedRun() {
        connectPair(7403);
        Rx atServer = new Rx(serverSocket, 8, WSK_FLAG_WAITALL);
        network.partitionOneWay(SimNetwork.LOCALHOST, "server");
        sendNow(clientSocket, "1234");
        executor.advanceTimeBy(Duration.ofMillis(700));
        sendNow(clientSocket, "5678");
        executor.advanceTimeBy(Duration.ofMillis(700));
        network.heal(SimNetwork.LOCALHOST, "server");
        executor.runUntilIdle();
        assertEquals("12345678", atServer.text());
        closeAll();
        return network.eventLog();
    }

    // ---- hold and release of a link ------------------------------------------------------------------------

    @Test
    void aHeldLinkParksDataAndFinWithoutTimingOutAndReleaseDeliversThemInOrder() {
        connectPair(7500);
        Rx atServer = new Rx(serverSocket, 6, WSK_FLAG_WAITALL);
        Rx atClient = new Rx(clientSocket, 64, 0);
        network.hold(SimNetwork.LOCALHOST, "server");
        sendNow(clientSocket, "abc");
        sendNow(clientSocket, "def");
        Completion disconnect = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, 0, disconnect.irp);
        sendNow(serverSocket, "back"); // the other direction is not held
        executor.advanceTimeBy(Duration.ofMinutes(1)); // far beyond the retransmission timeout
        assertEquals("back", atClient.text());
        assertFalse(atServer.done(), "parked on the held link");
        assertFalse(network.eventLog().stream().anyMatch(line -> line.contains("retransmission timeout")));
        long releasedAt = executor.nanoTime();
        network.release(SimNetwork.LOCALHOST, "server");
        executor.runPending();
        assertEquals("abcdef", atServer.text());
        assertEquals(releasedAt, executor.nanoTime(), "released at the moment the test chose");
        Rx eof = new Rx(serverSocket, 16, 0);
        executor.runPending();
        assertEquals("", eof.text(), "then the FIN");
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("hold localhost -> server")));
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("release localhost -> server")));
        closeAll();
    }

    @Test
    void aHeldLinkParksDatagramsUntilRelease() {
        WskSocket[] pair = datagramPair(5354);
        WskSocket a = pair[0];
        WskSocket b = pair[1];
        network.hold(SimNetwork.LOCALHOST, "server");
        WskProviderDatagramDispatch da = (WskProviderDatagramDispatch) a.dispatch();
        WskProviderDatagramDispatch db = (WskProviderDatagramDispatch) b.dispatch();
        List<Completion> receives = new java.util.ArrayList<>();
        for (int size : new int[] {10, 20}) {
            Completion sent = new Completion();
            da.wskSendTo(a, buffer(size), 0, addr(SERVER_V4, 5354), 0, null, sent.irp);
            Completion r = new Completion();
            db.wskReceiveFrom(b, buffer(64), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(0), r.irp);
            receives.add(r);
        }
        executor.runUntilIdle();
        assertFalse(receives.get(0).done(), "held, not dropped");
        network.release(SimNetwork.LOCALHOST, "server");
        executor.runUntilIdle();
        assertEquals(10, receives.get(0).information, "in the order they were sent");
        assertEquals(20, receives.get(1).information);
        close(a);
        close(b);
    }

    // ---- link profiles on TCP --------------------------------------------------------------------------------

    @Test
    void jitterNeverReordersTcpAndTheSameSeedGivesTheSameTimes() {
        List<String> first = jitteredStream();
        restartNetwork(SimNetwork.Config.defaults());
        assertEquals(first, jitteredStream());
    }

    private List<String> jitteredStream() {
        network.setLink(SimNetwork.LOCALHOST, "server",
                LinkProfile.NORMAL.withLatency(Latency.uniform(Duration.ofNanos(10_000), Duration.ofMillis(5))));
        connectPair(7600);
        StringBuilder expected = new StringBuilder();
        Rx atServer = new Rx(serverSocket, 400, WSK_FLAG_WAITALL);
        for (int i = 0; i < 100; i++) {
            String piece = String.format("%04d", i);
            expected.append(piece);
            sendNow(clientSocket, piece);
            executor.advanceTimeBy(Duration.ofNanos(20_000)); // far less than the jitter
        }
        executor.runUntilIdle();
        assertEquals(expected.toString(), atServer.text(), "TCP delivers in order whatever the latency draws");
        long finishedAt = executor.nanoTime();
        closeAll();
        List<String> log = new java.util.ArrayList<>(network.eventLog());
        log.add("finished at " + finishedAt);
        return log;
    }

    // ---- hosts crashing, restarting, pausing ------------------------------------------------------------------

    @Test
    void aSilentCrashLeavesThePeerRetransmittingUntilItAbortsAndTheCrashedSubsystemsIrpsPending() {
        connectPair(7700);
        Completion atServer = receiveAny(serverSocket);
        Completion atClient = receiveAny(clientSocket);
        network.crash("server", false);
        sendNow(clientSocket, "anyone?");
        executor.advanceTimeBy(Duration.ofSeconds(18));
        assertFalse(atClient.done(), "the crash sent nothing: the client still retransmits");
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status, "no answer to the retransmissions");
        assertFalse(atServer.done(), "the crashed host's pending IRPs never complete");
        Completion refused = new Completion();
        WskSocket late = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(late, any(AF_INET)));
        connection(late).wskConnect(late, addr(SERVER_V4, 7700), 0, refused.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_IO_TIMEOUT, refused.status, "a crashed host does not answer a SYN");
        ConnectAttempt last = network.attempts().get(network.attempts().size() - 1);
        assertEquals(Duration.ofSeconds(21), last.completedAt().minus(last.time()), "the connect timeout");
        close(late);
        closeAll(); // the dead subsystem's sockets can still be closed: their IRPs complete cancelled
        assertEquals(STATUS_CANCELLED, atServer.status);
    }

    @Test
    void aCrashWithResetResetsThePeersAndARestartedHostTakesAFreshSubsystemOnTheSameAddress() {
        connectPair(7701);
        Completion atClient = receiveAny(clientSocket);
        network.crash("server", true);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, atClient.status);
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("crash server (peers reset)")));
        closeAll();
        network.restart("server");
        SimHosts.Client rebooted = client("server");
        WskSocket again = socket(rebooted, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(again, addr(SERVER_V4, 7701)), "the port was freed by the crash");
        Completion accepted = accept(again);
        WskSocket socket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(socket, any(AF_INET)));
        Completion connected = new Completion();
        connection(socket).wskConnect(socket, addr(SERVER_V4, 7701), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        close(socket);
        close(accepted.socket());
        close(again);
    }

    @Test
    void dataForAConnectionTheRestartedHostLostIsAnsweredWithAReset() {
        connectPair(7702);
        Completion atClient = receiveAny(clientSocket);
        network.crash("server", false);
        sendNow(clientSocket, "hello?");
        executor.advanceTimeBy(Duration.ofSeconds(1));
        network.restart("server");
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, atClient.status, "the retransmission reached a host that forgot it");
        closeAll();
    }

    @Test
    void aShortPauseOnlyDelaysAndALongOneTimesThePeerOut() {
        connectPair(7703);
        Rx atServer = new Rx(serverSocket, 5, WSK_FLAG_WAITALL);
        network.pause("server");
        sendNow(clientSocket, "hello");
        executor.advanceTimeBy(Duration.ofSeconds(2));
        assertFalse(atServer.done());
        network.resume("server");
        executor.advanceTimeBy(Duration.ofSeconds(3));
        assertEquals("hello", atServer.text(), "delivered at the next retransmission");
        Completion atClient = receiveAny(clientSocket);
        network.pause("server");
        sendNow(clientSocket, "again");
        executor.advanceTimeBy(Duration.ofSeconds(20));
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status, "silent for longer than the retransmission timeout");
        network.resume("server");
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("pause server")));
        closeAll();
    }

    @Test
    void aPausedHostsOwnCompletionsWaitAndRunInOrderAtTheResume() {
        connectPair(7705);
        network.pause("server");
        Completion first = new Completion();
        Completion second = new Completion();
        connection(serverSocket).wskSend(serverSocket, SimDataPathTest.buf("one"), 0, first.irp);
        connection(serverSocket).wskSend(serverSocket, SimDataPathTest.buf("two"), 0, second.irp);
        Completion atClient = sendNow(clientSocket, "ping"); // the client's host runs on
        executor.advanceTimeBy(Duration.ofSeconds(1));
        assertEquals(STATUS_SUCCESS, atClient.status);
        assertFalse(first.done(), "the paused host completes nothing");
        assertFalse(second.done());
        network.resume("server");
        executor.runPending();
        assertTrue(first.done() && second.done(), "run at the resume");
        assertTrue(first.sequence < second.sequence, "in the order they were queued");
        Rx atClientRx = new Rx(clientSocket, 6, WSK_FLAG_WAITALL);
        executor.advanceTimeBy(Duration.ofSeconds(5));
        assertEquals("onetwo", atClientRx.text(), "the held data arrives at the next retransmission");
        closeAll();
    }

    @Test
    void aPausedHostsTimersFireIntoTheWaitAndACancelWhileWaitingHolds() {
        org.wsk4j.nt.CompletionExecutor serverExecutor = server.wsk.executor(); // the server host's view of it
        List<String> ran = new java.util.ArrayList<>();
        serverExecutor.schedule(Duration.ofMillis(10), () -> ran.add("kept"));
        org.wsk4j.nt.ScheduledTask dropped = serverExecutor.schedule(Duration.ofMillis(20), () -> ran.add("dropped"));
        network.pause("server");
        executor.advanceTimeBy(Duration.ofSeconds(1));
        assertEquals(List.of(), ran, "both fired into the pause");
        assertTrue(dropped.cancel(), "not run yet: the cancel holds");
        network.resume("server");
        executor.runPending();
        assertEquals(List.of("kept"), ran);
        assertFalse(dropped.cancel(), "cancelled already");
    }

    // ---- parking individual messages (Fault.Hold) --------------------------------------------------------------

    @Test
    void aParkedSegmentAndWhatFollowsWaitForTheReleaseWithoutTimingOut() {
        network.onSend(7800).thenFault(Fault.delay(Duration.ZERO), Fault.hold());
        connectPair(7800);
        Rx first = new Rx(serverSocket, 3, WSK_FLAG_WAITALL);
        sendNow(clientSocket, "one");
        sendNow(clientSocket, "two"); // parked
        sendNow(clientSocket, "six"); // waits behind it
        executor.advanceTimeBy(Duration.ofMinutes(1));
        assertEquals("one", first.text());
        Rx rest = new Rx(serverSocket, 6, WSK_FLAG_WAITALL);
        executor.runPending();
        assertFalse(rest.done());
        assertEquals(1, network.parked().size(), network.parked()::toString);
        assertEquals(1, network.releaseParked());
        executor.runPending();
        assertEquals("twosix", rest.text());
        assertTrue(network.parked().isEmpty());
        closeAll();
    }

    @Test
    void aParkedSynAckCompletesTheConnectAtTheRelease() {
        network.onAccept(7801).thenFault(Fault.hold());
        listener = listen(SERVER_V4, 7801);
        Completion accepted = accept(listener);
        clientSocket = connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(clientSocket, any(AF_INET)));
        Completion connected = new Completion();
        connection(clientSocket).wskConnect(clientSocket, addr(SERVER_V4, 7801), 0, connected.irp);
        executor.advanceTimeBy(Duration.ofMinutes(1));
        assertFalse(connected.done(), "the SYN-ACK is parked");
        assertEquals(List.of("SYN-ACK of connect#1"), network.parked());
        long releasedAt = executor.nanoTime();
        network.releaseParked();
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        assertTrue(executor.nanoTime() - releasedAt <= 200_000, "completed when released");
        serverSocket = accepted.socket();
        closeAll();
    }

    @Test
    void aParkedFinIsEndOfStreamOnlyAtTheRelease() {
        network.onFin(7803).thenFault(Fault.hold());
        connectPair(7803);
        sendNow(clientSocket, "data");
        Completion disconnect = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, 0, disconnect.irp);
        Rx data = new Rx(serverSocket, 4, WSK_FLAG_WAITALL);
        executor.advanceTimeBy(Duration.ofMinutes(1));
        assertEquals(STATUS_SUCCESS, disconnect.status, "the FIN was sent");
        assertEquals("data", data.text(), "the data before the FIN arrives");
        Completion eof = receiveAny(serverSocket);
        executor.advanceTimeBy(Duration.ofMinutes(1));
        assertFalse(eof.done(), "the FIN is parked: no end of stream, no timeout");
        assertEquals(1, network.parked().size(), network.parked()::toString);
        assertTrue(network.parked().get(0).endsWith(" FIN"), network.parked()::toString);
        long releasedAt = executor.nanoTime();
        assertEquals(1, network.releaseParked());
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, eof.status);
        assertEquals(0, eof.information, "end of stream at the release");
        assertTrue(executor.nanoTime() - releasedAt <= 200_000, "delivered when released");
        assertTrue(network.unusedFaults().isEmpty());
        closeAll();
    }

    @Test
    void aDelayedFinArrivesLaterAndOnlyDataAndRstFaultsAreRefusedOnTheFinHook() {
        network.onFin(7804).thenFault(Fault.delay(Duration.ofSeconds(3)));
        connectPair(7804);
        Completion eof = receiveAny(serverSocket);
        Completion disconnect = new Completion();
        connection(clientSocket).wskDisconnect(clientSocket, null, 0, disconnect.irp);
        executor.advanceTimeBy(Duration.ofMillis(2_999));
        assertFalse(eof.done(), "the FIN leaves 3 s late");
        executor.advanceTimeBy(Duration.ofMillis(2));
        assertEquals(STATUS_SUCCESS, eof.status);
        assertEquals(0, eof.information);
        assertThrows(IllegalArgumentException.class, () -> network.onFin(7805).thenFault(Fault.resetAfter(0)));
        assertThrows(IllegalArgumentException.class, () -> network.onFin(7805).thenFault(Fault.refuse()));
        closeAll();
    }

    @Test
    void aParkedDatagramArrivesAtTheRelease() {
        network.onDatagram(5356).thenFault(Fault.hold());
        WskSocket[] pair = datagramPair(5356);
        WskSocket a = pair[0];
        WskSocket b = pair[1];
        Completion sent = new Completion();
        ((WskProviderDatagramDispatch) a.dispatch()).wskSendTo(a, buffer(7), 0, addr(SERVER_V4, 5356), 0, null,
                sent.irp);
        Completion r = new Completion();
        ((WskProviderDatagramDispatch) b.dispatch()).wskReceiveFrom(b, buffer(64), 0, new SockAddrStorage(),
                new Ref<>(0), null, new Ref<>(0), r.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, sent.status);
        assertFalse(r.done());
        network.releaseParked();
        executor.runUntilIdle();
        assertEquals(7, r.information);
        close(a);
        close(b);
        assertThrows(IllegalArgumentException.class, () -> network.onConnect(7802).thenFault(Fault.hold()));
    }

    @Test
    void dataHeldByAPartitionWhenTheReceiverCrashesStillTimesTheSenderOut() {
        connectPair(7704);
        Completion atClient = receiveAny(clientSocket);
        network.partition(SimNetwork.LOCALHOST, "server");
        sendNow(clientSocket, "held");
        executor.advanceTimeBy(Duration.ofSeconds(1));
        network.crash("server", false);
        network.heal(SimNetwork.LOCALHOST, "server");
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_ABORTED, atClient.status, "the dead host never acknowledges");
        closeAll();
    }
}
