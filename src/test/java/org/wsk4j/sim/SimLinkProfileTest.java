package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.wsk4j.Completion;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;

/** Link profiles: latency distributions (seeded) and datagram loss, duplication and reordering. */
class SimLinkProfileTest extends SimTestBase {

    private static final int DATAGRAMS = 200;
    private long seed = 42;

    @Override
    long seed() {
        return seed;
    }

    // ---- distributions ------------------------------------------------------------------------------------

    @Test
    void distributionsDrawWithinTheirShape() {
        SplittableRandom random = new SplittableRandom(7);
        assertEquals(5_000, Latency.fixed(Duration.ofNanos(5_000)).sampleNanos(random));
        Latency uniform = Latency.uniform(Duration.ofNanos(100_000), Duration.ofNanos(200_000));
        Latency exponential = Latency.exponential(Duration.ofNanos(100_000), Duration.ofNanos(50_000));
        Latency tail = Latency.longTail(Duration.ofNanos(100_000), 1.16);
        double exponentialSum = 0;
        long tailMax = 0;
        int tailOver10x = 0;
        for (int i = 0; i < 10_000; i++) {
            long u = uniform.sampleNanos(random);
            assertTrue(u >= 100_000 && u < 200_000, "uniform " + u);
            long e = exponential.sampleNanos(random);
            assertTrue(e >= 100_000, "exponential " + e);
            exponentialSum += e - 100_000;
            long t = tail.sampleNanos(random);
            assertTrue(t >= 100_000 && t <= 100_000_000, "long tail " + t);
            tailMax = Math.max(tailMax, t);
            tailOver10x += t > 1_000_000 ? 1 : 0;
        }
        double mean = exponentialSum / 10_000;
        assertTrue(mean > 45_000 && mean < 55_000, "exponential mean " + mean);
        // Pareto(1.16): P(X > 10 x_m) = 10^-1.16 = 6.9 %
        assertTrue(tailOver10x > 500 && tailOver10x < 900, "long-tail samples over 10x " + tailOver10x);
        assertTrue(tailMax > 10_000_000, "the tail reaches 100x: " + tailMax);
    }

    @Test
    void invalidProfilesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.NORMAL.withLoss(1.5));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.NORMAL.withDuplicate(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Latency.uniform(Duration.ofMillis(2), Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> Latency.longTail(Duration.ZERO, 1));
        assertThrows(IllegalArgumentException.class, () -> network.setLink("server", "server", LinkProfile.NORMAL));
    }

    // ---- datagrams ----------------------------------------------------------------------------------------

    /** Sends DATAGRAMS datagrams client to server (datagram i has i + 1 bytes); returns the sizes received, in order. */
    private List<Long> datagramRun(LinkProfile profile) {
        network.setLink(SimNetwork.LOCALHOST, "server", profile);
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        WskSocket b = socket(server, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(a, any(AF_INET)));
        assertEquals(STATUS_SUCCESS, bind(b, addr(SERVER_V4, 5355)));
        WskProviderDatagramDispatch da = (WskProviderDatagramDispatch) a.dispatch();
        WskProviderDatagramDispatch db = (WskProviderDatagramDispatch) b.dispatch();
        List<Completion> receives = new ArrayList<>();
        for (int i = 0; i < 2 * DATAGRAMS; i++) {
            Completion r = new Completion();
            db.wskReceiveFrom(b, buffer(1024), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(0), r.irp);
            receives.add(r);
        }
        for (int i = 0; i < DATAGRAMS; i++) {
            Completion sent = new Completion();
            da.wskSendTo(a, buffer(i + 1), 0, addr(SERVER_V4, 5355), 0, null, sent.irp);
            executor.advanceTimeBy(Duration.ofNanos(10_000));
            assertEquals(STATUS_SUCCESS, sent.status, "a lost datagram was still sent");
        }
        executor.runUntilIdle();
        List<Long> sizes = new ArrayList<>();
        for (Completion r : receives) {
            if (r.done() && r.status == STATUS_SUCCESS) {
                sizes.add(r.information);
            }
        }
        close(a);
        close(b);
        return sizes;
    }

    private static WskBuf buffer(int size) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
    }

    private static boolean sorted(List<Long> sizes) {
        for (int i = 1; i < sizes.size(); i++) {
            if (sizes.get(i) < sizes.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void withoutAProfileDatagramsArriveAllAndInOrder() {
        List<Long> sizes = datagramRun(null);
        assertEquals(DATAGRAMS, sizes.size());
        assertTrue(sorted(sizes));
    }

    @Test
    void lossDropsAboutThatShareAndTheSameSeedDropsTheSameOnes() {
        List<Long> first = datagramRun(LinkProfile.NORMAL.withLoss(0.3));
        assertTrue(first.size() > 110 && first.size() < 170, "kept " + first.size() + " of " + DATAGRAMS);
        assertTrue(sorted(first));
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("datagram lost on link")));
        restartNetwork(SimNetwork.Config.defaults());
        assertEquals(first, datagramRun(LinkProfile.NORMAL.withLoss(0.3)), "same seed, same losses");
    }

    @Test
    void duplicationDeliversCopies() {
        List<Long> sizes = datagramRun(LinkProfile.NORMAL.withDuplicate(0.25));
        assertTrue(sizes.size() > DATAGRAMS + 25 && sizes.size() < DATAGRAMS + 75, "received " + sizes.size());
        assertEquals(DATAGRAMS, sizes.stream().distinct().count(), "every datagram at least once");
    }

    @Test
    void reorderingAndJitterLetLaterDatagramsOvertake() {
        List<Long> reordered = datagramRun(LinkProfile.NORMAL.withReorder(0.1, Duration.ofMillis(1)));
        assertEquals(DATAGRAMS, reordered.size());
        assertTrue(!sorted(reordered), "some datagram was overtaken");
        restartNetwork(SimNetwork.Config.defaults());
        List<Long> jittered = datagramRun(LinkProfile.NORMAL.withLatency(
                Latency.exponential(Duration.ofNanos(50_000), Duration.ofNanos(40_000))));
        assertEquals(DATAGRAMS, jittered.size());
        assertTrue(!sorted(jittered), "jitter larger than the spacing reorders datagrams");
    }

    @Test
    void aDifferentSeedGivesDifferentDraws() {
        List<Long> first = datagramRun(LinkProfile.NORMAL.withLoss(0.3));
        seed = 43;
        restartNetwork(SimNetwork.Config.defaults());
        assertNotEquals(first, datagramRun(LinkProfile.NORMAL.withLoss(0.3)));
    }
}
