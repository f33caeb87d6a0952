package org.wsk4j.sim;

import org.wsk4j.Completion;
import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.wsk4j.WskBuf;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.NtStatus;

/** The same seed and the same test code give the same event log; another seed gives another. */
class SimDeterminismTest {

    /** 50 connects with random faults, random start times, random payloads and random socket-creation failures. */
    static List<String> scenario(long seed) {
        SimNetwork network = SimNetwork.create(seed);
        network.addHost("server", SimHosts.SERVER_V4);
        SplittableRandom random = network.random("scenario");
        network.failSocketCreationWithProbability(0.05);
        network.onConnect(attempt -> switch (random.nextInt(10)) {
            case 0 -> Fault.refuse();
            case 1 -> Fault.blackHole();
            case 2 -> Fault.hostUnreachable();
            case 3 -> Fault.resetAfter(random.nextInt(64));
            case 4 -> Fault.abort();
            case 5 -> Fault.delay(Duration.ofMillis(random.nextInt(50)));
            case 6 -> Fault.partialSend(1 + random.nextInt(16));
            case 7 -> Fault.failWith(STATUS_ACCESS_DENIED);
            default -> null;
        });
        try (IoManager.Binding ignored = network.ioManager().bindToCurrentThread()) {
            SimHosts.Client client = new SimHosts.Client(network, SimNetwork.LOCALHOST);
            SimHosts.Client server = new SimHosts.Client(network, "server");
            WskSocket listener;
            Completion created = new Completion();
            server.npi.dispatch().wskSocket(server.npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, created.irp);
            network.executor().runUntilIdle();
            assertEquals(STATUS_SUCCESS, created.status);
            listener = created.socket();
            Completion bound = new Completion();
            ((org.wsk4j.WskProviderListenDispatch) listener.dispatch()).wskBind(listener,
                    SimHosts.addr(SimHosts.SERVER_V4, 80), 0, bound.irp);
            network.executor().runUntilIdle();
            List<Completion> accepts = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                accepts.add(SimHosts.accept(listener));
            }
            List<Completion> connects = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Completion c = new Completion();
                client.npi.dispatch().wskSocketConnect(client.npi.client(), SOCK_STREAM, IPPROTO_TCP,
                        SimHosts.any(AF_INET), SimHosts.addr(SimHosts.SERVER_V4, 80), 0, null, null, null,
                        null, null, c.irp);
                connects.add(c);
                network.executor().advanceTimeBy(Duration.ofNanos(random.nextInt(300_000)));
            }
            network.executor().runUntilIdle();
            List<NtStatus> outcomes = new ArrayList<>();
            for (Completion c : connects) {
                outcomes.add(c.status);
                if (c.status == STATUS_SUCCESS) {
                    byte[] data = new byte[1 + random.nextInt(100)];
                    WskBuf buf = new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, data.length), 0, data.length);
                    Completion sent = new Completion();
                    SimHosts.connection(c.socket()).wskSend(c.socket(), buf, 0, sent.irp);
                }
            }
            network.executor().runUntilIdle();
            for (Completion c : connects) {
                if (c.status == STATUS_SUCCESS) {
                    closeSocket(network, c.socket());
                }
            }
            for (Completion a : accepts) {
                if (a.status == STATUS_SUCCESS) {
                    closeSocket(network, a.socket());
                }
            }
            closeSocket(network, listener);
            network.executor().runUntilIdle();
            client.stop();
            server.stop();
            assertEquals(0, network.ioManager().liveIrpCount());
            assertTrue(outcomes.contains(STATUS_SUCCESS));
            assertTrue(outcomes.size() == 50);
        }
        return network.eventLog();
    }

    private static void closeSocket(SimNetwork network, WskSocket socket) {
        Completion c = new Completion();
        socket.dispatch().wskCloseSocket(socket, c.irp);
        network.executor().runPending();
        assertEquals(STATUS_SUCCESS, c.status);
    }

    @Test
    void sameSeedSameEventLogOtherSeedOtherLog() {
        List<String> first = scenario(0x5EED);
        List<String> second = scenario(0x5EED);
        assertTrue(first.size() > 300, "a rich scenario: " + first.size() + " events");
        assertEquals(first, second);
        List<String> other = scenario(0x5EED + 1);
        assertNotEquals(first, other);
    }

    @Test
    void noWallClockAndNoUnorderedCollectionsInTheSimulator() throws IOException {
        Path dir = Path.of("src/main/java/org/wsk4j/sim");
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String source = Files.readString(file);
                for (String banned : List.of("System.nanoTime", "System.currentTimeMillis", "Thread.sleep",
                        "new HashMap", "new HashSet", "ThreadLocalRandom", "Instant.now", "new Random(")) {
                    assertFalse(source.contains(banned), file + " uses " + banned);
                }
            }
        }
    }
}
