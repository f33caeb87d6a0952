package org.wsk4j.examples;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.IoManager;
import org.wsk4j.sim.SimNetwork;

/**
 * The echosrv port serving {@value EchoServerWskTest#CLIENTS} concurrent KSOCKET clients on the simulated network is
 * reproducible from its seed: the same seed gives the same event log (network events and every scheduler decision
 * among runnable driver threads, with virtual times), run after run; other seeds interleave the threads differently.
 *
 * <p>Each run needs a network of its own, so this class builds them itself instead of using {@code @WskTest}, and does
 * the extension's leak checks by hand.
 */
class EchoServerDeterminismTest {

    /** One complete run (DriverEntry, clients, Unload) on a fresh network with {@code seed}; returns its event log. */
    static List<String> run(long seed) {
        SimNetwork network = SimNetwork.create(seed);
        WskSubsystem wsk = network.newSubsystem();
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            EchoServerWskTest.assertEchoed(EchoServerWskTest.serveKsocketClients(EchoServer.WSKSAMPLE_PORT, false));
            IoManager io = network.ioManager();
            assertEquals(0, io.liveIrpCount(), () -> "IRPs left: " + io.liveIrps());
            assertEquals(List.of(), io.kernel().liveDriverThreads());
            assertEquals(List.of(), io.verifier().violations());
            assertEquals(List.of(), io.routineFailures());
            assertEquals(List.of(), wsk.registrations(), "every registration deregistered");
            return network.eventLog();
        } finally {
            wsk.close();
            network.executor().close();
        }
    }

    @Test
    void sameSeedSameEventLogAndOtherSeedsInterleaveDifferently() {
        List<String> first = run(0x5eed);
        List<String> second = run(0x5eed);
        assertTrue(first.stream().anyMatch(line -> line.contains("decision")), "the scheduler made choices");
        assertEquals(first, second, "same seed, same run");

        Set<List<String>> logs = new LinkedHashSet<>();
        Set<List<String>> decisions = new LinkedHashSet<>();
        for (long seed = 1; seed <= 4; seed++) {
            List<String> log = run(seed);
            logs.add(log);
            decisions.add(log.stream().filter(line -> line.contains("decision")).toList());
        }
        assertTrue(decisions.size() >= 2, "different seeds choose different threads: " + decisions.size()
                + " distinct decision sequences among 4 seeds");
        assertTrue(logs.size() >= 2, "and give different event logs");
    }
}
