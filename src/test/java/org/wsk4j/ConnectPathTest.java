package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** The connect path of issue 3 on real loopback sockets, driven through a manual completion executor. */
@WskTest(transport = WskTransport.NIO)
class ConnectPathTest {

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

    /** The WDK "Establishing a connection with a destination" example, transliterated (design.md). */
    static final class ConnectExample {
        static volatile NtStatus seen;

        static NtStatus connectSocket(WskSocket socket, SockAddr remoteAddress) {
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
            Irp irp = Io.allocateIrp(1, false);
            if (irp == null) {
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            Io.setCompletionRoutine(irp, ConnectExample::connectComplete, socket, true, true, true);
            return dispatch.wskConnect(socket, remoteAddress, 0, irp);
        }

        static NtStatus connectComplete(org.wsk4j.nt.DeviceObject deviceObject, Irp irp, Object context) {
            seen = irp.ioStatus().status();
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }
    }

    @Test
    void canonicalExampleConnectsOnLoopback() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            ConnectExample.seen = null;
            assertEquals(STATUS_PENDING, ConnectExample.connectSocket(socket, SockAddrIn.loopback(server.getLocalPort())));
            assertTrue(executor.runUntil(() -> ConnectExample.seen != null, WAIT));
            assertEquals(STATUS_SUCCESS, ConnectExample.seen);
            nio.close(socket);
        }
    }

    @Test
    void canonicalExampleReachesInsufficientResourcesBranch() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        wsk.ioManager().setIrpAllocationPolicy(org.wsk4j.nt.IrpAllocationPolicy.failNth(1));
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, ConnectExample.connectSocket(socket, SockAddrIn.loopback(9)));
        wsk.ioManager().setIrpAllocationPolicy(org.wsk4j.nt.IrpAllocationPolicy.never());
        nio.close(socket);
    }

    @Test
    void unboundConnectFailsAtOnceThenBindAndConnectSucceeds() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            Completion c = new Completion();
            NtStatus returned = connection(socket).wskConnect(socket, SockAddrIn.loopback(server.getLocalPort()), 0, c.irp);
            assertEquals(STATUS_INVALID_DEVICE_STATE, returned, "returned synchronously");
            assertEquals(1, c.runs.get(), "the completion routine already ran, before the call returned");
            assertEquals(STATUS_INVALID_DEVICE_STATE, c.status);
            assertEquals(0, c.information);
            assertFalse(c.pendingReturned);

            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
            nio.close(socket);
        }
    }

    @Test
    void successfulConnectReturnsPendingAndReportsAddresses() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            Completion c = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskConnect(socket,
                    SockAddrIn.loopback(server.getLocalPort()), 0, c.irp));
            nio.await(c);
            assertEquals(STATUS_SUCCESS, c.status);
            assertEquals(0, c.information, "WskConnect completes with Information 0");
            assertTrue(c.pendingReturned);

            SockAddrIn remote = new SockAddrIn();
            Completion r = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskGetRemoteAddress(socket, remote, r.irp));
            executor.runPending();
            assertEquals(STATUS_SUCCESS, r.status);
            assertEquals(server.getLocalPort(), remote.port());
            SockAddrStorage local = new SockAddrStorage();
            Completion l = new Completion();
            connection(socket).wskGetLocalAddress(socket, local, l.irp);
            executor.runPending();
            assertEquals(STATUS_SUCCESS, l.status);
            assertEquals(AF_INET, local.family());
            assertNotEquals(0, local.port());
            nio.close(socket);
        }
    }

    @Test
    void refusedConnect() throws IOException {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_CONNECTION_REFUSED, nio.connect(socket, SockAddrIn.loopback(closedPort())));
        Completion again = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, connection(socket).wskConnect(socket, SockAddrIn.loopback(9), 0, again.irp),
                "a socket whose connect failed cannot connect again");
        nio.close(socket);
    }

    @Test
    void refusedConnectOverIpv6() throws IOException {
        WskSocket socket = nio.createConnectionSocket(AF_INET6);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn6.any(0)));
        assertEquals(STATUS_CONNECTION_REFUSED, nio.connect(socket, SockAddrIn6.loopback(closedPort())));
        nio.close(socket);
    }

    @Test
    void connectOnConnectedSocketFailsAndLeavesFirstConnectionIntact() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
            Completion second = new Completion();
            assertEquals(STATUS_CONNECTION_ACTIVE,
                    connection(socket).wskConnect(socket, SockAddrIn.loopback(server.getLocalPort()), 0, second.irp));
            assertEquals(STATUS_CONNECTION_ACTIVE, second.status);
            SockAddrIn remote = new SockAddrIn();
            Completion r = new Completion();
            connection(socket).wskGetRemoteAddress(socket, remote, r.irp);
            executor.runPending();
            assertEquals(STATUS_SUCCESS, r.status, "the first connection is unharmed");
            assertEquals(server.getLocalPort(), remote.port());
            nio.close(socket);
        }
    }

    @Test
    void bindRules() throws IOException {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Completion flagged = new Completion();
        // WskBind reports its failures through the completion, STATUS_PENDING returned (as Windows does)
        assertEquals(STATUS_PENDING, connection(socket).wskBind(socket, SockAddrIn.any(0), 1, flagged.irp));
        Completion wrongFamily = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskBind(socket, SockAddrIn6.any(0), 0, wrongFamily.irp));
        executor.runPending();
        assertEquals(STATUS_INVALID_PARAMETER, flagged.status);
        assertEquals(STATUS_INVALID_PARAMETER, wrongFamily.status);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_INVALID_DEVICE_STATE, nio.bind(socket, SockAddrIn.any(0)), "second bind fails");
        nio.close(socket);

        try (ServerSocket holder = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            WskSocket other = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, nio.bind(other, SockAddrIn.loopback(holder.getLocalPort())));
            nio.close(other);
        }
        WskSocket foreign = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT,
                nio.bind(foreign, new SockAddrIn(SockAddrIn.ipv4(new byte[] {(byte) 192, 0, 2, 1}), 0)),
                "192.0.2.1 (TEST-NET-1) is not a local address");
        nio.close(foreign);
    }

    @Test
    void connectArgumentErrors() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        Completion flags = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskConnect(socket, SockAddrIn.loopback(9), 4, flags.irp));
        Completion nullRemote = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskConnect(socket, null, 0, nullRemote.irp));
        Completion wildcard = new Completion();
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, connection(socket).wskConnect(socket, SockAddrIn.any(80), 0, wildcard.irp));
        Completion port0 = new Completion();
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, connection(socket).wskConnect(socket, SockAddrIn.loopback(0), 0, port0.irp));
        assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskConnect(socket, SockAddrIn.loopback(9), 0, null),
                "a missing IRP is rejected without completing anything");
        for (Completion c : List.of(flags, nullRemote, wildcard, port0)) {
            assertEquals(1, c.runs.get());
        }
        nio.close(socket);
    }

    @Test
    void wskSocketValidation() {
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, null));
        Completion noClient = new Completion();
        assertEquals(STATUS_INVALID_HANDLE, npi.dispatch().wskSocket(null, AF_INET, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, noClient.irp));
        assertEquals(1, noClient.runs.get());
        int[][] bad = {
            {99, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET},
            {AF_INET, SOCK_STREAM, IPPROTO_UDP, WSK_FLAG_CONNECTION_SOCKET},
            {AF_INET, 9, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET},
            {AF_INET, SOCK_STREAM, IPPROTO_TCP, 3},
            {AF_INET, SOCK_STREAM, IPPROTO_TCP, 0x10},
        };
        for (int[] args : bad) {
            Completion c = new Completion();
            assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskSocket(npi.client(), args[0], args[1], args[2],
                    args[3], null, null, null, null, null, c.irp), () -> java.util.Arrays.toString(args));
            assertEquals(STATUS_INVALID_PARAMETER, c.status);
        }
        Completion raw = new Completion();
        assertEquals(STATUS_NOT_SUPPORTED, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_RAW, 255,
                WSK_FLAG_DATAGRAM_SOCKET, null, null, null, null, null, raw.irp));
        Completion wrongDispatch = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_CONNECTION_SOCKET, null, new WskClientListenDispatch(null, null, null), null, null, null,
                wrongDispatch.irp));
        assertEquals(0, registration.openSocketCount());
    }

    @Test
    void udpListenSocketIsCreatedButBindIsNotImplemented() {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_DGRAM, IPPROTO_UDP,
                WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        WskSocket socket = c.socket();
        assertTrue(socket.dispatch() instanceof WskProviderListenDispatch);
        Completion bind = new Completion();
        assertEquals(STATUS_PENDING, ((WskProviderListenDispatch) socket.dispatch())
                .wskBind(socket, SockAddrIn.any(0), 0, bind.irp), "as observed on Windows");
        executor.runPending();
        assertEquals(STATUS_NOT_IMPLEMENTED, bind.status, "as observed on Windows");
        assertEquals(0, bind.information);
        nio.close(socket);
    }

    @Test
    void cancelOfPendingConnectCompletesCancelledAndReleasesChannel() throws IOException {
        try (FullBacklog full = new FullBacklog()) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            Completion c = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskConnect(socket, SockAddrIn.loopback(full.port()), 0, c.irp));
            executor.runPending();
            assertFalse(c.done(), "the connect is pending while the backlog is full");
            assertTrue(Io.cancelIrp(c.irp), "a cancel routine was set while pending");
            executor.runPending();
            assertEquals(1, c.runs.get());
            assertEquals(STATUS_CANCELLED, c.status);
            assertEquals(0, c.information);
            nio.close(socket);
        }
    }

    @Test
    void closeWithPendingConnectCancelsItBeforeTheCloseCompletes() throws IOException {
        try (FullBacklog full = new FullBacklog()) {
            WskSocket socket = nio.createConnectionSocket(AF_INET);
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            List<String> order = new ArrayList<>();
            Irp connectIrp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(connectIrp, (d, irp, ctx) -> {
                order.add("connect " + irp.ioStatus().status().name());
                Io.freeIrp(irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            connection(socket).wskConnect(socket, SockAddrIn.loopback(full.port()), 0, connectIrp);
            Irp closeIrp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(closeIrp, (d, irp, ctx) -> {
                order.add("close " + irp.ioStatus().status().name());
                Io.freeIrp(irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, closeIrp));
            executor.runPending();
            assertEquals(List.of("connect STATUS_CANCELLED", "close STATUS_SUCCESS"), order);
            assertEquals(0, registration.openSocketCount());
        }
    }

    @Test
    void wskSocketConnectSuccessHandsOutConnectedSocket() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Completion c = new Completion();
            assertEquals(STATUS_PENDING, npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP,
                    SockAddrIn.any(0), SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, c.irp));
            nio.await(c);
            assertEquals(STATUS_SUCCESS, c.status);
            WskSocket socket = c.socket();
            assertNotNull(socket);
            assertTrue(socket.dispatch() instanceof WskProviderConnectionDispatch);
            SockAddrIn remote = new SockAddrIn();
            Completion r = new Completion();
            connection(socket).wskGetRemoteAddress(socket, remote, r.irp);
            executor.runPending();
            assertEquals(STATUS_SUCCESS, r.status);
            assertEquals(server.getLocalPort(), remote.port());
            nio.close(socket);
        }
    }

    @Test
    void wskSocketConnectFailureHandsOutNothingAndLeaksNothing() throws IOException {
        Completion c = new Completion();
        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                SockAddrIn.loopback(closedPort()), 0, null, null, null, null, null, c.irp);
        nio.await(c);
        assertEquals(STATUS_CONNECTION_REFUSED, c.status);
        assertNull(c.informationObject);
        assertEquals(0, c.information);
        assertEquals(0, registration.openSocketCount());

        Completion mixed = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP,
                SockAddrIn.any(0), SockAddrIn6.loopback(80), 0, null, null, null, null, null, mixed.irp),
                "the family comes from the local address; the remote must match it");
        try (ServerSocket holder = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Completion inUse = new Completion();
            assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM,
                    IPPROTO_TCP, SockAddrIn.loopback(holder.getLocalPort()), SockAddrIn.loopback(9), 0, null, null,
                    null, null, null, inUse.irp));
        }
        assertEquals(0, registration.openSocketCount());
    }

    @Test
    void callAfterCloseIsAVerifierViolation() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        nio.close(socket);
        Irp irp = Io.allocateIrp(1, false);
        org.wsk4j.nt.VerifierError error = assertThrows(org.wsk4j.nt.VerifierError.class,
                () -> connection(socket).wskBind(socket, SockAddrIn.any(0), 0, irp));
        assertEquals(org.wsk4j.nt.VerifierRule.SOCKET_USED_AFTER_CLOSE, error.rule());
        assertFalse(irp.isInFlight(), "the IRP was not accepted");
        Io.freeIrp(irp);
        wsk.ioManager().verifier().clearViolations();
    }
}
