package org.wsk4j.sim;

import org.wsk4j.Completion;
import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;

/**
 * Link behaviour: the transfer rate of TCP directions and datagram senders. On {@link SimTestBase}: each test needs a
 * {@link SimNetwork.Config} with a rate, which {@code @WskTest} cannot build. The send and accept hooks, partitions and
 * keep-alive are in {@link SimHooksAndPartitionsTest}.
 */
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
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        WskSocket b = socket(server, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(a, any(AF_INET)));
        assertEquals(STATUS_SUCCESS, bind(b, addr(SERVER_V4, 5353)));
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
}
