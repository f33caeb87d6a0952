package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketOption;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.internal.nio.NioTransport;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.spi.TransportListener;

/**
 * The listener-unusable signal: when the transport's accept fails, pending WskAccept IRPs complete with the
 * failure, WskAcceptEvent is called once with a null socket, and the listener stops accepting.
 */
class ListenSocketFailureTest extends WskTestBase {

    /** Set to make every listener's accept fail. */
    static volatile boolean failAccept;

    /** NIO transport whose listeners' accept can be made to fail. */
    static final class FailingTransport implements Transport {
        final NioTransport nio = new NioTransport("failing-nio");

        @Override
        public String name() {
            return "failing-nio";
        }

        @Override
        public TransportConnection openConnection(int addressFamily) throws TransportException {
            return nio.openConnection(addressFamily);
        }

        @Override
        public TransportListener openListener(int addressFamily) throws TransportException {
            TransportListener inner = nio.openListener(addressFamily);
            return new TransportListener() {
                @Override
                public TransportConnection accept() throws TransportException {
                    if (failAccept) {
                        throw new TransportException(STATUS_INSUFFICIENT_RESOURCES, new IOException("Too many open files"));
                    }
                    return inner.accept();
                }

                @Override
                public NtStatus bind(InetSocketAddress localAddress) {
                    return inner.bind(localAddress);
                }

                @Override
                public InetSocketAddress localAddress() {
                    return inner.localAddress();
                }

                @Override
                public void setHandler(TransportHandler handler) {
                    inner.setHandler(handler);
                }

                @Override
                public void setInterest(int ops) {
                    inner.setInterest(ops);
                }

                @Override
                public <T> NtStatus setOption(SocketOption<T> option, T value) {
                    return inner.setOption(option, value);
                }

                @Override
                public <T> T getOption(SocketOption<T> option) throws TransportException {
                    return inner.getOption(option);
                }

                @Override
                public void close(boolean abortive) {
                    inner.close(abortive);
                }
            };
        }

        @Override
        public TransportDatagram openDatagram(int addressFamily) throws TransportException {
            return nio.openDatagram(addressFamily);
        }

        @Override
        public void close() {
            nio.close();
        }
    }

    @Override
    @BeforeEach
    void startSubsystem() {
        failAccept = false;
        wsk = WskSubsystem.builder().manualExecutor().transport(new FailingTransport()).build();
        executor = wsk.manualExecutor();
        binding = wsk.bindToCurrentThread();
        registration = new WskRegistration();
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(MAKE_WSK_VERSION(1, 0)), registration));
        npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
    }

    @Test
    void failedTransportAcceptMakesTheListenerUnusable() throws IOException {
        AtomicInteger nullIndications = new AtomicInteger();
        WskAcceptEvent onAccept = (context, flags, local, remote, socket, acceptContext, acceptDispatch) -> {
            if (socket == null) {
                nullIndications.incrementAndGet();
            }
            return STATUS_REQUEST_NOT_ACCEPTED;
        };
        Completion create = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null,
                new WskClientListenDispatch(onAccept, null, null), null, null, null, create.irp);
        executor.runPending();
        WskSocket listener = create.socket();
        WskProviderListenDispatch dispatch = (WskProviderListenDispatch) listener.dispatch();
        Completion bind = new Completion();
        dispatch.wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, bind.status);
        assertEquals(STATUS_SUCCESS, listener.dispatch().wskControlSocket(listener, WskControlSocketType.WskSetOption,
                SO_WSK_EVENT_CALLBACK, SOL_SOCKET, WskEventCallbackControl.SIZE,
                new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT), 0, null, null, null));
        SockAddrIn local = new SockAddrIn();
        Completion address = new Completion();
        dispatch.wskGetLocalAddress(listener, local, address.irp);
        executor.runPending();

        Completion pending = new Completion();
        dispatch.wskAccept(listener, 0, null, null, null, null, pending.irp);
        failAccept = true;
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), local.port()));
            await(pending);
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, pending.status, "pending accepts get the failure");
            assertEquals(1, pending.runs.get());
            assertTrue(executor.runUntil(() -> nullIndications.get() == 1, WAIT));
            Completion later = new Completion();
            assertEquals(STATUS_FILE_FORCED_CLOSED,
                    dispatch.wskAccept(listener, 0, null, null, null, null, later.irp));
            assertEquals(1, later.runs.get());
        }
        executor.runPending();
        assertEquals(1, nullIndications.get(), "the null indication comes at most once");
        close(listener);
    }
}
