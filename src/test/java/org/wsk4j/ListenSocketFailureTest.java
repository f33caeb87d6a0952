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
    /** The status the failing accept reports. */
    static volatile NtStatus failure = STATUS_UNSUCCESSFUL;

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
                throw new TransportException(failure, new IOException(failure == STATUS_INSUFFICIENT_RESOURCES
                        ? "Too many open files" : "Socket closed"));
            }
            return inner.accept();
        }
    }

    @Override
    org.wsk4j.spi.Transport transport() {
        failAccept = false;
        failure = STATUS_UNSUCCESSFUL;
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
        WskSocket listener = listener(onAccept);
        WskProviderListenDispatch dispatch = (WskProviderListenDispatch) listener.dispatch();
        SockAddrIn local = localAddress(listener);

        Completion pending = new Completion();
        dispatch.wskAccept(listener, 0, null, null, null, null, pending.irp);
        failAccept = true;
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), local.port()));
            await(pending);
            assertEquals(STATUS_UNSUCCESSFUL, pending.status, "pending accepts get the failure");
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

    /** A bound listener with WskAcceptEvent enabled. */
    private WskSocket listener(WskAcceptEvent onAccept) {
        Completion create = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null,
                new WskClientListenDispatch(onAccept, null, null), null, null, null, create.irp);
        executor.runPending();
        WskSocket listener = create.socket();
        Completion bind = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, bind.status);
        assertEquals(STATUS_SUCCESS, listener.dispatch().wskControlSocket(listener, WskControlSocketType.WskSetOption,
                SO_WSK_EVENT_CALLBACK, SOL_SOCKET, WskEventCallbackControl.SIZE,
                new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT), 0, null, null, null));
        return listener;
    }

    private SockAddrIn localAddress(WskSocket listener) {
        SockAddrIn local = new SockAddrIn();
        Completion address = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskGetLocalAddress(listener, local, address.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, address.status);
        return local;
    }

    /**
     * Issue 15, finding 3: a transient shortage (the process out of descriptors: EMFILE, reported as
     * STATUS_INSUFFICIENT_RESOURCES) fails the pending WskAccept but not the listener: once descriptors are free
     * again, the next WskAccept gets the connection that waited, as on Windows and Linux.
     */
    @Test
    void listenerSurvivesATransientDescriptorShortage() throws IOException {
        AtomicInteger nullIndications = new AtomicInteger();
        WskSocket listener = listener((context, flags, local, remote, socket, acceptContext, acceptDispatch) -> {
            if (socket == null) {
                nullIndications.incrementAndGet();
            }
            return STATUS_REQUEST_NOT_ACCEPTED;
        });
        WskProviderListenDispatch dispatch = (WskProviderListenDispatch) listener.dispatch();
        SockAddrIn local = localAddress(listener);
        failure = STATUS_INSUFFICIENT_RESOURCES;
        failAccept = true;
        Completion pending = new Completion();
        dispatch.wskAccept(listener, 0, null, null, null, null, pending.irp);
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), local.port()));
            await(pending);
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, pending.status, "the pending accept gets the shortage");
            failAccept = false; // descriptors freed
            Completion later = new Completion();
            assertEquals(STATUS_PENDING, dispatch.wskAccept(listener, 0, null, null, null, null, later.irp));
            await(later);
            assertEquals(STATUS_SUCCESS, later.status, "the listener still works");
            WskSocket accepted = later.socket();
            assertEquals(0, nullIndications.get(), "a transient failure is not the listener-unusable signal");
            close(accepted);
        }
        close(listener);
    }
}
