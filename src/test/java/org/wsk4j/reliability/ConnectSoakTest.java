package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.WskBuf;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * Bounded soak: connect/close cycles with 64 in flight, mixing WskSocketConnect and WskSocket + WskBind +
 * WskConnect, with IoCancelIrp and WskCloseSocket at random points (right after the call, while the operation is
 * pending, after its completion), receives that a peer reset or a later close ends, and peer resets. Once on real
 * loopback sockets (threaded executor, a java.nio peer that resets some connections with SO_LINGER 0), once on
 * the simulated network (random connect faults, socket-creation failures, fully deterministic from the seed).
 *
 * <p>Invariants, checked throughout and at the end: every completion routine runs exactly once; every IRP is
 * freed (IoManager accounting); WskDeregister returns (bounded wait); no verifier violation and no routine
 * failure; on NIO, file descriptors ({@code /proc/self/fd}) and threads back to their baseline once the subsystem
 * is closed. CI size: {@code -Dwsk4j.soak.cycles} (default 10,000); full size 100,000. Replay a simulated run
 * with {@code -Dwsk4j.seed=N} (the seed is printed in every failure).
 */
class ConnectSoakTest {

    static final int IN_FLIGHT = 64;
    static final Duration STALL = Duration.ofSeconds(30);

    /** One IRP issued by the soak, with its run count (the routine never frees it: the driver does). */
    static final class Op {
        final Cycle cycle;
        final String kind;
        final Irp irp;
        final AtomicInteger runs = new AtomicInteger();
        volatile NtStatus status;
        volatile Object information;
        boolean observed;

        Op(Cycle cycle, String kind, BlockingQueue<Op> events, AtomicLong doubles) {
            this.cycle = cycle;
            this.kind = kind;
            this.irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                status = completed.ioStatus().status();
                information = completed.ioStatus().informationObject();
                if (runs.incrementAndGet() > 1) {
                    doubles.incrementAndGet();
                }
                events.add(this);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }

        @Override
        public String toString() {
            return kind + "[" + irp + ", runs " + runs.get() + ", " + status + "]";
        }
    }

    /** One connect/close cycle. */
    static final class Cycle {
        final int id;
        final boolean socketConnect;
        final List<Op> ops = new ArrayList<>();
        WskSocket socket;
        int outstanding;
        boolean closeIssued;
        boolean closed;
        int closeCountdown = -1;

        Cycle(int id, boolean socketConnect) {
            this.id = id;
            this.socketConnect = socketConnect;
        }

        @Override
        public String toString() {
            return "cycle#" + id + (socketConnect ? "[WskSocketConnect" : "[WskSocket+WskBind+WskConnect")
                    + ", socket " + socket + ", close " + (closed ? "done" : closeIssued ? "issued" : "not issued")
                    + ", ops " + ops + "]";
        }
    }

    /** The result of one soak run. */
    static final class Result {
        long cycles;
        long irps;
        long completions;
        long cancels;
        long closesWhilePending;
        long doubleCompletions;
        long durationMillis;
        long digest = 1125899906842597L;
        final Map<String, Long> outcomes = new TreeMap<>();
    }

    /** The soak driver: one thread issues every WSK call, frees every IRP and decides the chaos. */
    static final class Driver {
        final WskProviderNpi npi;
        final SockAddr remote;
        final SplittableRandom random;
        final BlockingQueue<Op> events = new LinkedBlockingQueue<>();
        final AtomicLong doubles = new AtomicLong();
        final List<Cycle> inFlight = new ArrayList<>();
        final Result result = new Result();
        final String seedText;
        int started;
        int finished;

        Driver(WskProviderNpi npi, SockAddr remote, long seed, String seedText) {
            this.npi = npi;
            this.remote = remote;
            this.random = new SplittableRandom(seed);
            this.seedText = seedText;
        }

        /** Waits for the next completion: real time on NIO, virtual time on the simulation. */
        interface Pump {
            Op next(BlockingQueue<Op> events) throws InterruptedException;
        }

        Result run(int cycles, Pump pump) throws InterruptedException {
            long start = System.nanoTime();
            long lastProgress = System.nanoTime();
            while (finished < cycles) {
                while (inFlight.size() < IN_FLIGHT && started < cycles) {
                    start(started++);
                }
                Op op = pump.next(events);
                if (op != null) {
                    handle(op);
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    fail("no completion for " + STALL + " (a hang); " + seedText + "; in flight: " + inFlight);
                }
                tick();
            }
            result.cycles = finished;
            result.doubleCompletions = doubles.get();
            result.durationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(0, doubles.get(), "a completion routine ran twice; " + seedText);
            return result;
        }

        private Op issue(Cycle cycle, String kind) {
            Op op = new Op(cycle, kind, events, doubles);
            cycle.ops.add(op);
            cycle.outstanding++;
            result.irps++;
            return op;
        }

        private void maybeCancelAtOnce(Op op) {
            if (random.nextInt(10) == 0) {
                cancel(op);
            }
        }

        private void cancel(Op op) {
            result.cancels++;
            Io.cancelIrp(op.irp);
        }

        private void start(int id) {
            Cycle cycle = new Cycle(id, random.nextBoolean());
            inFlight.add(cycle);
            if (cycle.socketConnect) {
                Op op = issue(cycle, "WskSocketConnect");
                npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0), remote, 0,
                        null, null, null, null, null, op.irp);
                maybeCancelAtOnce(op);
            } else {
                Op op = issue(cycle, "WskSocket");
                npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                        null, null, null, null, null, op.irp);
            }
        }

        private static WskProviderConnectionDispatch connection(WskSocket socket) {
            return (WskProviderConnectionDispatch) socket.dispatch();
        }

        private void close(Cycle cycle) {
            if (cycle.closeIssued || cycle.socket == null) {
                return;
            }
            cycle.closeIssued = true;
            if (cycle.outstanding > 0) {
                result.closesWhilePending++;
            }
            Op op = issue(cycle, "WskCloseSocket");
            cycle.socket.dispatch().wskCloseSocket(cycle.socket, op.irp);
        }

        private void handle(Op op) {
            Cycle cycle = op.cycle;
            if (op.observed) {
                fail("completion observed twice: " + op + " of " + cycle + "; " + seedText);
            }
            op.observed = true;
            cycle.outstanding--;
            result.completions++;
            NtStatus status = op.status;
            result.outcomes.merge(op.kind + " " + status.name(), 1L, Long::sum);
            result.digest = result.digest * 31 + (op.kind.hashCode() ^ status.code()) + cycle.id;
            boolean ok = status == STATUS_SUCCESS;
            switch (op.kind) {
                case "WskSocket":
                    if (ok) {
                        cycle.socket = (WskSocket) op.information;
                        if (random.nextInt(12) == 0) {
                            close(cycle); // closed before it was ever bound
                        } else {
                            Op bind = issue(cycle, "WskBind");
                            connection(cycle.socket).wskBind(cycle.socket, SockAddrIn.any(0), 0, bind.irp);
                        }
                    }
                    break;
                case "WskBind":
                    if (!cycle.closeIssued) {
                        if (ok) {
                            Op connect = issue(cycle, "WskConnect");
                            connection(cycle.socket).wskConnect(cycle.socket, remote, 0, connect.irp);
                            maybeCancelAtOnce(connect);
                        } else {
                            close(cycle);
                        }
                    }
                    break;
                case "WskSocketConnect":
                case "WskConnect":
                    if (op.kind.equals("WskSocketConnect") && ok) {
                        cycle.socket = (WskSocket) op.information;
                    }
                    if (cycle.socket != null && !cycle.closeIssued) {
                        if (ok && random.nextBoolean()) {
                            Op receive = issue(cycle, "WskReceive");
                            connection(cycle.socket).wskReceive(cycle.socket, new WskBuf(Io.allocateMdl(
                                    java.nio.ByteBuffer.allocate(64)), 0, 64), 0, receive.irp);
                            cycle.closeCountdown = random.nextInt(40); // unless a peer reset ends the receive first
                        } else {
                            close(cycle);
                        }
                    }
                    break;
                case "WskReceive":
                    close(cycle);
                    break;
                case "WskCloseSocket":
                    assertEquals(STATUS_SUCCESS, status, "WskCloseSocket always succeeds; " + cycle + "; " + seedText);
                    cycle.closed = true;
                    break;
                default:
                    fail(op.kind);
            }
            maybeFinish(cycle);
        }

        private void maybeFinish(Cycle cycle) {
            if (cycle.outstanding > 0 || (cycle.socket != null && !cycle.closed)) {
                return;
            }
            for (Op op : cycle.ops) {
                if (op.runs.get() != 1) {
                    fail("completion routine ran " + op.runs.get() + " times: " + op + " of " + cycle + "; " + seedText);
                }
                Io.freeIrp(op.irp);
            }
            inFlight.remove(cycle);
            finished++;
        }

        /** Per step: deferred closes and the chaos (a cancel or a close at a random point of a random cycle). */
        private void tick() {
            for (int i = 0; i < inFlight.size(); i++) {
                Cycle cycle = inFlight.get(i);
                if (cycle.closeCountdown >= 0 && cycle.closeCountdown-- == 0) {
                    close(cycle);
                }
            }
            if (inFlight.isEmpty() || random.nextInt(4) != 0) {
                return;
            }
            Cycle victim = inFlight.get(random.nextInt(inFlight.size()));
            int action = random.nextInt(10);
            if (action < 5 && !victim.ops.isEmpty()) {
                cancel(victim.ops.get(random.nextInt(victim.ops.size()))); // pending, or completed and not yet freed
            } else if (action < 8) {
                close(victim);
            }
        }
    }

    private static WskClientNpi clientNpi() {
        return new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null));
    }

    /** Deregisters on another thread and fails if it does not return in time (a hang must not hang the build). */
    static void deregisterBounded(WskSubsystem wsk, WskRegistration registration, String seedText) {
        Thread thread = new Thread(() -> wsk.wskDeregister(registration), "soak-deregister");
        thread.setDaemon(true);
        thread.start();
        try {
            thread.join(STALL.toMillis());
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertFalse(thread.isAlive(), () -> "WskDeregister did not return within " + STALL + ": " + registration
                + ", open sockets " + registration.openSockets() + "; " + seedText);
    }

    // ---- NIO loopback ------------------------------------------------------------------------------------------

    /** A java.nio peer: resets some accepted connections at once (SO_LINGER 0), closes some, holds the rest. */
    static final class Peer implements AutoCloseable {
        final ServerSocket server;
        final Thread thread;
        final ArrayDeque<Socket> held = new ArrayDeque<>();
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong graceful = new AtomicLong();

        Peer(long seed) throws IOException {
            server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            SplittableRandom random = new SplittableRandom(seed);
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        int choice = random.nextInt(8);
                        if (choice < 3) {
                            s.setSoLinger(true, 0);
                            s.close(); // the peer resets
                            resets.incrementAndGet();
                        } else if (choice == 3) {
                            s.close();
                            graceful.incrementAndGet();
                        } else {
                            synchronized (held) {
                                held.add(s);
                                if (held.size() > 256) {
                                    Socket old = held.poll();
                                    old.setSoLinger(true, 0);
                                    old.close();
                                }
                            }
                        }
                    } catch (IOException e) {
                        // the server closed, or a connection the client already reset
                    }
                }
            }, "soak-peer");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            synchronized (held) {
                for (Socket s : held) {
                    s.setSoLinger(true, 0);
                    s.close();
                }
                held.clear();
            }
        }
    }

    private static Result nioSoak(int cycles, long seed) throws Exception {
        String seedText = "seed " + Reliability.hex(seed) + " (rerun with -Dwsk4j.seed=" + Reliability.hex(seed)
                + "; on NIO the thread interleaving is not replayed)";
        try (Peer peer = new Peer(seed);
             WskSubsystem wsk = WskSubsystem.builder().threadedExecutor(2).build();
             IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            wsk.ioManager().verifier().setStackCapture(org.wsk4j.nt.Verifier.StackCapture.OFF);
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            Driver driver = new Driver(npi, SockAddrIn.loopback(peer.port()), seed, seedText);
            Result result = driver.run(cycles, events -> events.poll(2, TimeUnit.MILLISECONDS));
            wsk.wskReleaseProviderNpi(registration);
            deregisterBounded(wsk, registration, seedText);
            assertEquals(0, registration.openSocketCount(), seedText);
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps() + "; "
                    + seedText);
            assertEquals(0, wsk.ioManager().checkLeaks(), seedText);
            assertTrue(wsk.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + wsk.ioManager().verifier().violations() + "; " + seedText);
            assertTrue(wsk.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + wsk.ioManager().routineFailures() + "; " + seedText);
            assertEquals(result.irps, wsk.ioManager().statistics().freed(), "every IRP allocated was freed");
            result.outcomes.put("peer: accepted", peer.accepted.get());
            result.outcomes.put("peer: reset at once (SO_LINGER 0)", peer.resets.get());
            result.outcomes.put("peer: closed gracefully at once", peer.graceful.get());
            return result;
        }
    }

    @Test
    void nioLoopbackSoak() throws Exception {
        long seed = Reliability.seed(0x50A4_2026L);
        int cycles = Reliability.size("wsk4j.soak.cycles", 10_000);
        nioSoak(300, seed ^ 1); // warm-up: lazily started JDK machinery is not a leak
        long fdsBefore = Reliability.openFds();
        long threadsBefore = Reliability.liveThreads();
        Result result = nioSoak(cycles, seed);
        long fdsAfter = fdsBefore < 0 ? -1 : Reliability.settle(Reliability::openFds, fdsBefore + 2, Duration.ofSeconds(10));
        long threadsAfter = Reliability.settle(Reliability::liveThreads, threadsBefore, Duration.ofSeconds(10));
        if (fdsBefore >= 0) {
            assertTrue(fdsAfter <= fdsBefore + 2, "file descriptors before " + fdsBefore + ", after " + fdsAfter);
        }
        assertTrue(threadsAfter <= threadsBefore, "threads before " + threadsBefore + ", after " + threadsAfter);
        report("soak-nio", "Soak: NIO loopback", cycles, seed, result,
                "fds before " + fdsBefore + ", after " + fdsAfter + "; threads before " + threadsBefore + ", after "
                        + threadsAfter);
    }

    // ---- simulated network -----------------------------------------------------------------------------------

    static final InetSocketAddress SERVER = new InetSocketAddress(ipv4(10, 0, 0, 2), 80);

    static InetAddress ipv4(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static Result simSoak(int cycles, long seed) throws Exception {
        String seedText = "seed " + Reliability.hex(seed) + " (rerun with -Dwsk4j.seed=" + Reliability.hex(seed) + ")";
        SimNetwork network = SimNetwork.create(seed, SimNetwork.Config.defaults().withConnectTimeout(Duration.ofSeconds(2)));
        network.addHost("server", "10.0.0.2");
        network.setRecording(false);
        SplittableRandom faults = network.random("soak-faults");
        network.onConnect(attempt -> {
            int draw = faults.nextInt(20);
            switch (draw) {
                case 0: case 1: return Fault.refuse();
                case 2: case 3: return Fault.resetAfter(0);      // the peer resets right after the handshake
                case 4: case 5: return Fault.abort();
                case 6: return Fault.hostUnreachable();
                case 7: return Fault.blackHole();                 // pending until cancelled, closed, or 2 s
                case 8: return new Fault.Delay(Duration.ofMillis(1 + faults.nextInt(20)), Fault.accept());
                case 9: return new Fault.FailWith(STATUS_CONNECTION_ABORTED);
                default: return Fault.accept();                   // a passive peer
            }
        });
        network.failSocketCreationWithProbability(0.02);
        ManualCompletionExecutor executor = network.executor();
        try (WskSubsystem wsk = network.newSubsystem();
             IoManager.Binding ignored = network.ioManager().bindToCurrentThread()) {
            network.ioManager().verifier().setStackCapture(org.wsk4j.nt.Verifier.StackCapture.OFF);
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            Driver driver = new Driver(npi, SockAddr.of(SERVER), seed, seedText);
            Result result = driver.run(cycles, events -> {
                if (events.isEmpty()) {
                    executor.runPending();
                }
                if (events.isEmpty()) {
                    executor.advanceTimeBy(Duration.ofMillis(1)); // virtual: costs nothing
                }
                return events.poll();
            });
            executor.runPending();
            wsk.wskReleaseProviderNpi(registration);
            deregisterBounded(wsk, registration, seedText);
            assertEquals(0, network.ioManager().liveIrpCount(), () -> "IRPs leaked: " + network.ioManager().liveIrps()
                    + "; " + seedText);
            assertTrue(network.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + network.ioManager().verifier().violations() + "; " + seedText);
            assertTrue(network.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + network.ioManager().routineFailures() + "; " + seedText);
            result.outcomes.put("virtual time (ms)", executor.now().toMillis());
            return result;
        }
    }

    @Test
    void simulatedSoak() throws Exception {
        long seed = Reliability.seed(0x51A4_2026L);
        int cycles = Reliability.size("wsk4j.soak.cycles", 10_000);
        Result result = simSoak(cycles, seed);
        report("soak-sim", "Soak: simulated network", cycles, seed, result,
                "deterministic: the same seed repeats every completion (digest " + Long.toHexString(result.digest) + ")");
    }

    @Test
    void simulatedSoakReplaysFromItsSeed() throws Exception {
        long seed = Reliability.seed(0x51A4_2026L) + 1;
        Result first = simSoak(2_000, seed);
        Result second = simSoak(2_000, seed);
        assertEquals(first.digest, second.digest, "the same seed must repeat every completion; seed " + Reliability.hex(seed));
        assertEquals(first.outcomes, second.outcomes);
        assertNotEquals(first.digest, simSoak(2_000, seed + 1).digest, "another seed, another run");
    }

    private static void report(String id, String title, int cycles, long seed, Result result, String resources) {
        Reliability.Section section = new Reliability.Section(id, title)
                .figure("cycles", result.cycles).figure("inFlight", IN_FLIGHT).figure("seed", Reliability.hex(seed))
                .figure("irps", result.irps).figure("completions", result.completions)
                .figure("doubleCompletions", result.doubleCompletions).figure("cancels", result.cancels)
                .figure("closesWhilePending", result.closesWhilePending).figure("durationMillis", result.durationMillis)
                .figure("leakedIrps", 0).figure("resources", resources);
        section.line(String.format("%,d cycles, %d in flight, seed `%s`, %,d ms: %,d IRPs issued, %,d completion routine"
                        + " runs (%,d twice), %,d IoCancelIrp calls, %,d WskCloseSocket calls while an operation was"
                        + " pending. Result: **every routine ran exactly once, 0 IRPs leaked, 0 sockets left open,"
                        + " WskDeregister returned, no verifier violation**; %s.", result.cycles, IN_FLIGHT,
                Reliability.hex(seed), result.durationMillis, result.irps, result.completions, result.doubleCompletions,
                result.cancels, result.closesWhilePending, resources));
        section.line("");
        section.line("| outcome | count |");
        section.line("| --- | ---: |");
        result.outcomes.forEach((k, v) -> section.line("| " + k + " | " + String.format("%,d", v) + " |"));
        section.write();
    }
}
