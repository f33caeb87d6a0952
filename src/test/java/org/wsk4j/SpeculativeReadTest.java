package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.wsk4j.Wsk.AF_INET;
import static org.wsk4j.nt.NtStatus.STATUS_SUCCESS;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;

/**
 * The read a receive tries when it is queued, before readiness is reported: skipped on the transport's readiness
 * thread, and backed off elsewhere while it keeps finding nothing (request/response traffic), on real loopback.
 * Every receive still completes with the data, whichever way it is read.
 */
class SpeculativeReadTest extends WskTestBase {

    /** Reads that returned nothing (a speculative read before the data was there). */
    private final AtomicInteger emptyReads = new AtomicInteger();
    /** What readinessPolledNext() answers on the test thread. */
    private volatile boolean onReadinessThread;

    private ServerSocket server;
    private Socket peer;
    private WskSocket socket;

    /** NIO connections that count empty reads and can claim the caller is their readiness thread. */
    private final class CountingTransport extends ForwardingTransport {
        CountingTransport() {
            super("counting-nio");
        }

        @Override
        public TransportConnection openConnection(int addressFamily) throws TransportException {
            return new CountingConnection(nio.openConnection(addressFamily));
        }
    }

    private final class CountingConnection extends ForwardingEndpoint<TransportConnection>
            implements TransportConnection {
        private final Thread testThread = Thread.currentThread();

        CountingConnection(TransportConnection inner) {
            super(inner);
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return inner.remoteAddress();
        }

        @Override
        public void connect(InetSocketAddress remoteAddress, ConnectCallback callback) {
            inner.connect(remoteAddress, callback);
        }

        @Override
        public NtStatus bindForConnect(InetSocketAddress localAddress) {
            return inner.bindForConnect(localAddress);
        }

        @Override
        public boolean readinessPolledNext() {
            return Thread.currentThread() == testThread ? onReadinessThread : inner.readinessPolledNext();
        }

        @Override
        public long read(ByteBuffer[] destinations) throws TransportException {
            long read = inner.read(destinations);
            if (read == 0) {
                emptyReads.incrementAndGet();
            }
            return read;
        }

        @Override
        public long write(ByteBuffer[] sources) throws TransportException {
            return inner.write(sources);
        }

        @Override
        public void shutdownOutput() throws TransportException {
            inner.shutdownOutput();
        }
    }

    @Override
    org.wsk4j.spi.Transport transport() {
        return new CountingTransport();
    }

    @BeforeEach
    void connectPair() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket = createConnectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_SUCCESS, connect(socket, SockAddrIn.loopback(server.getLocalPort())));
        peer = server.accept();
    }

    @AfterEach
    void closePair() throws IOException {
        close(socket);
        peer.close();
        server.close();
    }

    /** Posts a receive and then lets the peer answer it (request/response: nothing waits when it is posted). */
    private void receiveAnswer(String answer) throws IOException {
        WskBuf in = DataPathTest.empty(64);
        Completion received = new Completion();
        connection(socket).wskReceive(socket, in, 0, received.irp);
        peerWrite(answer);
        await(received);
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(answer, DataPathTest.text(in, received.information));
    }

    /** Lets the peer write first, then posts a receive (streaming: the data is already there). */
    private void receiveWaiting(String data) throws IOException {
        peerWrite(data); // on loopback the bytes are readable when the peer's write returns
        WskBuf in = DataPathTest.empty(64);
        Completion received = new Completion();
        connection(socket).wskReceive(socket, in, 0, received.irp);
        await(received);
        assertEquals(STATUS_SUCCESS, received.status);
        assertEquals(data, DataPathTest.text(in, received.information));
    }

    private void peerWrite(String data) throws IOException {
        OutputStream out = peer.getOutputStream();
        out.write(data.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void emptySpeculativeReadsBackOffExponentially() throws IOException {
        // Receives 1, 3, 6 and 11 try a read (empty); after each empty one the next 1, 2, 4, 8 receives skip it.
        int[] emptyAfter = {1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4};
        for (int i = 0; i < emptyAfter.length; i++) {
            receiveAnswer("answer " + i);
            assertEquals(emptyAfter[i], emptyReads.get(), "empty reads after receive " + (i + 1));
        }
    }

    @Test
    void aSpeculativeReadThatFindsDataEndsTheBackOff() throws IOException {
        receiveAnswer("one"); // empty: the next receive skips
        receiveAnswer("two"); // skipped
        receiveWaiting("three"); // tried, and it finds the data: back-off reset
        receiveAnswer("four"); // tried again (empty)
        assertEquals(2, emptyReads.get());
        receiveAnswer("five"); // skipped: back-off starts over at one receive
        assertEquals(2, emptyReads.get());
    }

    @Test
    void noSpeculativeReadOnTheReadinessThread() throws IOException {
        onReadinessThread = true;
        for (int i = 0; i < 5; i++) {
            receiveAnswer("answer " + i);
        }
        receiveWaiting("already there"); // no read when queued: readiness delivers it
        assertEquals(0, emptyReads.get());
    }
}
