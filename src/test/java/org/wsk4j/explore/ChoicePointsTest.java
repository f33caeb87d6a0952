package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.WskSubsystem;
import org.wsk4j.examples.ksocket.KSocket;
import org.wsk4j.nt.ChoiceKind;
import org.wsk4j.nt.Decision;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.ScheduleStrategy;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.Latency;
import org.wsk4j.sim.LinkProfile;
import org.wsk4j.sim.SimNetwork;

/**
 * The network's choice points, through the public API: {@code Fault.oneOf} (the first without exploration, the
 * schedule's choice with it) and a link latency's bounds; and no decision at all without a schedule.
 */
class ChoicePointsTest {

    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.2", 80);

    /** Connects (KSOCKET) to SERVER, scripted with {@code fault}, sends 25 bytes when connected, closes. */
    static NtStatus connect(SimNetwork network, Schedule schedule, Fault fault) {
        if (schedule != null) {
            network.executor().explore(schedule);
        }
        network.addHost("server", "10.0.0.2");
        network.setLink(SimNetwork.LOCALHOST, "server",
                LinkProfile.NORMAL.withLatency(Latency.uniform(Duration.ofNanos(10_000), Duration.ofMillis(5))));
        network.onConnect(SERVER).always(fault);
        WskSubsystem wsk = network.newSubsystem();
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            KSocket ks = new KSocket();
            assertEquals(STATUS_SUCCESS, ks.ksInitialize());
            Ref<KSocket.Socket> socket = new Ref<>();
            assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
            NtStatus status = ks.ksConnect(socket.get(), SockAddr.of(SERVER));
            if (status == STATUS_SUCCESS) {
                Ref<Integer> length = new Ref<>(25);
                assertEquals(STATUS_SUCCESS, ks.ksSend(socket.get(), new byte[25], length, 0));
            }
            assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(socket.get()));
            ks.ksDestroy();
            assertEquals(0, network.ioManager().liveIrpCount());
            return status;
        } finally {
            wsk.close();
            network.executor().close();
        }
    }

    static List<Decision> of(Schedule schedule, ChoiceKind kind) {
        return schedule.decisions().stream().filter(d -> d.kind() == kind).collect(Collectors.toList());
    }

    @Test
    void withoutExplorationOneOfIsItsFirstFaultAndNothingIsDecided() {
        SimNetwork network = SimNetwork.create(1);
        assertEquals(STATUS_CONNECTION_REFUSED, connect(network, null, Fault.oneOf(Fault.refuse(), Fault.accept())));
        assertTrue(network.eventLog().stream().noneMatch(line -> line.contains("decision")), network.eventLog()
                .toString()); // no thread ran beside the test's, so the seeded thread choice never came up either
    }

    @Test
    void theScheduleChoosesTheFaultAndTheLatencyBound() {
        // Replay: every decision takes option 1: the FAULT decision picks accept(), the TIMING one the lowest bound.
        Schedule accept = new Schedule(2, ScheduleStrategy.replay(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
        SimNetwork network = SimNetwork.create(2);
        assertEquals(STATUS_SUCCESS, connect(network, accept, Fault.oneOf(Fault.refuse(), Fault.accept())));
        Decision fault = of(accept, ChoiceKind.FAULT).get(0);
        assertEquals(List.of("Refuse[]", "Accept[]"), fault.options());
        assertEquals("fault for 10.0.0.2:80", fault.site());
        List<Decision> timing = of(accept, ChoiceKind.TIMING);
        assertFalse(timing.isEmpty(), accept.decisions().toString());
        assertEquals("lowest 10000ns", timing.get(0).chosenLabel());
        assertEquals("highest 4999999ns", timing.get(0).options().get(2));
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("decision ")
                && line.contains("FAULT at fault for 10.0.0.2:80: Accept[]")), network.eventLog().toString());

        Schedule refuse = new Schedule(2, ScheduleStrategy.replay(new int[0]));
        assertEquals(STATUS_CONNECTION_REFUSED, connect(SimNetwork.create(2), refuse,
                Fault.oneOf(Fault.refuse(), Fault.accept())));
        assertEquals(0, of(refuse, ChoiceKind.FAULT).get(0).chosen());
    }

    @Test
    void oneOfIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> Fault.oneOf(Fault.refuse()));
        assertThrows(IllegalArgumentException.class,
                () -> Fault.oneOf(Fault.refuse(), Fault.oneOf(Fault.accept(), Fault.blackHole())));
        assertFalse(Fault.oneOf(Fault.refuse(), Fault.dropDatagram()).appliesToConnect());
        assertTrue(Fault.oneOf(Fault.accept(), Fault.dropDatagram()).appliesToDatagram());
    }
}
