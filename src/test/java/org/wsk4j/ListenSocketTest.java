package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** Listening sockets on real loopback: WskAccept, WskAcceptEvent, conditional accept, IPV6_V6ONLY, close. */
@WskTest(transport = WskTransport.NIO)
class ListenSocketTest {

    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private WskRegistration registration;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi, WskRegistration registration) {
        this.wsk = wsk;
        this.executor = wsk.manualExecutor();
        this.registration = registration;
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    WskSocket createListener(int family, WskClientListenDispatch dispatch) {
        return createListener(family, dispatch, null);
    }

    WskSocket createListener(int family, WskClientListenDispatch dispatch, Object context) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), family, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_LISTEN_SOCKET, context, dispatch, null, null, null, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return c.socket();
    }

    static WskProviderListenDispatch listen(WskSocket socket) {
        return (WskProviderListenDispatch) socket.dispatch();
    }

    NtStatus bindListener(WskSocket socket, SockAddr address) {
        Completion c = new Completion();
        listen(socket).wskBind(socket, address, 0, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        return c.status;
    }

    /** Creates an AF_INET listener bound to 127.0.0.1, port chosen by the system. */
    WskSocket boundListener(WskClientListenDispatch dispatch) {
        WskSocket socket = createListener(AF_INET, dispatch);
        assertEquals(STATUS_SUCCESS, bindListener(socket, SockAddrIn.loopback(0)));
        return socket;
    }

    int port(WskSocket socket) {
        SockAddrStorage local = new SockAddrStorage();
        Completion c = new Completion();
        ((WskProviderListenDispatch) socket.dispatch()).wskGetLocalAddress(socket, local, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return local.port();
    }

    NtStatus setOption(WskSocket socket, int level, int code, int value) {
        Completion c = new Completion();
        socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, code, level, 4, value, 0, null,
                null, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        return c.status;
    }

    NtStatus events(WskSocket socket, int mask) {
        return socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK,
                SOL_SOCKET, WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, mask), 0,
                null, null, null);
    }

    Completion accept(WskSocket listener, SockAddr local, SockAddr remote) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, listen(listener).wskAccept(listener, 0, null, null, local, remote, c.irp));
        return c;
    }

    static Socket client(int port) throws IOException {
        Socket socket = new Socket();
        socket.setSoTimeout((int) WAIT.toMillis());
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return socket;
    }

    /** The peer closed the connection abortively (reset) or at least closed it. */
    static void assertDropped(Socket client) throws IOException {
        try {
            assertEquals(-1, client.getInputStream().read(), "the connection must be closed");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was not closed", e);
        } catch (IOException e) {
            // connection reset: the expected abortive close
        }
    }

    WskSocket acceptedSocket(Completion c) {
        nio.await(c);
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(1, c.runs.get());
        WskSocket socket = c.socket();
        assertNotNull(socket);
        assertTrue(socket.dispatch() instanceof WskProviderConnectionDispatch);
        return socket;
    }

    SockAddrStorage remoteOf(WskSocket accepted) {
        SockAddrStorage remote = new SockAddrStorage();
        Completion c = new Completion();
        connection(accepted).wskGetRemoteAddress(accepted, remote, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return remote;
    }

    // ---- WskAccept -------------------------------------------------------------------------------------

    @Test
    void queuedAcceptCompletesWhenAClientConnects() throws IOException {
        WskSocket listener = boundListener(null);
        Completion c = accept(listener, null, null);
        executor.runPending();
        assertFalse(c.done(), "no client yet");
        try (Socket client = client(port(listener))) {
            WskSocket accepted = acceptedSocket(c);
            assertTrue(c.pendingReturned);
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            assertEquals(0, ((SocketImpl) accepted).eventMask(), "sockets from WskAccept start with callbacks off");
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void lowResourcesSimulationFailsAcceptedConnectionsAndResetsThem() throws IOException {
        WskSocket listener = boundListener(null);
        int port = port(listener);
        Completion queued = accept(listener, null, null); // IRPs allocated before allocations start to fail
        Completion immediate = new Completion();
        Completion afterwards = accept(listener, null, null);
        wsk.ioManager().setLowResourcesSimulation(1.0, 11);
        try (Socket first = client(port)) {
            nio.await(queued);
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, queued.status, "a queued WskAccept sees the failure");
            assertNull(queued.informationObject, "and gets no socket");
            assertDropped(first);
        }
        try (Socket second = client(port)) {
            nio.await(afterwards);
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, afterwards.status, "the next queued one too");
            assertDropped(second);
        }
        try (Socket third = client(port)) {
            // No IRP is waiting: the connection sits in the backlog until this WskAccept takes it.
            assertEquals(STATUS_PENDING, listen(listener).wskAccept(listener, 0, null, null, null, null,
                    immediate.irp));
            nio.await(immediate);
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, immediate.status);
            assertDropped(third);
        }
        wsk.ioManager().setLowResourcesSimulation(0, 0);
        assertEquals(1, registration.openSocketCount(), "only the listener is open: failed accepts leak nothing");
        Completion recovered = accept(listener, null, null);
        try (Socket fourth = client(port)) {
            nio.close(acceptedSocket(recovered));
        }
        nio.close(listener);
    }

    @Test
    void clientFirstThenAcceptReturnsPendingAndCompletes() throws IOException {
        WskSocket listener = boundListener(null);
        try (Socket client = client(port(listener))) {
            Completion c = accept(listener, null, null);
            WskSocket accepted = acceptedSocket(c);
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void acceptFillsLocalAndRemoteAddresses() throws IOException {
        WskSocket listener = boundListener(null);
        int port = port(listener);
        SockAddrIn local = new SockAddrIn();
        SockAddrStorage remote = new SockAddrStorage();
        Completion c = accept(listener, local, remote);
        try (Socket client = client(port)) {
            WskSocket accepted = acceptedSocket(c);
            assertEquals(port, local.port());
            assertEquals(InetAddress.getLoopbackAddress(), local.address());
            assertEquals(AF_INET, remote.family());
            assertEquals(client.getLocalPort(), remote.port());
            assertEquals(client.getLocalAddress(), remote.address());
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void pendingAcceptsAreServedFifo() throws IOException {
        WskSocket listener = boundListener(null);
        int port = port(listener);
        Completion first = accept(listener, null, null);
        Completion second = accept(listener, null, null);
        Completion third = accept(listener, null, null);
        try (Socket a = client(port)) {
            WskSocket acceptedA = acceptedSocket(first);
            assertFalse(second.done());
            assertFalse(third.done());
            assertEquals(a.getLocalPort(), remoteOf(acceptedA).port());
            try (Socket b = client(port)) {
                WskSocket acceptedB = acceptedSocket(second);
                assertFalse(third.done());
                assertEquals(b.getLocalPort(), remoteOf(acceptedB).port());
                try (Socket c = client(port)) {
                    WskSocket acceptedC = acceptedSocket(third);
                    assertEquals(c.getLocalPort(), remoteOf(acceptedC).port());
                    nio.close(acceptedC);
                }
                nio.close(acceptedB);
            }
            nio.close(acceptedA);
        }
        assertEquals(1, first.runs.get());
        assertEquals(1, second.runs.get());
        assertEquals(1, third.runs.get());
        nio.close(listener);
    }

    @Test
    void cancellingAPendingAcceptCompletesItCancelled() throws IOException {
        WskSocket listener = boundListener(null);
        Completion c = accept(listener, null, null);
        executor.runPending();
        assertTrue(Io.cancelIrp(c.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, c.status);
        assertEquals(0, c.information);
        assertEquals(1, c.runs.get());
        // the listener still works; the cancelled IRP does not take the next connection
        Completion next = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            nio.close(acceptedSocket(next));
        }
        assertEquals(1, c.runs.get());
        nio.close(listener);
    }

    @Test
    void closingTheListenerCancelsPendingAcceptsBeforeTheCloseCompletes() throws IOException {
        WskSocket listener = boundListener(null);
        int port = port(listener);
        Completion a = accept(listener, null, null);
        Completion b = accept(listener, null, null);
        executor.runPending();
        AtomicBoolean acceptsFirst = new AtomicBoolean();
        AtomicInteger closeRuns = new AtomicInteger();
        Irp closeIrp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(closeIrp, (device, irp, context) -> {
            acceptsFirst.set(a.done() && b.done());
            closeRuns.incrementAndGet();
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        assertEquals(STATUS_PENDING, listener.dispatch().wskCloseSocket(listener, closeIrp));
        executor.runPending();
        assertEquals(1, closeRuns.get());
        assertTrue(acceptsFirst.get(), "the accepts completed before the close");
        for (Completion c : List.of(a, b)) {
            assertEquals(STATUS_CANCELLED, c.status);
            assertEquals(0, c.information);
            assertEquals(1, c.runs.get());
        }
        // java.nio closes a selector-registered channel's descriptor when the selector thread deregisters its
        // key, just after the close IRP completed (a documented gap, microseconds wide): wait, bounded, for the
        // port to stop listening instead of assuming it already has.
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        boolean refused = false;
        while (!refused && System.nanoTime() < deadline) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                refused = true;
            }
        }
        assertTrue(refused, "nothing listens after close");
    }

    @Test
    void acceptArgumentChecks() {
        WskSocket unbound = createListener(AF_INET, null);
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, listen(unbound).wskAccept(unbound, 0, null, null, null, null, c.irp));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_DEVICE_STATE, c.status);

        assertEquals(STATUS_SUCCESS, bindListener(unbound, SockAddrIn.loopback(0)));
        Completion flags = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, listen(unbound).wskAccept(unbound, 1, null, null, null, null, flags.irp));
        assertEquals(STATUS_INVALID_PARAMETER, flags.status);
        Completion wrongFamily = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, listen(unbound).wskAccept(unbound, 0, null, null, null,
                new SockAddrIn6(), wrongFamily.irp), "a SOCKADDR_IN6 cannot hold an AF_INET address");
        assertEquals(STATUS_INVALID_PARAMETER, wrongFamily.status);
        assertEquals(STATUS_INVALID_PARAMETER, listen(unbound).wskAccept(unbound, 0, null, null, null, null, null),
                "no IRP: nothing to complete");
        nio.close(unbound);
    }

    @Test
    void bindTwiceAndAddressInUse() {
        WskSocket listener = boundListener(null);
        assertEquals(STATUS_INVALID_DEVICE_STATE, bindListener(listener, SockAddrIn.loopback(0)));
        WskSocket other = createListener(AF_INET, null);
        assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, bindListener(other, SockAddrIn.loopback(port(listener))));
        nio.close(other);
        nio.close(listener);
    }

    // ---- WskAcceptEvent --------------------------------------------------------------------------------

    /** Records accept events; keeps the sockets it accepted. */
    static final class AcceptRecorder implements WskAcceptEvent {
        final List<WskSocket> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger nullSockets = new AtomicInteger();
        volatile NtStatus answer = STATUS_SUCCESS;
        volatile int flags;
        volatile Object socketContext;
        volatile SockAddr remote;

        @Override
        public NtStatus wskAcceptEvent(Object context, int eventFlags, SockAddr localAddress, SockAddr remoteAddress,
                                       WskSocket acceptSocket, Ref<Object> acceptSocketContext,
                                       Ref<WskClientConnectionDispatch> acceptSocketDispatch) {
            if (acceptSocket == null) {
                nullSockets.incrementAndGet();
                return STATUS_REQUEST_NOT_ACCEPTED;
            }
            flags = eventFlags;
            socketContext = context;
            remote = remoteAddress;
            acceptSocketContext.set("connection context");
            acceptSocketDispatch.set(null);
            if (answer == STATUS_SUCCESS) {
                accepted.add(acceptSocket);
            }
            calls.incrementAndGet();
            return answer;
        }
    }

    @Test
    void acceptEventEnabledAfterBindDeliversWorkingSockets() throws IOException {
        AcceptRecorder recorder = new AcceptRecorder();
        WskSocket listener = createListener(AF_INET, new WskClientListenDispatch(recorder, null, null), "listener");
        assertEquals(STATUS_INVALID_DEVICE_STATE, events(listener, WSK_EVENT_ACCEPT), "only after bind");
        assertEquals(STATUS_SUCCESS, bindListener(listener, SockAddrIn.loopback(0)));
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE));
        assertEquals(STATUS_INVALID_DEVICE_STATE, events(listener, WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE),
                "connection events enabled on a listener stay on");
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> recorder.calls.get() == 1, WAIT));
            WskSocket accepted = recorder.accepted.get(0);
            assertEquals("listener", recorder.socketContext);
            assertEquals(WSK_FLAG_AT_DISPATCH_LEVEL, recorder.flags & WSK_FLAG_AT_DISPATCH_LEVEL);
            assertEquals(client.getLocalPort(), recorder.remote.port());
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            assertEquals(client.getLocalAddress(), remoteOf(accepted).address());
            SocketImpl impl = (SocketImpl) accepted;
            assertEquals("connection context", impl.context);
            assertTrue(impl.isEventEnabled(WSK_EVENT_RECEIVE), "inherited through WskAcceptEvent");
            assertFalse(impl.isEventEnabled(WSK_EVENT_DISCONNECT));
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void acceptEventRejectionResetsTheConnection() throws IOException {
        AcceptRecorder recorder = new AcceptRecorder();
        recorder.answer = STATUS_REQUEST_NOT_ACCEPTED;
        WskSocket listener = boundListener(new WskClientListenDispatch(recorder, null, null));
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT));
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> recorder.calls.get() == 1, WAIT));
            executor.runPending();
            assertDropped(client);
        }
        assertEquals(1, registration.openSocketCount(), "only the listener is open");
        nio.close(listener);
    }

    @Test
    void staticAcceptEventIsLiveAsSoonAsBound() throws IOException {
        assertTrue(registration.setStaticEventMask(WSK_EVENT_ACCEPT));
        AcceptRecorder recorder = new AcceptRecorder();
        WskSocket listener = boundListener(new WskClientListenDispatch(recorder, null, null));
        assertEquals(STATUS_INVALID_DEVICE_STATE, events(listener, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE),
                "static callbacks cannot be disabled");
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> recorder.calls.get() == 1, WAIT));
            nio.close(recorder.accepted.get(0));
        }
        nio.close(listener);
    }

    @Test
    void pendingAcceptIrpWinsOverTheEvent() throws IOException {
        AcceptRecorder recorder = new AcceptRecorder();
        WskSocket listener = boundListener(new WskClientListenDispatch(recorder, null, null));
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT));
        Completion c = accept(listener, null, null);
        int port = port(listener);
        try (Socket first = client(port)) {
            WskSocket byIrp = acceptedSocket(c);
            assertEquals(first.getLocalPort(), remoteOf(byIrp).port());
            assertEquals(0, recorder.calls.get(), "the queued IRP took the connection");
            try (Socket second = client(port)) {
                assertTrue(executor.runUntil(() -> recorder.calls.get() == 1, WAIT), "then the event takes over");
                assertEquals(second.getLocalPort(), remoteOf(recorder.accepted.get(0)).port());
                nio.close(recorder.accepted.get(0));
            }
            nio.close(byIrp);
        }
        nio.close(listener);
    }

    @Test
    void disablingTheAcceptEventLeavesConnectionsForWskAccept() throws IOException {
        AcceptRecorder recorder = new AcceptRecorder();
        WskSocket listener = boundListener(new WskClientListenDispatch(recorder, null, null));
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT));
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE));
        try (Socket client = client(port(listener))) {
            executor.runPending();
            Completion c = accept(listener, null, null);
            WskSocket accepted = acceptedSocket(c);
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            assertEquals(0, recorder.calls.get());
            nio.close(accepted);
        }
        nio.close(listener);
    }

    // ---- conditional accept ----------------------------------------------------------------------------

    /** An inspect callback answering with a fixed action and recording the ids; plus an abort counter. */
    static final class Inspector implements WskInspectEvent, WskAbortEvent {
        final List<WskInspectId> ids = new CopyOnWriteArrayList<>();
        final AtomicInteger aborts = new AtomicInteger();
        volatile WskInspectAction answer;
        volatile SockAddr remote;

        Inspector(WskInspectAction answer) {
            this.answer = answer;
        }

        @Override
        public WskInspectAction wskInspectEvent(Object context, SockAddr localAddress, SockAddr remoteAddress,
                                                WskInspectId inspectId) {
            remote = remoteAddress;
            ids.add(inspectId);
            return answer;
        }

        @Override
        public NtStatus wskAbortEvent(Object context, WskInspectId inspectId) {
            aborts.incrementAndGet();
            return STATUS_SUCCESS;
        }
    }

    WskSocket conditionalListener(Inspector inspector, WskAcceptEvent acceptEvent) {
        WskSocket listener = createListener(AF_INET, new WskClientListenDispatch(acceptEvent, inspector, inspector));
        assertEquals(STATUS_SUCCESS, setOption(listener, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1));
        assertEquals(STATUS_SUCCESS, bindListener(listener, SockAddrIn.loopback(0)));
        assertEquals(STATUS_INVALID_DEVICE_STATE, setOption(listener, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 0),
                "only before bind");
        return listener;
    }

    NtStatus inspectComplete(WskSocket listener, WskInspectId id, WskInspectAction action) {
        Completion c = new Completion();
        listen(listener).wskInspectComplete(listener, id, action, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        return c.status;
    }

    WskInspectId queryInspectId(WskSocket socket, Ref<Long> size, NtStatus expected) {
        Ref<WskInspectId> id = new Ref<>();
        assertEquals(expected, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_QUERY_INSPECT_ID, 0, 0, null, ConnectionSocket.INSPECT_ID_SIZE, id, size, null));
        return id.get();
    }

    @Test
    void conditionalAcceptRejectDropsTheConnection() throws IOException {
        Inspector inspector = new Inspector(WskInspectAction.WskInspectReject);
        WskSocket listener = conditionalListener(inspector, null);
        Completion c = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> inspector.ids.size() == 1, WAIT));
            assertEquals(client.getLocalPort(), inspector.remote.port());
            executor.runPending();
            assertDropped(client);
        }
        assertFalse(c.done(), "a rejected request is never accepted");
        assertEquals(0, inspector.aborts.get());
        nio.close(listener);
        assertEquals(STATUS_CANCELLED, c.status);
    }

    @Test
    void conditionalAcceptAcceptDeliversThroughWskAcceptWithItsInspectId() throws IOException {
        Inspector inspector = new Inspector(WskInspectAction.WskInspectAccept);
        WskSocket listener = conditionalListener(inspector, null);
        Completion c = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            WskSocket accepted = acceptedSocket(c);
            assertEquals(1, inspector.ids.size());
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            Ref<Long> size = new Ref<>();
            assertEquals(inspector.ids.get(0), queryInspectId(accepted, size, STATUS_SUCCESS));
            assertEquals(ConnectionSocket.INSPECT_ID_SIZE, size.get());
            Completion withIrp = new Completion();
            assertEquals(STATUS_INVALID_PARAMETER, accepted.dispatch().wskControlSocket(accepted,
                    WskControlSocketType.WskIoctl, SIO_WSK_QUERY_INSPECT_ID, 0, 0, null, 16, new Ref<>(), null,
                    withIrp.irp), "the IOCTL takes no IRP");
            assertEquals(1, withIrp.runs.get());
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void conditionalAcceptDeliversThroughTheAcceptEvent() throws IOException {
        Inspector inspector = new Inspector(WskInspectAction.WskInspectAccept);
        AcceptRecorder recorder = new AcceptRecorder();
        WskSocket listener = conditionalListener(inspector, recorder);
        assertEquals(STATUS_SUCCESS, events(listener, WSK_EVENT_ACCEPT));
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> recorder.calls.get() == 1, WAIT));
            assertEquals(inspector.ids.get(0), queryInspectId(recorder.accepted.get(0), null, STATUS_SUCCESS));
            nio.close(recorder.accepted.get(0));
        }
        nio.close(listener);
    }

    @Test
    void pendedRequestAcceptedWithInspectComplete() throws IOException {
        Inspector inspector = new Inspector(WskInspectAction.WskInspectPend);
        WskSocket listener = conditionalListener(inspector, null);
        Completion c = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> inspector.ids.size() == 1, WAIT));
            executor.runPending();
            assertFalse(c.done(), "pended: not accepted yet");
            WskInspectId id = inspector.ids.get(0);
            assertEquals(STATUS_INVALID_PARAMETER, inspectComplete(listener, id, WskInspectAction.WskInspectPend));
            assertEquals(STATUS_INVALID_PARAMETER, inspectComplete(listener, null, WskInspectAction.WskInspectAccept));
            assertEquals(STATUS_INVALID_PARAMETER, inspectComplete(listener,
                    new WskInspectId(id.key() + 1000, id.serialNumber()), WskInspectAction.WskInspectAccept));
            // compared by contents: a copy of the id works
            assertEquals(STATUS_SUCCESS, inspectComplete(listener, new WskInspectId(id.key(), id.serialNumber()),
                    WskInspectAction.WskInspectAccept));
            WskSocket accepted = acceptedSocket(c);
            assertEquals(client.getLocalPort(), remoteOf(accepted).port());
            assertEquals(STATUS_INVALID_PARAMETER, inspectComplete(listener, id, WskInspectAction.WskInspectAccept),
                    "already completed");
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void pendedRequestRejectedWithInspectComplete() throws IOException {
        Inspector inspector = new Inspector(WskInspectAction.WskInspectPend);
        WskSocket listener = conditionalListener(inspector, null);
        Completion c = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            assertTrue(executor.runUntil(() -> inspector.ids.size() == 1, WAIT));
            assertEquals(STATUS_SUCCESS, inspectComplete(listener, inspector.ids.get(0),
                    WskInspectAction.WskInspectReject));
            assertDropped(client);
        }
        executor.runPending();
        assertFalse(c.done());
        nio.close(listener);
        assertEquals(STATUS_CANCELLED, c.status);
    }

    @Test
    void inspectCompleteAndInspectIdOutsideConditionalAccept() throws IOException {
        WskSocket listener = boundListener(null);
        assertEquals(STATUS_INVALID_DEVICE_REQUEST, inspectComplete(listener, new WskInspectId(1, 1),
                WskInspectAction.WskInspectAccept));
        Completion c = accept(listener, null, null);
        try (Socket client = client(port(listener))) {
            WskSocket accepted = acceptedSocket(c);
            assertNull(queryInspectId(accepted, null, STATUS_INVALID_DEVICE_REQUEST));
            nio.close(accepted);
        }
        WskSocket noInspect = createListener(AF_INET, new WskClientListenDispatch(null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, setOption(noInspect, SOL_SOCKET, SO_CONDITIONAL_ACCEPT, 1),
                "conditional accept needs WskInspectEvent");
        nio.close(noInspect);
        nio.close(listener);
    }

    // ---- IPV6_V6ONLY -----------------------------------------------------------------------------------

    @Test
    void ipv6ListenerIsV6OnlyByDefault() throws IOException {
        WskSocket listener = createListener(AF_INET6, null);
        assertEquals(STATUS_SUCCESS, bindListener(listener, SockAddrIn6.any(0)));
        int port = port(listener);
        Completion c = accept(listener, null, new SockAddrIn6());
        try (Socket v4 = client(port)) {
            assertDropped(v4);
        }
        executor.runPending();
        assertFalse(c.done(), "an IPv4 peer is not handed out by a v6-only listener");
        try (Socket v6 = new Socket()) {
            v6.connect(new InetSocketAddress(InetAddress.getByName("::1"), port));
            WskSocket accepted = acceptedSocket(c);
            SockAddrStorage remote = remoteOf(accepted);
            assertEquals(AF_INET6, remote.family());
            assertEquals(v6.getLocalPort(), remote.port());
            nio.close(accepted);
        }
        nio.close(listener);
    }

    @Test
    void dualStackListenerAcceptsIpv4ClientsAsMappedAddresses() throws IOException {
        WskSocket listener = createListener(AF_INET6, null);
        assertEquals(STATUS_SUCCESS, setOption(listener, IPPROTO_IPV6, IPV6_V6ONLY, 0));
        assertEquals(STATUS_SUCCESS, bindListener(listener, SockAddrIn6.any(0)));
        SockAddrIn6 remote = new SockAddrIn6();
        SockAddrStorage local = new SockAddrStorage();
        Completion c = accept(listener, local, remote);
        try (Socket v4 = client(port(listener))) {
            WskSocket accepted = acceptedSocket(c);
            assertEquals(v4.getLocalPort(), remote.port());
            Inet6Address mapped = remote.address();
            byte[] bytes = mapped.getAddress();
            assertEquals((byte) 0xFF, bytes[10]);
            assertEquals((byte) 0xFF, bytes[11]);
            assertEquals(127, bytes[12]);
            assertEquals(AF_INET6, local.family(), "addresses come in the listener's family");
            nio.close(accepted);
        }
        nio.close(listener);
    }

    // ---- echosrv-style: static accept event, dual stack, accepted socket kept ----------------------------

    @Test
    void echosrvStyleListenerServesBothFamilies() throws IOException {
        assertTrue(registration.setStaticEventMask(WSK_EVENT_ACCEPT));
        AtomicReference<WskSocket> last = new AtomicReference<>();
        AtomicInteger calls = new AtomicInteger();
        WskAcceptEvent onAccept = (context, flags, local, remote, socket, acceptContext, acceptDispatch) -> {
            if (socket == null) {
                return STATUS_REQUEST_NOT_ACCEPTED;
            }
            acceptContext.set(null);
            acceptDispatch.set(null);
            last.set(socket);
            calls.incrementAndGet();
            return STATUS_SUCCESS;
        };
        WskSocket listener = createListener(AF_INET6, new WskClientListenDispatch(onAccept, null, null));
        assertEquals(STATUS_SUCCESS, setOption(listener, IPPROTO_IPV6, IPV6_V6ONLY, 0));
        assertEquals(STATUS_SUCCESS, bindListener(listener, SockAddrIn6.any(0)));
        int port = port(listener);
        try (Socket v4 = client(port)) {
            assertTrue(executor.runUntil(() -> calls.get() == 1, WAIT));
            WskSocket first = last.get();
            try (Socket v6 = new Socket()) {
                v6.connect(new InetSocketAddress(InetAddress.getByName("::1"), port));
                assertTrue(executor.runUntil(() -> calls.get() == 2, WAIT));
                assertTrue(last.get() != first);
                nio.close(last.get());
            }
            nio.close(first);
        }
        nio.close(listener);
    }
}
