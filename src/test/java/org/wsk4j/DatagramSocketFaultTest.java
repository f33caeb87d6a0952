package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;

/**
 * Datagram paths real loopback does not produce on demand: a transport that cannot take a datagram now
 * (send returns false), and a fatal receive failure. A thin wrapper over the NIO transport injects them.
 */
class DatagramSocketFaultTest extends WskTestBase {

    /** Wraps the NIO datagram endpoint; by default everything passes through. */
    static final class FaultyDatagram extends ForwardingEndpoint<TransportDatagram> implements TransportDatagram {
        volatile boolean full;
        volatile NtStatus receiveFailure;

        FaultyDatagram(TransportDatagram inner) {
            super(inner);
        }

        @Override
        public Received receive(ByteBuffer destination) throws TransportException {
            NtStatus failure = receiveFailure;
            if (failure != null) {
                throw new TransportException(failure, null);
            }
            return inner.receive(destination);
        }

        @Override
        public boolean send(ByteBuffer source, InetSocketAddress target) throws TransportException {
            return !full && inner.send(source, target);
        }
    }

    static final class FaultyTransport extends ForwardingTransport {
        volatile FaultyDatagram last;

        FaultyTransport() {
            super("faulty-nio");
        }

        @Override
        public TransportDatagram openDatagram(int addressFamily) throws TransportException {
            FaultyDatagram datagram = new FaultyDatagram(nio.openDatagram(addressFamily));
            last = datagram;
            return datagram;
        }
    }

    FaultyTransport transport;

    @Override
    org.wsk4j.spi.Transport transport() {
        transport = new FaultyTransport();
        return transport;
    }

    WskSocket boundSocket(Object dispatch) {
        Completion c = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, null,
                dispatch, null, null, null, c.irp);
        executor.runPending();
        WskSocket socket = c.socket();
        Completion b = new Completion();
        DatagramSocketTest.dg(socket).wskBind(socket, SockAddrIn.loopback(0), 0, b.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, b.status);
        return socket;
    }

    static DatagramChannel peer() throws IOException {
        DatagramChannel peer = DatagramChannel.open();
        peer.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        peer.socket().setSoTimeout((int) WAIT.toMillis());
        return peer;
    }

    @Test
    void sendsWaitWhileTheTransportIsFullAndCompleteFifo() throws IOException {
        try (DatagramChannel peer = peer()) {
            WskSocket socket = boundSocket(null);
            FaultyDatagram faulty = transport.last;
            faulty.full = true;
            SockAddr to = SockAddr.of((InetSocketAddress) peer.getLocalAddress());
            Completion first = new Completion();
            Completion second = new Completion();
            assertEquals(STATUS_PENDING, DatagramSocketTest.dg(socket).wskSendTo(socket, DatagramSocketTest.buf("1st"),
                    0, to, 0, null, first.irp));
            assertEquals(STATUS_PENDING, DatagramSocketTest.dg(socket).wskSendTo(socket, DatagramSocketTest.buf("2nd"),
                    0, to, 0, null, second.irp));
            executor.runPending();
            assertEquals(0, first.runs.get(), "not handed to the transport yet: no completion");
            assertEquals(0, second.runs.get());
            faulty.full = false;
            await(first);
            await(second);
            assertEquals(STATUS_SUCCESS, first.status);
            assertEquals(3, first.information);
            assertEquals("1st", DatagramSocketTest.receiveAt(peer, null));
            assertEquals("2nd", DatagramSocketTest.receiveAt(peer, null));

            // a waiting send can be cancelled
            faulty.full = true;
            Completion stuck = new Completion();
            DatagramSocketTest.dg(socket).wskSendTo(socket, DatagramSocketTest.buf("never"), 0, to, 0, null, stuck.irp);
            assertTrue(Io.cancelIrp(stuck.irp));
            executor.runPending();
            assertEquals(STATUS_CANCELLED, stuck.status);
            assertEquals(1, stuck.runs.get());
            close(socket);
        }
    }

    @Test
    void closeCancelsASendThatWaits() throws IOException {
        try (DatagramChannel peer = peer()) {
            WskSocket socket = boundSocket(null);
            transport.last.full = true;
            Completion waiting = new Completion();
            DatagramSocketTest.dg(socket).wskSendTo(socket, DatagramSocketTest.buf("x"), 0,
                    SockAddr.of((InetSocketAddress) peer.getLocalAddress()), 0, null, waiting.irp);
            close(socket);
            assertEquals(STATUS_CANCELLED, waiting.status);
            assertEquals(1, waiting.runs.get());
        }
    }

    @Test
    void fatalReceiveFailureFailsPendingReceivesAndIndicatesNullOnce() throws IOException {
        try (DatagramChannel peer = peer()) {
            DatagramSocketTest.Recorder recorder = new DatagramSocketTest.Recorder();
            WskSocket socket = boundSocket(new WskClientDatagramDispatch(recorder));
            assertEquals(STATUS_SUCCESS, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption,
                    SO_WSK_EVENT_CALLBACK, SOL_SOCKET, WskEventCallbackControl.SIZE,
                    new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE_FROM), 0, null, null, null));
            DatagramSocketTest.Receive pending = new DatagramSocketTest.Receive(16);
            pending.post(socket);
            transport.last.receiveFailure = STATUS_UNEXPECTED_NETWORK_ERROR;
            peer.send(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)), transport.last.localAddress());
            await(pending.c);
            assertEquals(STATUS_UNEXPECTED_NETWORK_ERROR, pending.c.status);
            assertTrue(executor.runUntil(() -> recorder.nullIndications == 1, WAIT));

            DatagramSocketTest.Receive after = new DatagramSocketTest.Receive(16);
            assertEquals(STATUS_FILE_FORCED_CLOSED, after.post(socket), "the socket is dead");
            Completion send = new Completion();
            assertEquals(STATUS_FILE_FORCED_CLOSED, DatagramSocketTest.dg(socket).wskSendTo(socket,
                    DatagramSocketTest.buf("x"), 0, SockAddr.of((InetSocketAddress) peer.getLocalAddress()), 0, null,
                    send.irp));
            executor.runPending();
            assertEquals(1, recorder.nullIndications);
            assertEquals(0, recorder.count());
            close(socket);
        }
    }
}
