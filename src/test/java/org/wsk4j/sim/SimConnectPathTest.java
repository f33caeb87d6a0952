package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;
import static org.wsk4j.sim.SimHosts.*;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.wsk4j.Completion;
import org.wsk4j.SockAddr;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** Every connect outcome of the fault vocabulary, through the canonical example and WskSocketConnect. */
@WskTest(seed = "42")
class SimConnectPathTest {

    private SimNetwork network;
    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private Client client;
    private SimHosts sim;

    @BeforeEach
    void addTheServerHost(SimNetwork network, WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi) {
        sim = new SimHosts(network, wsk, registration, npi);
        this.network = sim.network;
        this.executor = sim.executor;
        this.npi = sim.client.npi;
        this.client = sim.client;
    }

    @AfterEach
    void stopTheServerHost() {
        sim.stop();
    }

    /** The WDK "Establishing a connection with a destination" example, transliterated (design.md). */
    static final class ConnectExample {
        static NtStatus seen;

        static NtStatus connectSocket(WskSocket socket, SockAddr remoteAddress) {
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
            Irp irp = Io.allocateIrp(1, false);
            if (irp == null) {
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            Io.setCompletionRoutine(irp, ConnectExample::connectComplete, socket, true, true, true);
            return dispatch.wskConnect(socket, remoteAddress, 0, irp);
        }

        static NtStatus connectComplete(DeviceObject deviceObject, Irp irp, Object context) {
            seen = irp.ioStatus().status();
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }
    }

    /** The two ways a driver connects. */
    enum Api { WSK_CONNECT, WSK_SOCKET_CONNECT }

    /** One connect in progress through either API. */
    final class Connect {
        final Api api;
        WskSocket socket;
        Completion completion;

        Connect(Api api, SockAddr remote) {
            this.api = api;
            int family = remote.family();
            if (api == Api.WSK_CONNECT) {
                socket = sim.connectionSocket(family);
                assertEquals(STATUS_SUCCESS, sim.bind(socket, any(family)));
                ConnectExample.seen = null;
                assertEquals(STATUS_PENDING, ConnectExample.connectSocket(socket, remote));
            } else {
                completion = new Completion();
                assertEquals(STATUS_PENDING, npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP,
                        any(family), remote, 0, null, null, null, null, null, completion.irp));
            }
        }

        NtStatus status() {
            return api == Api.WSK_CONNECT ? ConnectExample.seen : completion.status;
        }

        /** The connected socket, or null when the connect failed (WskSocketConnect hands out nothing). */
        WskSocket connected() {
            return api == Api.WSK_CONNECT ? socket : completion.socket();
        }

        void close() {
            WskSocket s = connected();
            if (s != null) {
                sim.close(s);
            }
        }
    }

    private static final InetSocketAddress WEB = new InetSocketAddress(SimNetwork.literal(SERVER_V4), 80);

    private NtStatus connectAndClose(Api api, SockAddr remote) {
        Connect c = new Connect(api, remote);
        executor.runUntilIdle();
        NtStatus status = c.status();
        c.close();
        return status;
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void successReachesAListenerOnAnotherHostAfterOneRoundTrip(Api api) {
        WskSocket listener = sim.listen(SERVER_V4, 80);
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.advanceTimeBy(Duration.ofNanos(199_999));
        assertNull(c.status(), "not before one round trip (2 x 100 µs)");
        executor.advanceTimeBy(Duration.ofNanos(1));
        assertEquals(STATUS_SUCCESS, c.status());
        Completion accepted = accept(listener);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, accepted.status);
        ConnectAttempt attempt = network.attempts().get(0);
        assertEquals(STATUS_SUCCESS, attempt.status());
        assertNull(attempt.fault());
        assertEquals(new InetSocketAddress(SimNetwork.literal("127.0.0.1"), SimNetwork.FIRST_EPHEMERAL_PORT),
                attempt.source(), "localhost has no LAN address: the source is its loopback");
        assertEquals(Duration.ofNanos(200_000), attempt.completedAt());
        c.close();
        sim.close(accepted.socket());
        sim.close(listener);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void successOverIpv6Loopback(Api api) {
        WskSocket listener = socket(client, AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, sim.bind(listener, addr("::1", 8080)));
        assertEquals(STATUS_SUCCESS, connectAndClose(api, addr("::1", 8080)));
        sim.close(listener);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void refusedWhenNothingListens(Api api) {
        assertEquals(STATUS_CONNECTION_REFUSED, connectAndClose(api, addr(SERVER_V4, 80)));
        assertEquals(Duration.ofNanos(200_000), network.attempts().get(0).completedAt());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void scriptedRefuseEvenWithAListener(Api api) {
        WskSocket listener = sim.listen(SERVER_V4, 80);
        network.script(WEB, Fault.refuse());
        assertEquals(STATUS_CONNECTION_REFUSED, connectAndClose(api, addr(SERVER_V4, 80)));
        assertEquals(new Fault.Refuse(), network.attempts().get(0).fault());
        sim.close(listener);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void blackHoleTimesOutAfterTheConnectTimeoutInVirtualTime(Api api) {
        network.onConnect(80).thenFault(Fault.blackHole());
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.advanceTimeBy(Duration.ofSeconds(20));
        assertNull(c.status(), "still waiting for a SYN-ACK");
        executor.advanceTimeBy(Duration.ofSeconds(1));
        assertEquals(STATUS_IO_TIMEOUT, c.status());
        assertEquals(Duration.ofSeconds(21), network.attempts().get(0).completedAt());
        c.close();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void unknownAddressIsHostUnreachable(Api api) {
        assertEquals(STATUS_HOST_UNREACHABLE, connectAndClose(api, addr("10.9.9.9", 80)));
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void scriptedUnreachable(Api api) {
        network.script(WEB, Fault.networkUnreachable(), Fault.hostUnreachable());
        assertEquals(STATUS_NETWORK_UNREACHABLE, connectAndClose(api, addr(SERVER_V4, 80)));
        assertEquals(STATUS_HOST_UNREACHABLE, connectAndClose(api, addr(SERVER_V4, 80)));
    }

    @Test
    void noAddressOfTheFamilyIsNetworkUnreachable() {
        network.addHost("v4only", "10.0.0.9");
        network.addHost("v6host", "fd00::9");
        Client v4 = sim.client("v4only");
        WskSocket socket = socket(v4, AF_INET6, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, executor);
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, sim.bind(socket, addr("::1", 0)), "no IPv6 loopback on v4only");
        sim.close(socket);
        Completion c = new Completion();
        v4.npi.dispatch().wskSocketConnect(v4.npi.client(), SOCK_STREAM, IPPROTO_TCP, any(AF_INET6),
                addr("fd00::9", 80), 0, null, null, null, null, null, c.irp);
        sim.await(c);
        assertEquals(STATUS_NETWORK_UNREACHABLE, c.status);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void failWithAnyStatus(Api api) {
        List<NtStatus> statuses = List.of(STATUS_ACCESS_DENIED, STATUS_INSUFFICIENT_RESOURCES, STATUS_CONNECTION_ABORTED,
                STATUS_PORT_UNREACHABLE, STATUS_UNSUCCESSFUL);
        for (NtStatus status : statuses) {
            network.onConnect(80).thenFault(Fault.failWith(status));
        }
        for (NtStatus status : statuses) {
            assertEquals(status, connectAndClose(api, addr(SERVER_V4, 80)));
        }
        assertTrue(network.unusedFaults().isEmpty());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void delayCompletesOnlyAfterTheClockMoves(Api api) {
        WskSocket listener = sim.listen(SERVER_V4, 80);
        network.script(WEB, Fault.delay(Duration.ofMillis(5)));
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.runPending();
        executor.advanceTimeBy(Duration.ofMillis(5));
        assertNull(c.status());
        executor.advanceTimeBy(Duration.ofNanos(200_000));
        assertEquals(STATUS_SUCCESS, c.status());
        Completion accepted = accept(listener);
        executor.runUntilIdle();
        c.close();
        sim.close(accepted.socket());
        sim.close(listener);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void delayThenRefuse(Api api) {
        network.script(WEB, Fault.delay(Duration.ofSeconds(3), Fault.refuse()));
        assertEquals(STATUS_CONNECTION_REFUSED, connectAndClose(api, addr(SERVER_V4, 80)));
        assertEquals(Duration.ofMillis(3_000).plusNanos(200_000), network.attempts().get(0).completedAt());
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void acceptWithoutAListenerConnectsToAPassivePeer(Api api) {
        network.onConnect(443).always(Fault.accept());
        Connect c = new Connect(api, addr(SERVER_V4, 443));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, c.status());
        Completion sent = send(c.connected(), "hello");
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals(5, sent.information);
        c.close();
        executor.runUntilIdle();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void resetAfterBytesFailsTheNextReceive(Api api) {
        network.script(WEB, Fault.resetAfter(4));
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, c.status());
        Completion sent = send(c.connected(), "0123456789");
        Completion received = receive(c.connected(), 16);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, sent.status, "the bytes were buffered before the reset");
        assertEquals(STATUS_CONNECTION_RESET, received.status);
        Completion again = send(c.connected(), "x");
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, again.status);
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("reset by the network after 4 bytes")));
        c.close();
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void abortFailsTheNextReceiveWithConnectionAborted(Api api) {
        WskSocket listener = sim.listen(SERVER_V4, 80);
        network.script(WEB, Fault.abort());
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, c.status());
        Completion received = receive(c.connected(), 16);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_ABORTED, received.status);
        Completion accepted = accept(listener);
        executor.runUntilIdle();
        Completion serverSide = receive(accepted.socket(), 16);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, serverSide.status, "the accepting side sees a reset");
        c.close();
        sim.close(accepted.socket());
        sim.close(listener);
    }

    @ParameterizedTest
    @EnumSource(Api.class)
    void partialSendSplitsWritesButTheSendCompletesWhole(Api api) {
        network.script(WEB, Fault.partialSend(1000));
        Connect c = new Connect(api, addr(SERVER_V4, 80));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, c.status());
        Completion sent = send(c.connected(), "x".repeat(10_000));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, sent.status);
        assertEquals(10_000, sent.information);
        assertEquals(10, network.eventLog().stream().filter(line -> line.endsWith(" send 1000B")).count());
        c.close();
    }

    @Test
    void cancelOfABlackHoledConnectCompletesCancelled() {
        network.onConnect(80).thenFault(Fault.blackHole());
        WskSocket socket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(socket, any(AF_INET)));
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, connection(socket).wskConnect(socket, addr(SERVER_V4, 80), 0, c.irp));
        executor.advanceTimeBy(Duration.ofSeconds(5));
        assertFalse(c.done());
        assertTrue(Io.cancelIrp(c.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, c.status);
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_CANCELLED, network.attempts().get(0).status());
        assertEquals(Duration.ofSeconds(5), network.attempts().get(0).completedAt());
        executor.runUntilIdle();
        assertEquals(1, c.runs.get(), "the timeout never fires after the cancel");
        sim.close(socket);
    }

    @Test
    void closeWithAPendingConnectCancelsItBeforeTheCloseCompletes() {
        network.onConnect(80).thenFault(Fault.blackHole());
        WskSocket socket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(socket, any(AF_INET)));
        List<String> order = new ArrayList<>();
        Irp connectIrp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(connectIrp, (d, irp, ctx) -> {
            order.add("connect " + irp.ioStatus().status().name());
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        connection(socket).wskConnect(socket, addr(SERVER_V4, 80), 0, connectIrp);
        Irp closeIrp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(closeIrp, (d, irp, ctx) -> {
            order.add("close " + irp.ioStatus().status().name());
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, closeIrp));
        executor.runUntilIdle();
        assertEquals(List.of("connect STATUS_CANCELLED", "close STATUS_SUCCESS"), order);
        assertEquals(0, client.registration.openSocketCount());
        assertEquals(Duration.ZERO, executor.now(), "no timer was left behind to move the clock");
    }

    @Test
    void closeWhileTheSynIsAcceptedResetsTheServerSide() {
        WskSocket listener = sim.listen(SERVER_V4, 80);
        WskSocket socket = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(socket, any(AF_INET)));
        Completion c = new Completion();
        connection(socket).wskConnect(socket, addr(SERVER_V4, 80), 0, c.irp);
        executor.advanceTimeBy(Duration.ofNanos(150_000)); // SYN arrived, SYN-ACK on its way
        sim.close(socket);
        assertEquals(STATUS_CANCELLED, c.status);
        Completion accepted = accept(listener);
        executor.runUntilIdle();
        Completion serverSide = receive(accepted.socket(), 8);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_RESET, serverSide.status);
        sim.close(accepted.socket());
        sim.close(listener);
    }

    Completion send(WskSocket socket, String text) {
        byte[] data = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        WskBuf buf = new WskBuf(Io.allocateMdl(java.nio.ByteBuffer.wrap(data), 0, data.length), 0, data.length);
        Completion c = new Completion();
        connection(socket).wskSend(socket, buf, 0, c.irp);
        return c;
    }

    Completion receive(WskSocket socket, int capacity) {
        WskBuf buf = new WskBuf(Io.allocateMdl(java.nio.ByteBuffer.allocate(capacity), 0, capacity), 0, capacity);
        Completion c = new Completion();
        connection(socket).wskReceive(socket, buf, 0, c.irp);
        return c;
    }
}
