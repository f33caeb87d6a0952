package org.wsk4j.examples.ksocket;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * Driver threads racing on the simulated network, reproducibly: on each of several sockets, one system thread runs
 * KsConnect while another waits a seeded while (KeDelayExecutionThread) and then calls IoCancelIrp on the socket's
 * IRP. Whether the connect wins (STATUS_SUCCESS) or the cancel does (STATUS_CANCELLED), and the order the threads run
 * in, follow from the seed: the same seed gives the same outcomes and the same event log; other seeds differ.
 *
 * <p>Each run needs a network of its own, so this class builds them itself instead of using {@code @WskTest}, and does
 * the extension's leak checks by hand.
 */
class KSocketRaceDeterminismTest {

    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.2", 80);
    static final int PAIRS = 4;

    /** One run; returns the outcomes followed by the event log. */
    static List<String> run(long seed) {
        SimNetwork network = SimNetwork.create(seed);
        network.addHost("server", "10.0.0.2");
        network.onConnect(SERVER).always(Fault.accept()); // a passive peer takes every connection
        SplittableRandom random = network.random("cancel delays");
        WskSubsystem wsk = network.newSubsystem();
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            KSocket ks = new KSocket();
            assertEquals(STATUS_SUCCESS, ks.ksInitialize());
            List<Object> threads = new ArrayList<>();
            NtStatus[] outcomes = new NtStatus[PAIRS];
            List<Ref<KSocket.Socket>> sockets = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                int pair = i;
                Ref<KSocket.Socket> socket = new Ref<>();
                assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
                sockets.add(socket);
                // A connect takes one round trip (2 x 100 us); the canceller waits 0 to 400 us.
                long delay = -(random.nextLong(4_000)); // 100 ns units, relative
                threads.add(AbstractKSocketTest.psCreateSystemThread(
                        context -> outcomes[pair] = ks.ksConnect(socket.get(), SockAddr.of(SERVER)), null));
                threads.add(AbstractKSocketTest.psCreateSystemThread(context -> {
                    Ke.delayExecutionThread(KernelMode, false, delay == 0 ? -1 : delay);
                    Io.cancelIrp(socket.get().asyncContext().irp()); // Socket->AsyncContext.Irp
                }, null));
            }
            threads.forEach(AbstractKSocketTest::waitForThread);
            List<String> result = new ArrayList<>();
            for (int i = 0; i < PAIRS; i++) {
                assertTrue(outcomes[i] == STATUS_SUCCESS || outcomes[i] == STATUS_CANCELLED, outcomes[i].toString());
                result.add("pair " + i + ": " + outcomes[i].name());
                assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(sockets.get(i).get()));
            }
            ks.ksDestroy();
            IoManager io = network.ioManager();
            assertEquals(0, io.liveIrpCount(), () -> "IRPs left: " + io.liveIrps());
            assertEquals(List.of(), io.kernel().liveDriverThreads());
            assertEquals(List.of(), io.verifier().violations());
            assertEquals(List.of(), io.routineFailures());
            result.addAll(network.eventLog());
            return result;
        } finally {
            wsk.close();
            network.executor().close();
        }
    }

    @Test
    void connectAndCancelRaceIsReproducibleFromTheSeed() {
        assertEquals(run(0x5eed), run(0x5eed), "same seed, same outcomes and event log");

        Set<List<String>> runs = new LinkedHashSet<>();
        Set<List<String>> outcomes = new LinkedHashSet<>();
        for (long seed = 1; seed <= 6; seed++) {
            List<String> run = run(seed);
            runs.add(run);
            outcomes.add(run.subList(0, PAIRS));
        }
        assertTrue(runs.size() >= 2, "different seeds, different interleavings");
        assertTrue(outcomes.stream().flatMap(List::stream).anyMatch(line -> line.endsWith("STATUS_SUCCESS"))
                && outcomes.stream().flatMap(List::stream).anyMatch(line -> line.endsWith("STATUS_CANCELLED")),
                "both sides of the race are reached: " + outcomes);
    }
}
