package org.wsk4j.internal.nio;

import static org.junit.jupiter.api.Assertions.*;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wsk4j.FullBacklog;
import org.wsk4j.Wsk;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/**
 * A peer that resets the connection after the handshake, before Linux reported the connect (finishConnect then
 * throws ECONNRESET), gives what Windows gives: the connect succeeds, and the next read, write or readiness
 * reports STATUS_CONNECTION_RESET. On loopback the handshake completes inside connect(2), so the reset can never
 * beat finishConnect there: the test hands the endpoint the exception finishConnect throws in that race.
 */
class NioConnectResetTest {

    @Test
    void aResetAfterTheHandshakeIsASuccessfulConnectAndAResetOnTheNextOperation() throws Exception {
        try (NioTransport transport = new NioTransport("connect-reset-test"); FullBacklog pending = new FullBacklog()) {
            NioConnection connection = (NioConnection) transport.openConnection(Wsk.AF_INET);
            assertEquals(NtStatus.STATUS_SUCCESS, connection.bind(new InetSocketAddress("127.0.0.1", 0)));
            CompletableFuture<NtStatus> outcome = new CompletableFuture<>();
            connection.connect(new InetSocketAddress("127.0.0.1", pending.port()), (status, cause) ->
                    outcome.complete(status));
            assertFalse(outcome.isDone(), "the SYN waits in front of a full backlog");

            connection.connectFailed(new SocketException("Connection reset"));

            assertEquals(NtStatus.STATUS_SUCCESS, outcome.get(10, TimeUnit.SECONDS));
            assertEquals(pending.port(), connection.remoteAddress().getPort());
            TransportException read = assertThrows(TransportException.class,
                    () -> connection.read(new ByteBuffer[] {ByteBuffer.allocate(8)}));
            assertEquals(NtStatus.STATUS_CONNECTION_RESET, read.status());
            TransportException write = assertThrows(TransportException.class,
                    () -> connection.write(new ByteBuffer[] {ByteBuffer.allocate(8)}));
            assertEquals(NtStatus.STATUS_CONNECTION_RESET, write.status());
            CompletableFuture<Void> readable = new CompletableFuture<>();
            connection.setHandler(new TransportHandler() {
                @Override
                public void onReadable() {
                    readable.complete(null);
                }
            });
            connection.setInterest(TransportHandler.READ);
            readable.get(10, TimeUnit.SECONDS); // the error is reported as readiness, without a selection key
            connection.close(true);
        }
    }

    @Test
    void aRefusedConnectStaysAFailure() throws Exception {
        try (NioTransport transport = new NioTransport("connect-refused-test"); FullBacklog pending = new FullBacklog()) {
            TransportConnection connection = transport.openConnection(Wsk.AF_INET);
            assertEquals(NtStatus.STATUS_SUCCESS, connection.bind(new InetSocketAddress("127.0.0.1", 0)));
            CompletableFuture<NtStatus> outcome = new CompletableFuture<>();
            connection.connect(new InetSocketAddress("127.0.0.1", pending.port()), (status, cause) ->
                    outcome.complete(status));
            ((NioConnection) connection).connectFailed(new java.net.ConnectException("Connection refused"));
            assertEquals(NtStatus.STATUS_CONNECTION_REFUSED, outcome.get(10, TimeUnit.SECONDS));
            connection.close(true);
        }
    }
}
