package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.ManualCompletionExecutor;

/** WSK_FLAG_STREAM_SOCKET: commits to the connection or the listener role on first use. */
@WskTest(transport = WskTransport.NIO)
class StreamSocketTest {

    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi) {
        this.executor = wsk.manualExecutor();
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    private WskSocket createStream() {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_STREAM_SOCKET, null, new WskClientStreamDispatch(null, null), null, null, null, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertInstanceOf(WskProviderStreamDispatch.class, c.socket().dispatch());
        return c.socket();
    }

    private static WskProviderStreamDispatch stream(WskSocket socket) {
        return (WskProviderStreamDispatch) socket.dispatch();
    }

    @Test
    void connectCommitsToTheConnectionRole() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            WskSocket socket = createStream();
            Completion unbound = new Completion();
            assertEquals(STATUS_INVALID_DEVICE_STATE, stream(socket).wskListen(socket, unbound.irp), "bind first");
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            Completion connected = new Completion();
            stream(socket).wskConnect(socket, SockAddrIn.loopback(server.getLocalPort()), 0, connected.irp);
            nio.await(connected);
            assertEquals(STATUS_SUCCESS, connected.status);
            Completion listen = new Completion();
            assertEquals(STATUS_INVALID_DEVICE_STATE, stream(socket).wskListen(socket, listen.irp),
                    "the connection role is permanent");
            Completion accept = new Completion();
            assertEquals(STATUS_INVALID_DEVICE_STATE,
                    stream(socket).wskAccept(socket, 0, null, null, null, null, accept.irp));
            try (Socket peer = server.accept()) {
                peer.setSoTimeout(10_000);
                byte[] data = "stream".getBytes(StandardCharsets.US_ASCII);
                Completion sent = new Completion();
                stream(socket).wskSend(socket, new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, data.length), 0,
                        data.length), 0, sent.irp);
                nio.await(sent);
                assertEquals("stream", new String(peer.getInputStream().readNBytes(6), StandardCharsets.US_ASCII));
            }
            nio.close(socket);
        }
    }

    @Test
    void listenCommitsToTheListenerRole() throws IOException {
        WskSocket socket = createStream();
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.loopback(0)));
        SockAddrIn bound = new SockAddrIn();
        Completion local = new Completion();
        stream(socket).wskGetLocalAddress(socket, bound, local.irp);
        executor.runPending();
        int port = bound.port();
        Completion listen = new Completion();
        assertEquals(STATUS_PENDING, stream(socket).wskListen(socket, listen.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, listen.status);
        SockAddrIn listening = new SockAddrIn();
        Completion again = new Completion();
        stream(socket).wskGetLocalAddress(socket, listening, again.irp);
        executor.runPending();
        assertEquals(port, listening.port(), "the listener keeps the bound address");
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            assertTrue(client.isConnected(), "the port is listening");
        }
        Completion connect = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, stream(socket).wskConnect(socket, SockAddrIn.loopback(9), 0, connect.irp),
                "the listener role is permanent");
        Completion send = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, stream(socket).wskSend(socket,
                new WskBuf(Io.allocateMdl(ByteBuffer.allocate(1), 0, 1), 0, 1), 0, send.irp));
        Completion second = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, stream(socket).wskListen(socket, second.irp));
        nio.close(socket);
    }

    /**
     * The listener role is the stream socket itself (no internal second socket): it accepts, and its close cancels the
     * accept still waiting before the close completes.
     */
    @Test
    void aListeningStreamSocketAcceptsAndItsCloseCancelsTheWaitingAccept() throws IOException {
        WskSocket socket = createStream();
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.loopback(0)));
        Completion listen = new Completion();
        stream(socket).wskListen(socket, listen.irp);
        nio.await(listen);
        assertEquals(STATUS_SUCCESS, listen.status);
        SockAddrIn local = new SockAddrIn();
        Completion address = new Completion();
        stream(socket).wskGetLocalAddress(socket, local, address.irp);
        nio.await(address);
        Completion accepted = new Completion();
        assertEquals(STATUS_PENDING, stream(socket).wskAccept(socket, 0, null, null, null, null, accepted.irp));
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), local.port()), 10_000);
            nio.await(accepted);
            assertEquals(STATUS_SUCCESS, accepted.status);
            WskSocket connection = accepted.socket();
            assertInstanceOf(WskProviderConnectionDispatch.class, connection.dispatch());
            Completion waiting = new Completion();
            assertEquals(STATUS_PENDING, stream(socket).wskAccept(socket, 0, null, null, null, null, waiting.irp));
            Completion closed = new Completion();
            assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, closed.irp));
            nio.await(closed);
            assertEquals(STATUS_SUCCESS, closed.status);
            assertEquals(1, waiting.runs.get(), "the waiting accept completed before the close");
            assertEquals(STATUS_CANCELLED, waiting.status);
            nio.close(connection);
        }
    }
}
