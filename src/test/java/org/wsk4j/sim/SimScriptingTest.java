package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;
import static org.wsk4j.sim.SimHosts.*;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.Completion;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportException;

/** The attempt record, unused faults, hook precedence, deciders and socket-creation failures. */
@WskTest(seed = "42")
class SimScriptingTest {

    private SimNetwork network;
    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private SimHosts sim;

    @BeforeEach
    void addTheServerHost(SimNetwork network, WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi) {
        sim = new SimHosts(network, wsk, registration, npi);
        this.network = sim.network;
        this.executor = sim.executor;
        this.npi = sim.client.npi;
    }

    @AfterEach
    void stopTheServerHost() {
        sim.stop();
    }

    private static final InetSocketAddress WEB = new InetSocketAddress(SimNetwork.literal(SERVER_V4), 80);

    private NtStatus socketConnect(String address, int port) {
        Completion c = new Completion();
        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, any(AF_INET), addr(address, port), 0,
                null, null, null, null, null, c.irp);
        sim.await(c);
        if (c.socket() != null) {
            sim.close(c.socket());
        }
        return c.status;
    }

    @Test
    void attemptRecordHoldsTimesEndpointsFaultsAndStatuses() {
        network.script(WEB, Fault.refuse(), Fault.delay(Duration.ofMillis(1), Fault.hostUnreachable()));
        executor.advanceTimeBy(Duration.ofMillis(10));
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80));
        assertEquals(STATUS_HOST_UNREACHABLE, socketConnect(SERVER_V4, 80));
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80), "unscripted: nothing listens");

        List<ConnectAttempt> attempts = network.attempts();
        assertEquals(3, attempts.size());
        ConnectAttempt first = attempts.get(0);
        assertEquals(1, first.index());
        assertEquals(Duration.ofMillis(10), first.time());
        assertEquals(SimNetwork.LOCALHOST, first.host());
        assertEquals(WEB, first.destination());
        assertEquals("127.0.0.1", first.source().getAddress().getHostAddress());
        assertEquals(new Fault.Refuse(), first.fault());
        assertEquals(STATUS_CONNECTION_REFUSED, first.status());
        assertEquals(Duration.ofMillis(10).plusNanos(200_000), first.completedAt());
        assertEquals(new Fault.Delay(Duration.ofMillis(1), new Fault.Unreachable(STATUS_HOST_UNREACHABLE)),
                attempts.get(1).fault());
        assertEquals(first.completedAt().plusMillis(1).plusNanos(200_000), attempts.get(1).completedAt());
        assertNull(attempts.get(2).fault());
        assertTrue(attempts.stream().allMatch(ConnectAttempt::isFinished));
        assertNotEquals(first.source().getPort(), attempts.get(1).source().getPort(), "a new ephemeral port each time");
    }

    @Test
    void recordingCanBeTurnedOffWithoutChangingBehaviour() {
        network.script(WEB, Fault.refuse());
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80));
        int events = network.eventLog().size();
        network.setRecording(false);
        network.script(WEB, Fault.hostUnreachable());
        assertEquals(STATUS_HOST_UNREACHABLE, socketConnect(SERVER_V4, 80), "faults still apply");
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80));
        assertEquals(1, network.attempts().size(), "attempts made while not recording are not kept");
        assertEquals(events, network.eventLog().size(), "nor their events");
        network.setRecording(true);
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80));
        assertEquals(4, network.attempts().get(1).index(), "numbering carries on across the gap");
    }

    @Test
    @WskTest(seed = "42", failOnUnusedFaults = false) // the unused faults are what this test asserts
    void unusedFaultsAreReportedPerHook() {
        network.script(WEB, Fault.refuse(), Fault.blackHole());
        network.onConnect(443).thenFault(Fault.abort()).always(Fault.refuse());
        network.onDatagram(53).thenFault(Fault.dropDatagram());
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 80));
        assertEquals(List.of(new UnusedFault("connect 10.0.0.2:80", new Fault.BlackHole()),
                new UnusedFault("connect port 443", new Fault.Abort()),
                new UnusedFault("datagram port 53", new Fault.DropDatagram())), network.unusedFaults());
    }

    @Test
    void exactAddressBeatsPortAndQueuesBeatStandingFaultsAndDeciders() {
        network.onConnect(80).thenFault(Fault.failWith(STATUS_ACCESS_DENIED)).always(Fault.hostUnreachable());
        network.onConnect(SERVER_V4, 80).thenFault(Fault.networkUnreachable());
        network.onConnect(attempt -> attempt.destination().getPort() == 81 ? Fault.failWith(STATUS_IO_TIMEOUT) : null);
        assertEquals(STATUS_NETWORK_UNREACHABLE, socketConnect(SERVER_V4, 80));
        assertEquals(STATUS_ACCESS_DENIED, socketConnect(SERVER_V4, 80));
        assertEquals(STATUS_HOST_UNREACHABLE, socketConnect(SERVER_V4, 80));
        assertEquals(STATUS_IO_TIMEOUT, socketConnect(SERVER_V4, 81), "the decider");
        assertEquals(STATUS_CONNECTION_REFUSED, socketConnect(SERVER_V4, 82), "normal behaviour");
    }

    @Test
    void datagramFaultsAreRejectedOnConnectHooks() {
        assertThrows(IllegalArgumentException.class, () -> network.onConnect(80).thenFault(Fault.dropDatagram()));
        assertThrows(IllegalArgumentException.class, () -> network.onDatagram(53).thenFault(Fault.blackHole()));
        assertThrows(IllegalArgumentException.class, () -> new Fault.FailWith(STATUS_SUCCESS));
        assertThrows(IllegalArgumentException.class, () -> new Fault.Unreachable(STATUS_CONNECTION_RESET));
    }

    @Test
    void socketCreationFailsOnTheNthCall() {
        network.failSocketCreation(2);
        WskSocket first = sim.connectionSocket(AF_INET);
        Completion c = new Completion();
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM,
                IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, c.irp));
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, c.status);
        WskSocket third = sim.connectionSocket(AF_INET);
        sim.close(first);
        sim.close(third);
        network.failSocketCreation();
    }

    @Test
    void socketCreationFailsWithASeededProbabilityOnEveryKind() {
        network.failSocketCreationWithProbability(1.0);
        Transport transport = network.transport("server");
        for (int kind = 0; kind < 3; kind++) {
            int k = kind;
            TransportException e = assertThrows(TransportException.class, () -> {
                if (k == 0) {
                    transport.openConnection(AF_INET);
                } else if (k == 1) {
                    transport.openListener(AF_INET);
                } else {
                    transport.openDatagram(AF_INET6);
                }
            });
            assertEquals(STATUS_INSUFFICIENT_RESOURCES, e.status());
        }
        transport.close();
        network.failSocketCreationWithProbability(0);
    }

    @Test
    void bindRules() {
        WskSocket a = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, sim.bind(a, addr("127.0.0.1", 9000)));
        WskSocket b = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, sim.bind(b, addr("0.0.0.0", 9000)));
        WskSocket c = sim.connectionSocket(AF_INET);
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, sim.bind(c, addr(SERVER_V4, 0)), "another host's address");
        sim.close(a);
        sim.close(b);
        sim.close(c);
    }

    @Test
    void fullBacklogRefusesFurtherConnects() {
        SimNetwork small = SimNetwork.create(7, SimNetwork.Config.defaults().withBacklog(1));
        small.addHost("server", SERVER_V4);
        try (org.wsk4j.nt.IoManager.Binding ignored = small.ioManager().bindToCurrentThread()) {
            Client server2 = new Client(small, "server");
            Client client2 = new Client(small, SimNetwork.LOCALHOST);
            WskSocket listener = socket(server2, AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET,
                    small.executor());
            Completion bound = new Completion();
            ((org.wsk4j.WskProviderListenDispatch) listener.dispatch()).wskBind(listener, addr(SERVER_V4, 80), 0,
                    bound.irp);
            List<Completion> connects = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Completion c = new Completion();
                client2.npi.dispatch().wskSocketConnect(client2.npi.client(), SOCK_STREAM, IPPROTO_TCP, any(AF_INET),
                        addr(SERVER_V4, 80), 0, null, null, null, null, null, c.irp);
                connects.add(c);
            }
            small.executor().runUntilIdle();
            assertEquals(STATUS_SUCCESS, connects.get(0).status);
            assertEquals(STATUS_CONNECTION_REFUSED, connects.get(1).status);
            for (WskSocket s : List.of(connects.get(0).socket(), listener)) {
                Completion c = new Completion();
                s.dispatch().wskCloseSocket(s, c.irp);
                small.executor().runUntilIdle();
            }
            client2.stop();
            server2.stop();
        }
    }
}
