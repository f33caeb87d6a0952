package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifierRule;

/** WskSend, WskReceive, WskDisconnect, the receive/disconnect events and WskRelease on real loopback. */
@WskTest(transport = WskTransport.NIO)
class DataPathTest {

    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi) {
        this.executor = wsk.manualExecutor();
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    private ServerSocket server;
    private Socket peer;
    private WskSocket socket;

    /** Connects a WSK socket to a java.net peer. */
    private void connectPair(int family) throws IOException {
        InetAddress loopback = InetAddress.getByName(family == AF_INET6 ? "::1" : "127.0.0.1");
        server = new ServerSocket(0, 50, loopback);
        socket = nio.createConnectionSocket(family);
        SockAddr any = family == AF_INET6 ? SockAddrIn6.any(0) : SockAddrIn.any(0);
        SockAddr remote = family == AF_INET6 ? SockAddrIn6.loopback(server.getLocalPort())
                : SockAddrIn.loopback(server.getLocalPort());
        assertEquals(STATUS_SUCCESS, nio.bind(socket, any));
        assertEquals(STATUS_SUCCESS, nio.connect(socket, remote));
        peer = server.accept();
        peer.setSoTimeout(10_000);
    }

    @AfterEach
    void closePeer() throws IOException {
        if (peer != null) {
            peer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static WskBuf buf(byte[] data) {
        ByteBuffer memory = ByteBuffer.wrap(data);
        return new WskBuf(Io.allocateMdl(memory, 0, data.length), 0, data.length);
    }

    static WskBuf empty(int capacity) {
        return buf(new byte[capacity]);
    }

    static String text(WskBuf buffer, long length) {
        ByteBuffer view = buffer.mdl().systemAddress();
        byte[] bytes = new byte[(int) length];
        view.position(buffer.offset()).get(bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private Completion send(WskBuf buffer, int flags) {
        Completion c = new Completion();
        connection(socket).wskSend(socket, buffer, flags, c.irp);
        return c;
    }

    private Completion receive(WskBuf buffer, int flags) {
        Completion c = new Completion();
        connection(socket).wskReceive(socket, buffer, flags, c.irp);
        return c;
    }

    private byte[] peerRead(int length) throws IOException {
        return peer.getInputStream().readNBytes(length);
    }

    private void peerWrite(String data) throws IOException {
        OutputStream out = peer.getOutputStream();
        out.write(data.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void sendAndReceiveOverAnMdlChainWithOffset() throws IOException {
        connectPair(AF_INET);
        Mdl first = Io.allocateMdl(ByteBuffer.wrap("xxhel".getBytes(StandardCharsets.US_ASCII)), 0, 5);
        Mdl second = Io.allocateMdl(ByteBuffer.allocateDirect(8).put("lo!".getBytes(StandardCharsets.US_ASCII)), 0, 8);
        first.setNext(second);
        Completion sent = send(new WskBuf(first, 2, 5), 0);
        nio.await(sent);
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals(5, sent.information, "Information = bytes sent");
        assertEquals("hello", new String(peerRead(5), StandardCharsets.US_ASCII));

        WskBuf in = empty(16);
        Completion received = receive(in, 0);
        peerWrite("world");
        nio.await(received);
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(5, received.information);
        assertEquals("world", text(in, 5));
        nio.close(socket);
    }

    @Test
    void largeSendCompletesOnlyWhenAllDataIsSent() throws Exception {
        connectPair(AF_INET);
        byte[] data = new byte[32 << 20]; // more than loopback's autotuned buffers (~6 MB receive + 4 MB send)
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        Completion sent = send(buf(data), 0);
        executor.runPending();
        assertFalse(sent.done(), "32 MiB cannot all be sent before the peer reads");
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return peerRead(data.length);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        nio.await(sent);
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals(data.length, sent.information);
        assertArrayEquals(data, reader.get(10, TimeUnit.SECONDS));
        nio.close(socket);
    }

    /**
     * A send the transport takes whole completes without being queued (issue 17), but only when nothing is queued
     * ahead of it: behind a send still waiting for the peer it waits its turn, its bytes follow the earlier send's,
     * and it completes after it.
     */
    @Test
    void aSmallSendBehindAQueuedSendWaitsItsTurn() throws Exception {
        connectPair(AF_INET);
        byte[] big = new byte[32 << 20];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 7);
        }
        Completion first = send(buf(big), 0);
        Completion second = send(buf("after".getBytes(StandardCharsets.US_ASCII)), 0);
        executor.runPending();
        assertFalse(first.done(), "32 MiB cannot all be sent before the peer reads");
        assertFalse(second.done(), "the small send waits behind the queued one, though the transport could take it");
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try {
                return peerRead(big.length + 5);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        nio.await(second);
        assertTrue(first.done(), "completed in the order they were accepted");
        assertEquals(STATUS_SUCCESS, first.status);
        assertEquals(big.length, first.information);
        assertEquals(STATUS_SUCCESS, second.status);
        assertEquals(5, second.information);
        byte[] read = reader.get(10, TimeUnit.SECONDS);
        assertArrayEquals(big, java.util.Arrays.copyOf(read, big.length));
        assertEquals("after", new String(read, big.length, 5, StandardCharsets.US_ASCII));
        nio.close(socket);
    }

    @Test
    void outstandingReceivesAreServedInOrderWithNothingLostOrDuplicated() throws IOException {
        connectPair(AF_INET);
        List<WskBuf> buffers = new ArrayList<>();
        List<Completion> completions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            WskBuf in = empty(3);
            buffers.add(in);
            completions.add(receive(in, WSK_FLAG_WAITALL));
        }
        peerWrite("abcdefghijkl");
        assertTrue(executor.runUntil(() -> completions.stream().allMatch(Completion::done), WAIT));
        StringBuilder joined = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            assertEquals(STATUS_SUCCESS, completions.get(i).status);
            assertEquals(3, completions.get(i).information);
            joined.append(text(buffers.get(i), 3));
        }
        assertEquals("abcdefghijkl", joined.toString());
        nio.close(socket);
    }

    @Test
    void waitAllCompletesOnlyWhenFull() throws IOException {
        connectPair(AF_INET);
        WskBuf in = empty(10);
        Completion received = receive(in, WSK_FLAG_WAITALL);
        peerWrite("abcd");
        assertFalse(executor.runUntil(received::done, Duration.ofMillis(200)), "4 of 10 bytes: still waiting");
        peerWrite("efghij");
        nio.await(received);
        assertEquals(10, received.information);
        assertEquals("abcdefghij", text(in, 10));
        nio.close(socket);
    }

    @Test
    void gracefulPeerCloseIsAZeroByteSuccessAndReceivesKeepReportingIt() throws IOException {
        connectPair(AF_INET);
        Completion received = receive(empty(8), 0);
        peer.shutdownOutput();
        nio.await(received);
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(0, received.information);
        Completion again = receive(empty(8), 0);
        nio.await(again);
        assertEquals(STATUS_SUCCESS, again.status);
        assertEquals(0, again.information);
        // the peer closed its sending side only: we can still send
        Completion sent = send(buf("after".getBytes(StandardCharsets.US_ASCII)), 0);
        nio.await(sent);
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals("after", new String(peerRead(5), StandardCharsets.US_ASCII));
        nio.close(socket);
    }

    @Test
    void peerResetFailsPendingReceiveWithConnectionReset() throws IOException {
        connectPair(AF_INET);
        Completion received = receive(empty(8), 0);
        executor.runPending();
        peer.setSoLinger(true, 0);
        peer.close();
        nio.await(received);
        assertEquals(STATUS_CONNECTION_RESET, received.status);
        assertEquals(0, received.information);
        Completion sent = send(buf(new byte[4]), 0);
        nio.await(sent);
        assertEquals(STATUS_CONNECTION_RESET, sent.status, "sending after a reset fails with the reset status");
        nio.close(socket);
    }

    @Test
    void flagAndBufferValidation() throws IOException {
        connectPair(AF_INET);
        assertEquals(STATUS_NOT_SUPPORTED, send(buf(new byte[1]), WSK_FLAG_OOB).status);
        assertEquals(STATUS_NOT_SUPPORTED, send(buf(new byte[1]), 0x40).status);
        assertEquals(STATUS_NOT_SUPPORTED, receive(empty(1), 0x40).status);
        assertEquals(STATUS_INVALID_PARAMETER, receive(empty(0), WSK_FLAG_WAITALL | WSK_FLAG_DRAIN).status);
        assertEquals(STATUS_INVALID_PARAMETER, receive(empty(4), WSK_FLAG_DRAIN).status, "DRAIN needs Length 0");
        nio.logOnly(VerifierRule.BUFFER_OUT_OF_RANGE); // the statuses a driver that keeps going sees
        Mdl small = Io.allocateMdl(ByteBuffer.allocate(4), 0, 4);
        assertEquals(STATUS_INVALID_PARAMETER, send(new WskBuf(small, 0, 5), 0).status, "Length beyond the MDL");
        assertEquals(STATUS_INVALID_PARAMETER, send(new WskBuf(small, 5, 1), 0).status, "Offset beyond the first MDL");
        assertEquals(STATUS_INVALID_PARAMETER, send(new WskBuf(null, 0, 3), 0).status, "null MDL with Length > 0");
        Mdl readOnly = Io.allocateMdl(ByteBuffer.allocate(4).asReadOnlyBuffer(), 0, 4);
        assertEquals(STATUS_INVALID_PARAMETER, receive(new WskBuf(readOnly, 0, 4), 0).status,
                "cannot receive into read-only memory");
        nio.assertLogged(3, VerifierRule.BUFFER_OUT_OF_RANGE);
        executor.runPending();
        assertEquals(0, peer.getInputStream().available(), "nothing was sent truncated");
        nio.close(socket);
    }

    @Test
    void drainDiscardsUntilThePeerDisconnects() throws IOException {
        connectPair(AF_INET);
        Completion drain = receive(new WskBuf(null, 0, 0), WSK_FLAG_DRAIN);
        peerWrite("discard me");
        assertFalse(executor.runUntil(drain::done, Duration.ofMillis(200)));
        peer.shutdownOutput();
        nio.await(drain);
        assertEquals(STATUS_SUCCESS, drain.status);
        nio.close(socket);
    }

    @Test
    void gracefulDisconnectSendsFinalBufferThenFinAndReceivingStillWorks() throws IOException {
        connectPair(AF_INET);
        Completion disconnect = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskDisconnect(socket,
                buf("bye".getBytes(StandardCharsets.US_ASCII)), 0, disconnect.irp));
        nio.await(disconnect);
        assertEquals(STATUS_SUCCESS, disconnect.status);
        InputStream in = peer.getInputStream();
        assertEquals("bye", new String(in.readNBytes(3), StandardCharsets.US_ASCII));
        assertEquals(-1, in.read(), "the peer sees our FIN");
        Completion refused = send(buf(new byte[1]), 0);
        assertEquals(STATUS_PIPE_DISCONNECTED, refused.status, "no sending after a graceful disconnect");
        WskBuf buffer = empty(8);
        Completion received = receive(buffer, 0);
        peerWrite("late");
        nio.await(received);
        assertEquals("late", text(buffer, received.information));
        peer.shutdownOutput();
        Completion eof = receive(empty(8), 0);
        nio.await(eof);
        assertEquals(0, eof.information);
        nio.close(socket); // disconnected both ways: a graceful close
    }

    @Test
    void abortiveDisconnectResetsAndFailsPendingReceives() throws IOException {
        connectPair(AF_INET);
        Completion withBuffer = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER,
                connection(socket).wskDisconnect(socket, buf(new byte[1]), WSK_FLAG_ABORTIVE, withBuffer.irp));
        Completion received = receive(empty(8), 0);
        Completion abort = new Completion();
        connection(socket).wskDisconnect(socket, null, WSK_FLAG_ABORTIVE, abort.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, abort.status);
        assertEquals(STATUS_CONNECTION_ABORTED, received.status);
        assertThrows(java.net.SocketException.class, () -> peer.getInputStream().read(), "the peer sees a reset");
        nio.close(socket);
    }

    @Test
    void abortiveDisconnectForcesAStuckGracefulDisconnect() throws IOException {
        connectPair(AF_INET);
        Completion bigSend = send(buf(new byte[32 << 20]), 0); // the peer never reads: stays pending
        Completion graceful = new Completion();
        connection(socket).wskDisconnect(socket, null, 0, graceful.irp);
        executor.runPending();
        assertFalse(bigSend.done());
        assertFalse(graceful.done(), "the graceful disconnect waits for the outstanding send");
        Completion abort = new Completion();
        connection(socket).wskDisconnect(socket, null, WSK_FLAG_ABORTIVE, abort.irp);
        executor.runPending();
        assertEquals(STATUS_CANCELLED, bigSend.status);
        assertEquals(STATUS_CANCELLED, graceful.status);
        assertEquals(STATUS_SUCCESS, abort.status);
        nio.close(socket);
    }

    @Test
    void closeCancelsPendingSendAndReceiveBeforeItCompletes() throws IOException {
        connectPair(AF_INET);
        Completion bigSend = send(buf(new byte[32 << 20]), 0);
        Completion received = receive(empty(8), 0);
        executor.runPending();
        Completion closed = new Completion();
        socket.dispatch().wskCloseSocket(socket, closed.irp);
        executor.runPending();
        assertEquals(STATUS_CANCELLED, bigSend.status);
        assertEquals(STATUS_CANCELLED, received.status);
        assertEquals(0, received.information);
        assertEquals(STATUS_SUCCESS, closed.status);
    }

    @Test
    void closeCancelsEveryPendingOperationInTheOrderItWasAccepted() throws IOException {
        // Sends and receives are kept in the socket's data queues, a graceful disconnect in its pending list: the
        // close must still cancel them in acceptance order, then complete itself.
        connectPair(AF_INET);
        Completion bigSend = send(buf(new byte[32 << 20]), 0);
        Completion firstReceive = receive(empty(8), 0);
        Completion graceful = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskDisconnect(socket, null, 0, graceful.irp));
        Completion secondReceive = receive(empty(8), 0);
        executor.runPending();
        Completion[] accepted = {bigSend, firstReceive, graceful, secondReceive};
        for (Completion c : accepted) {
            assertFalse(c.done(), "nothing completes before the close");
        }

        Completion closed = new Completion();
        socket.dispatch().wskCloseSocket(socket, closed.irp);
        executor.runPending();

        for (int i = 0; i < accepted.length; i++) {
            assertEquals(STATUS_CANCELLED, accepted[i].status, "operation " + i);
            assertEquals(1, accepted[i].runs.get());
            if (i > 0) {
                assertTrue(accepted[i - 1].sequence < accepted[i].sequence, "operation " + i + " completed out of order");
            }
        }
        assertEquals(STATUS_SUCCESS, closed.status);
        assertTrue(secondReceive.sequence < closed.sequence, "the close completes after everything it cancelled");
    }

    @Test
    void cancelPendingReceive() throws IOException {
        connectPair(AF_INET);
        Completion received = receive(empty(8), 0);
        executor.runPending();
        assertTrue(Io.cancelIrp(received.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, received.status);
        assertEquals(1, received.runs.get());
        nio.close(socket);
    }

    // ---- events ----------------------------------------------------------------------------------------

    private NtStatus enableEvents(WskSocket target, int mask) {
        return target.dispatch().wskControlSocket(target, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK,
                SOL_SOCKET, WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, mask), 0,
                null, null, null);
    }

    private WskSocket createWithCallbacks(WskClientConnectionDispatch callbacks) {
        Completion c = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, "ctx",
                callbacks, null, null, null, c.irp);
        executor.runPending();
        return c.socket();
    }

    private void connectWithCallbacks(WskClientConnectionDispatch callbacks) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket = createWithCallbacks(callbacks);
        assertEquals(STATUS_INVALID_DEVICE_STATE, enableEvents(socket, WSK_EVENT_RECEIVE), "only after connect");
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
        peer = server.accept();
        peer.setSoTimeout(10_000);
    }

    private static String indicated(WskDataIndication indication) {
        StringBuilder text = new StringBuilder();
        for (WskDataIndication i = indication; i != null; i = i.next()) {
            text.append(text(i.buffer(), i.buffer().length()));
        }
        return text.toString();
    }

    @Test
    void receiveEventConsumesData() throws IOException {
        StringBuilder got = new StringBuilder();
        List<Object> contexts = new ArrayList<>();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            contexts.add(context);
            assertTrue((flags & WSK_FLAG_AT_DISPATCH_LEVEL) != 0);
            assertEquals(org.wsk4j.nt.Irql.DISPATCH_LEVEL, org.wsk4j.nt.Ke.getCurrentIrql());
            got.append(indicated(indication));
            assertEquals(got.length(), bytes);
            return STATUS_SUCCESS;
        }, null, null));
        assertEquals(STATUS_SUCCESS, enableEvents(socket, WSK_EVENT_RECEIVE));
        peerWrite("event data");
        assertTrue(executor.runUntil(() -> got.length() == 10, WAIT));
        assertEquals("event data", got.toString());
        assertEquals("ctx", contexts.get(0), "the socket context is passed back");
        nio.close(socket);
    }

    @Test
    void retainedIndicationsAreReleasedWithWskRelease() throws IOException {
        List<WskDataIndication> kept = new ArrayList<>();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            kept.add(indication);
            return STATUS_PENDING;
        }, null, null));
        enableEvents(socket, WSK_EVENT_RECEIVE);
        peerWrite("keep");
        assertTrue(executor.runUntil(() -> !kept.isEmpty(), WAIT));
        assertEquals("keep", indicated(kept.get(0)), "retained data stays valid until released");
        assertEquals(STATUS_SUCCESS, connection(socket).wskRelease(socket, kept.get(0)));
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskRelease(socket, kept.get(0)), "released twice");
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskRelease(socket, null));
        nio.close(socket);
    }

    @Test
    void dataNotAcceptedIsKeptForTheNextReceiveWhichReArmsEvents() throws IOException {
        List<String> events = new ArrayList<>();
        boolean[] accept = {false};
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            events.add(indicated(indication));
            return accept[0] ? STATUS_SUCCESS : STATUS_DATA_NOT_ACCEPTED;
        }, null, null));
        enableEvents(socket, WSK_EVENT_RECEIVE);
        peerWrite("first");
        assertTrue(executor.runUntil(() -> events.size() == 1, WAIT));
        peerWrite("second");
        assertFalse(executor.runUntil(() -> events.size() > 1, Duration.ofMillis(200)), "events stop after DATA_NOT_ACCEPTED");
        WskBuf in = empty(5);
        Completion received = receive(in, 0);
        nio.await(received);
        assertEquals("first", text(in, received.information), "the refused data goes to the next receive");
        accept[0] = true;
        assertTrue(executor.runUntil(() -> events.size() >= 2, WAIT), "the completed receive re-armed the event");
        assertEquals("second", events.get(events.size() - 1));
        nio.close(socket);
    }

    @Test
    void partialAcceptanceKeepsTheRest() throws IOException {
        List<String> events = new ArrayList<>();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            events.add(indicated(indication));
            accepted.set(3L);
            return STATUS_SUCCESS;
        }, null, null));
        enableEvents(socket, WSK_EVENT_RECEIVE);
        peerWrite("abcdefg");
        assertTrue(executor.runUntil(() -> events.size() == 1, WAIT));
        WskBuf in = empty(16);
        Completion received = receive(in, 0);
        nio.await(received);
        assertEquals("defg", text(in, received.information), "the unaccepted rest");
        nio.close(socket);
    }

    @Test
    void pendingReceiveTakesPrecedenceOverTheEvent() throws IOException {
        List<String> events = new ArrayList<>();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            events.add(indicated(indication));
            return STATUS_SUCCESS;
        }, null, null));
        enableEvents(socket, WSK_EVENT_RECEIVE);
        WskBuf in = empty(16);
        Completion received = receive(in, 0);
        peerWrite("irp first");
        nio.await(received);
        assertEquals("irp first", text(in, received.information));
        assertTrue(events.isEmpty());
        nio.close(socket);
    }

    @Test
    void disconnectEventGracefulAndAbortive() throws IOException {
        List<Integer> flagsSeen = new ArrayList<>();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) ->
                STATUS_SUCCESS, (context, flags) -> {
                    flagsSeen.add(flags);
                    return STATUS_SUCCESS;
                }, null));
        assertEquals(STATUS_SUCCESS, enableEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT));
        peer.shutdownOutput();
        assertTrue(executor.runUntil(() -> !flagsSeen.isEmpty(), WAIT));
        assertEquals(0, flagsSeen.get(0) & WSK_FLAG_ABORTIVE, "graceful");
        nio.close(socket);
        peer.close();
        server.close();

        flagsSeen.clear();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) ->
                STATUS_SUCCESS, (context, flags) -> {
                    flagsSeen.add(flags);
                    return STATUS_SUCCESS;
                }, null));
        enableEvents(socket, WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT);
        peer.setSoLinger(true, 0);
        peer.close();
        assertTrue(executor.runUntil(() -> !flagsSeen.isEmpty(), WAIT));
        assertEquals(WSK_FLAG_ABORTIVE, flagsSeen.get(0) & WSK_FLAG_ABORTIVE, "abortive");
        nio.close(socket);
    }

    @Test
    void retainedDataIsBoundedAndReadingResumesAfterRelease() throws Exception {
        List<WskDataIndication> kept = new ArrayList<>();
        AtomicLong indicatedTotal = new AtomicLong();
        connectWithCallbacks(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            kept.add(indication);
            indicatedTotal.addAndGet(bytes);
            return STATUS_PENDING; // a driver that holds on to everything
        }, null, null));
        enableEvents(socket, WSK_EVENT_RECEIVE);
        int total = 32 << 20; // more than loopback's autotuned socket buffers can absorb
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try {
                peer.getOutputStream().write(new byte[total]);
                peer.getOutputStream().flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(executor.runUntil(() -> indicatedTotal.get() >= ConnectionSocket.RETAINED_LIMIT, WAIT));
        executor.runUntil(() -> false, Duration.ofMillis(300)); // give reading every chance to continue
        assertTrue(indicatedTotal.get() < ConnectionSocket.RETAINED_LIMIT + ConnectionSocket.INDICATION_CHUNK,
                "reading paused at the retained limit: " + indicatedTotal.get());
        assertFalse(writer.isDone(), "TCP flow control pushes back on the peer");
        while (indicatedTotal.get() < total) {
            for (WskDataIndication indication : new ArrayList<>(kept)) {
                assertEquals(STATUS_SUCCESS, connection(socket).wskRelease(socket, indication));
            }
            kept.clear();
            long before = indicatedTotal.get();
            assertTrue(executor.runUntil(() -> indicatedTotal.get() > before || indicatedTotal.get() >= total, WAIT));
        }
        for (WskDataIndication indication : kept) {
            connection(socket).wskRelease(socket, indication);
        }
        writer.get(10, TimeUnit.SECONDS);
        assertEquals(total, indicatedTotal.get(), "nothing lost");
        nio.close(socket);
    }

    // ---- Ex functions, IOCTLs, options ------------------------------------------------------------------

    @Test
    void connectExSendsInitialData() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        Completion flagged = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskConnectEx(socket,
                SockAddrIn.loopback(server.getLocalPort()), null, 1, flagged.irp));
        Completion tooBig = new Completion();
        assertEquals(STATUS_BUFFER_OVERFLOW, connection(socket).wskConnectEx(socket,
                SockAddrIn.loopback(server.getLocalPort()), buf(new byte[65_536]), 0, tooBig.irp));
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskConnectEx(socket, SockAddrIn.loopback(server.getLocalPort()),
                buf("hello".getBytes(StandardCharsets.US_ASCII)), 0, c.irp));
        peer = server.accept();
        peer.setSoTimeout(10_000);
        nio.await(c);
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals("hello", new String(peerRead(5), StandardCharsets.US_ASCII));
        nio.close(socket);
    }

    @Test
    void sendExAndReceiveEx() throws IOException {
        connectPair(AF_INET);
        Completion control = new Completion();
        assertEquals(STATUS_NOT_SUPPORTED, connection(socket).wskSendEx(socket, buf(new byte[1]), 0, 4, new byte[4],
                control.irp));
        Completion sent = new Completion();
        connection(socket).wskSendEx(socket, buf("ex".getBytes(StandardCharsets.US_ASCII)), 0, 0, null, sent.irp);
        nio.await(sent);
        assertEquals("ex", new String(peerRead(2), StandardCharsets.US_ASCII));
        Ref<Integer> controlLength = new Ref<>(64);
        Ref<Integer> controlFlags = new Ref<>(7);
        WskBuf in = empty(4);
        Completion received = new Completion();
        connection(socket).wskReceiveEx(socket, in, 0, controlLength, new byte[64], controlFlags, received.irp);
        peerWrite("back");
        nio.await(received);
        assertEquals("back", text(in, 4));
        assertEquals(0, controlLength.get());
        assertEquals(0, controlFlags.get());
        nio.close(socket);
    }

    @Test
    void backlogIoctlsAndOptions() throws IOException {
        connectPair(AF_INET);
        Ref<Long> ideal = new Ref<>();
        Completion c = new Completion();
        socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl, SIO_WSK_QUERY_IDEAL_SEND_BACKLOG, 0,
                0, null, 8, ideal, null, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertTrue(ideal.get() > 0);
        Ref<Long> small = new Ref<>();
        assertEquals(STATUS_BUFFER_OVERFLOW, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_QUERY_RECEIVE_BACKLOG, 0, 0, null, 4, new Ref<Long>(), small, new Completion().irp));
        assertEquals(8L, small.get());

        assertEquals(STATUS_PENDING, setOption(SOL_SOCKET, SO_KEEPALIVE, 1));
        assertEquals(1, getOption(SOL_SOCKET, SO_KEEPALIVE));
        assertEquals(STATUS_PENDING, setOption(IPPROTO_TCP, TCP_NODELAY, 1));
        assertEquals(1, getOption(IPPROTO_TCP, TCP_NODELAY));
        assertEquals(STATUS_PENDING, setOption(SOL_SOCKET, SO_RCVBUF, 65536));
        assertTrue(getOption(SOL_SOCKET, SO_RCVBUF) >= 65536);
        assertEquals(STATUS_INVALID_DEVICE_STATE, setOption(SOL_SOCKET, SO_REUSEADDR, 1), "must precede bind");
        assertEquals(STATUS_NOT_SUPPORTED, setOption(SOL_SOCKET, 0x7777, 1));
        assertEquals(STATUS_INVALID_PARAMETER, setOption(0x1234, 1, 1), "unknown level");
        assertEquals(STATUS_INVALID_PARAMETER, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption,
                SO_KEEPALIVE, SOL_SOCKET, 4, 1, 0, null, null, null), "socket options require an IRP");
        nio.close(socket);
    }

    private NtStatus setOption(int level, int code, int value) {
        Completion c = new Completion();
        NtStatus returned = socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, code, level,
                4, value, 0, null, null, c.irp);
        executor.runPending();
        return returned == STATUS_PENDING ? (c.status == STATUS_SUCCESS ? STATUS_PENDING : c.status) : returned;
    }

    private int getOption(int level, int code) {
        Ref<Integer> value = new Ref<>();
        Completion c = new Completion();
        socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskGetOption, code, level, 0, null, 4, value,
                null, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(4, c.information);
        return value.get();
    }

    @Test
    void ipv6RoundTripAndV6OnlyDefault() throws IOException {
        connectPair(AF_INET6);
        assertEquals(1, getOption(IPPROTO_IPV6, IPV6_V6ONLY), "Windows' default");
        Completion sent = send(buf("six".getBytes(StandardCharsets.US_ASCII)), 0);
        nio.await(sent);
        assertEquals("six", new String(peerRead(3), StandardCharsets.US_ASCII));
        WskBuf in = empty(3);
        Completion received = receive(in, 0);
        peerWrite("ack");
        nio.await(received);
        assertEquals("ack", text(in, 3));
        nio.close(socket);
    }
}
