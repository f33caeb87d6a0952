package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;

/** Socket categories and their tables, IPv6, address queries, and the WSK-boundary verifier checks. */
@WskTest(transport = WskTransport.NIO)
class SocketCategoryTest {

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

    private WskSocket create(int family, int type, int protocol, int flags, Object dispatch) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), family, type, protocol, flags, "ctx",
                dispatch, null, null, null, c.irp));
        assertEquals(0, c.runs.get(), "success completes through the executor, not inline");
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertTrue(c.pendingReturned);
        assertNotEquals(0, c.information, "Information is non-zero while it holds a socket");
        return c.socket();
    }

    @Test
    void everyCategoryGetsItsProviderTable() {
        WskSocket basic = create(AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_BASIC_SOCKET, null);
        assertFalse(basic.dispatch() instanceof WskProviderListenDispatch);
        assertFalse(basic.dispatch() instanceof WskProviderConnectionDispatch);
        WskSocket listen = create(AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
                new WskClientListenDispatch(null, null, null));
        assertTrue(listen.dispatch() instanceof WskProviderListenDispatch);
        WskSocket datagram = create(AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET,
                new WskClientDatagramDispatch(null));
        assertTrue(datagram.dispatch() instanceof WskProviderDatagramDispatch);
        WskSocket connection = create(AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                new WskClientConnectionDispatch(null, null, null));
        assertTrue(connection.dispatch() instanceof WskProviderConnectionDispatch);
        assertFalse(connection.dispatch() instanceof WskProviderStreamDispatch);
        WskSocket stream = create(AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_STREAM_SOCKET,
                new WskClientStreamDispatch(null, null));
        assertTrue(stream.dispatch() instanceof WskProviderStreamDispatch);
        assertEquals(5, registration.openSocketCount());
        for (WskSocket socket : new WskSocket[] {basic, listen, datagram, connection, stream}) {
            nio.close(socket);
        }
        assertEquals(0, registration.openSocketCount());
    }

    @Test
    void ipv6ConnectAndAddresses() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("::1"))) {
            WskSocket socket = nio.createConnectionSocket(AF_INET6);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn6.any(0)));
            assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn6.loopback(server.getLocalPort())));
            SockAddrIn6 remote = new SockAddrIn6();
            Completion r = new Completion();
            connection(socket).wskGetRemoteAddress(socket, remote, r.irp);
            executor.runPending();
            assertEquals(STATUS_SUCCESS, r.status);
            assertEquals(SockAddrIn6.loopback(server.getLocalPort()), remote);
            SockAddrIn tooSmall = new SockAddrIn();
            Completion local = new Completion();
            assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskGetLocalAddress(socket, tooSmall, local.irp),
                    "a SOCKADDR_IN cannot hold an IPv6 address");
            nio.close(socket);
        }
    }

    @Test
    void addressQueriesOnUnboundOrUnconnectedSockets() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Completion local = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, connection(socket).wskGetLocalAddress(socket, new SockAddrIn(), local.irp));
        Completion remote = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, connection(socket).wskGetRemoteAddress(socket, new SockAddrIn(), remote.irp));
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.loopback(0)));
        SockAddrIn bound = new SockAddrIn();
        Completion after = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskGetLocalAddress(socket, bound, after.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, after.status);
        assertEquals(InetAddress.getLoopbackAddress(), bound.address());
        assertNotEquals(0, bound.port(), "the port is assigned at bind");
        Completion stillUnconnected = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE,
                connection(socket).wskGetRemoteAddress(socket, new SockAddrIn(), stillUnconnected.irp));
        nio.close(socket);
    }

    @Test
    void closeWithoutIrpIsRejectedAndTheSocketStaysUsable() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_INVALID_PARAMETER, socket.dispatch().wskCloseSocket(socket, null));
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        nio.close(socket);
    }

    @Test
    void closingTwiceIsAVerifierViolation() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        nio.close(socket);
        wsk.ioManager().verifier().setMode(VerifierRule.SOCKET_USED_AFTER_CLOSE, Verifier.Mode.LOG);
        Completion second = new Completion();
        assertEquals(STATUS_INVALID_HANDLE, socket.dispatch().wskCloseSocket(socket, second.irp),
                "in LOG mode the call completes its IRP with STATUS_INVALID_HANDLE");
        assertEquals(1, second.runs.get());
        assertEquals(VerifierRule.SOCKET_USED_AFTER_CLOSE, wsk.ioManager().verifier().violations().get(0).rule());
        wsk.ioManager().verifier().clearViolations();
    }

    @Test
    void irpWithoutCompletionRoutineIsReportedAtHandOver() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Irp bare = Io.allocateIrp(1, false);
        VerifierError error = assertThrows(VerifierError.class,
                () -> connection(socket).wskBind(socket, SockAddrIn.any(0), 0, bare));
        assertEquals(VerifierRule.IRP_COMPLETION_ROUTINE_REQUIRED, error.rule());
        assertTrue(error.getMessage().contains("WskBind"));
        wsk.ioManager().verifier().clearViolations();
        assertFalse(bare.isInFlight(), "checked before the hand-over: the IRP is still the driver's");
        Io.freeIrp(bare);

        Irp partial = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(partial, (d, irp, ctx) -> NtStatus.STATUS_MORE_PROCESSING_REQUIRED, null, true, false, true);
        wsk.ioManager().verifier().setMode(VerifierRule.IRP_COMPLETION_ROUTINE_REQUIRED, Verifier.Mode.LOG);
        connection(socket).wskBind(socket, SockAddrIn.any(0), 0, partial);
        executor.runPending();
        assertEquals(VerifierRule.IRP_COMPLETION_ROUTINE_REQUIRED, wsk.ioManager().verifier().violations().get(0).rule());
        assertTrue(wsk.ioManager().verifier().violations().get(0).message().contains("invoke flag FALSE"));
        wsk.ioManager().verifier().clearViolations();
        Io.freeIrp(partial);
        nio.close(socket);
    }

    @Test
    void anIrpStillPendingInWskCannotBePassedToASecondCall() throws java.io.IOException {
        try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
            try (java.net.Socket peer = server.accept()) {
                WskBuf buffer = new WskBuf(Io.allocateMdl(java.nio.ByteBuffer.allocate(8), 0, 8), 0, 8);
                Completion receive = new Completion();
                assertEquals(STATUS_PENDING, connection(socket).wskReceive(socket, buffer, 0, receive.irp));
                VerifierError error = assertThrows(VerifierError.class,
                        () -> connection(socket).wskReceive(socket, buffer, 0, receive.irp));
                assertEquals(VerifierRule.IRP_ALREADY_IN_FLIGHT, error.rule());
                assertTrue(error.getMessage().contains("WskReceive"), error.getMessage());
                wsk.ioManager().verifier().clearViolations();
                nio.close(socket);
                assertEquals(1, receive.runs.get(), "the first request still completes exactly once");
                assertEquals(STATUS_CANCELLED, receive.status);
            }
        }
    }

    @Test
    void irpWithNoStackLocationIsRejectedWithoutCompletion() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Irp zero = Io.allocateIrp(0, false);
        wsk.ioManager().verifier().setMode(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS, Verifier.Mode.LOG);
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskBind(socket, SockAddrIn.any(0), 0, zero));
        assertFalse(zero.isInFlight());
        assertEquals(VerifierRule.IRP_NO_MORE_STACK_LOCATIONS, wsk.ioManager().verifier().violations().get(0).rule());
        wsk.ioManager().verifier().clearViolations();
        Io.freeIrp(zero);
        nio.close(socket);
    }
}
