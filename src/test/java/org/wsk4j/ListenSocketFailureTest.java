package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/**
 * The listener-unusable signal: when the transport's accept fails, pending WskAccept IRPs complete with the
 * failure, WskAcceptEvent is called once with a null socket, and the listener stops accepting.
 */
class ListenSocketFailureTest extends WskTestBase {

    /** Set to make every listener's accept fail. */
    static volatile boolean failAccept;

    /** NIO transport whose listeners' accept can be made to fail. */
    static final class FailingTransport extends ForwardingTransport {
        FailingTransport() {
            super("failing-nio");
        }

        @Override
        public TransportListener openListener(int addressFamily) throws TransportException {
            return new FailingListener(nio.openListener(addressFamily));
        }
    }

    /** A listener whose accept fails while {@link #failAccept} is set. */
    static final class FailingListener extends ForwardingEndpoint<TransportListener> implements TransportListener {
        FailingListener(TransportListener inner) {
            super(inner);
        }

        @Override
        public TransportConnection accept() throws TransportException {
            if (failAccept) {
                throw new TransportException(STATUS_INSUFFICIENT_RESOURCES, new IOException("Too many open files"));
            }
            return inner.accept();
        }
    }

    @Override
    org.wsk4j.spi.Transport transport() {
        failAccept = false;
        return new FailingTransport();
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
