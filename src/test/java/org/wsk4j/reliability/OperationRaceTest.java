package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.wsk4j.FullBacklog;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.reliability.RaceSupport.Racer;
import org.wsk4j.reliability.RaceSupport.Tally;
import org.wsk4j.reliability.RaceSupport.Tracked;

/**
 * Close and cancel racing every pending operation type — connect, accept, send/receive, datagram receive,
 * disconnect — on real loopback sockets under the threaded executor (2 completion threads plus the selector
 * thread), with a second test thread released at the same start line (a CyclicBarrier) for the other side of each
 * race: a peer connecting, sending or resetting, or a second cancel/close. Per round: every completion routine runs
 * exactly once, the close IRP completes after every other IRP of its socket, no socket is left open (the count
 * never goes negative), a connect reported successful hands out a usable socket, a cancelled receive never loses
 * the data that raced it. At the end: WskDeregister returns, no IRP leaked, no verifier violation, no routine
 * failure. Rounds per race: {@code -Dwsk4j.race.rounds} (CI 500; the full report uses 5,000).
 */
class OperationRaceTest {

    static final int ROUNDS = Reliability.size("wsk4j.race.rounds", 500);
    static final Tally TALLY = new Tally();

    WskSubsystem wsk;
    IoManager.Binding binding;
    WskRegistration registration;
    WskProviderNpi npi;
    Racer racer;
    SplittableRandom random;
    long seed;
    String seedText;
    final AtomicInteger sequence = new AtomicInteger();
    String passedRace;

    @BeforeEach
    void start(TestInfo info) {
        seed = Reliability.seed(0x0BACE_2026L) ^ info.getDisplayName().hashCode();
        seedText = "seed " + Reliability.hex(seed) + " (choices replay with -Dwsk4j.seed; thread timing does not)";
        random = new SplittableRandom(seed);
        wsk = WskSubsystem.builder().threadedExecutor(2).build();
        binding = wsk.bindToCurrentThread();
        wsk.ioManager().verifier().setStackCapture(org.wsk4j.nt.Verifier.StackCapture.OFF);
        registration = new WskRegistration();
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0),
                0, null)), registration));
        npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        racer = new Racer(wsk.ioManager());
    }

    @AfterEach
    void stop() {
        try {
            racer.close();
            wsk.wskReleaseProviderNpi(registration);
            ConnectSoakTest.deregisterBounded(wsk, registration, seedText);
            assertEquals(0, registration.openSocketCount(), seedText);
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps());
            assertTrue(wsk.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + wsk.ioManager().verifier().violations() + "; " + seedText);
            assertTrue(wsk.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + wsk.ioManager().routineFailures() + "; " + seedText);
            if (passedRace != null) {
                TALLY.passed(passedRace);
            }
        } finally {
            binding.close();
            wsk.close();
        }
    }

    @AfterAll
    static void report() {
        Reliability.Section section = new Reliability.Section("races", "Races: close and cancel against every pending"
                + " operation (NIO loopback, threaded executor)");
        section.figure("roundsPerRace", ROUNDS);
        long total = 0;
        for (var e : TALLY.rounds.entrySet()) {
            section.figure(e.getKey(), e.getValue());
            total += e.getValue();
        }
        section.figure("totalRounds", total);
        boolean allPassed = TALLY.passed.containsAll(TALLY.rounds.keySet());
        section.figure("allPassed", allPassed);
        section.line(String.format("%,d rounds in all (%,d per race); every round: each completion routine ran exactly"
                + " once, the close IRP completed after every other IRP of its socket, no socket left open, no data"
                + " lost to a cancel; at the end WskDeregister returned, 0 IRPs leaked, no verifier violation, no"
                + " routine failure. **Result: %s.**", total, ROUNDS, allPassed ? "all passed" : "FAILED (see the test output)"));
        section.line("");
        section.line("| race | rounds | result | outcomes seen |");
        section.line("| --- | ---: | --- | --- |");
        TALLY.rounds.forEach((kind, rounds) -> section.line("| " + kind + " | " + String.format("%,d", rounds) + " | "
                + (TALLY.passed.contains(kind) ? "passed" : "FAILED") + " | "
                + TALLY.outcomes.getOrDefault(kind, java.util.Map.of()).entrySet().stream()
                .map(o -> o.getKey() + " " + String.format("%,d", o.getValue())).reduce((a, b) -> a + "; " + b)
                .orElse("") + " |"));
        section.write();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    Tracked tracked(String kind) {
        return new Tracked(kind, sequence);
    }

    String ctx(String race, int round) {
        return race + " round " + round + "; " + seedText;
    }

    WskSocket socket(int category, int type, int protocol) {
        Tracked c = tracked("WskSocket");
        npi.dispatch().wskSocket(npi.client(), AF_INET, type, protocol, category, null, null, null, null, null, c.irp);
        c.await("WskSocket");
        assertEquals(STATUS_SUCCESS, c.status);
        WskSocket socket = (WskSocket) c.informationObject;
        c.checkAndFree("WskSocket");
        return socket;
    }

    WskSocket boundConnectionSocket() {
        WskSocket socket = socket(WSK_FLAG_CONNECTION_SOCKET, SOCK_STREAM, IPPROTO_TCP);
        Tracked bind = tracked("WskBind");
        ((WskProviderConnectionDispatch) socket.dispatch()).wskBind(socket, SockAddrIn.any(0), 0, bind.irp);
        bind.await("bind");
        assertEquals(STATUS_SUCCESS, bind.status);
        bind.checkAndFree("bind");
        return socket;
    }

    Tracked close(WskSocket socket) {
        Tracked close = tracked("WskCloseSocket");
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close.irp));
        return close;
    }

    /** Waits for the close, checks it completed last and succeeded, and frees every IRP. */
    void finishRound(String race, int round, Tracked close, List<Tracked> others) {
        String context = ctx(race, round);
        close.await(context);
        assertEquals(STATUS_SUCCESS, close.status, context);
        for (Tracked other : others) {
            other.await(context);
            assertTrue(other.order < close.order, () -> "the close IRP completes after " + other + "; " + context);
            TALLY.outcome(race, other.kind + " " + other.status.name());
            other.checkAndFree(context);
        }
        close.checkAndFree(context);
    }

    static WskBuf buf(int size) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
    }

    int localPort(WskSocket socket) {
        SockAddrStorage local = new SockAddrStorage();
        Tracked c = tracked("WskGetLocalAddress");
        if (socket.dispatch() instanceof WskProviderListenDispatch) {
            ((WskProviderListenDispatch) socket.dispatch()).wskGetLocalAddress(socket, local, c.irp);
        } else {
            ((WskProviderDatagramDispatch) socket.dispatch()).wskGetLocalAddress(socket, local, c.irp);
        }
        c.await("local address");
        assertEquals(STATUS_SUCCESS, c.status);
        c.checkAndFree("local address");
        return local.port();
    }

    // ---- connect ----------------------------------------------------------------------------------------------

    @Test
    void connectRacesCloseAndCancel() throws Exception {
        Set<NtStatus> allowed = Set.of(STATUS_SUCCESS, STATUS_CANCELLED, STATUS_CONNECTION_RESET,
                STATUS_CONNECTION_REFUSED, STATUS_CONNECTION_ABORTED);
        try (ServerSocket live = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
             FullBacklog full = new FullBacklog()) {
            for (int round = 0; round < ROUNDS; round++) {
                String race = "connect";
                TALLY.round(race);
                String context = ctx(race, round);
                boolean pendingForEver = random.nextBoolean(); // a full backlog: the connect stays in SYN_SENT
                SockAddr remote = SockAddrIn.loopback(pendingForEver ? full.port() : live.getLocalPort());
                int spinMine = random.nextInt(2000);
                int spinTheirs = random.nextInt(2000);
                if (random.nextBoolean()) {
                    // WskSocketConnect: only a cancel can end it early (the client has no socket yet)
                    Tracked connect = tracked("WskSocketConnect");
                    npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0), remote, 0,
                            null, null, null, null, null, connect.irp);
                    boolean twice = random.nextBoolean();
                    racer.race(() -> {
                        spin(spinMine);
                        Io.cancelIrp(connect.irp);
                    }, () -> {
                        spin(spinTheirs);
                        if (twice) {
                            Io.cancelIrp(connect.irp);
                        }
                    });
                    connect.await(context);
                    assertTrue(allowed.contains(connect.status), connect + "; " + context);
                    TALLY.outcome(race, "WskSocketConnect " + connect.status.name());
                    WskSocket socket = (WskSocket) connect.informationObject;
                    assertEquals(connect.status == STATUS_SUCCESS, socket != null, "a socket exactly on success; " + context);
                    connect.checkAndFree(context);
                    if (socket != null) {
                        checkUsable(socket, context);
                        finishRound(race, round, close(socket), List.of());
                    }
                } else {
                    WskSocket socket = boundConnectionSocket();
                    Tracked connect = tracked("WskConnect");
                    ((WskProviderConnectionDispatch) socket.dispatch()).wskConnect(socket, remote, 0, connect.irp);
                    int action = random.nextInt(3);
                    Tracked[] close = new Tracked[1];
                    racer.race(() -> {
                        spin(spinMine);
                        if (action == 0) {
                            Io.cancelIrp(connect.irp);
                        } else {
                            close[0] = close(socket);
                        }
                    }, () -> {
                        spin(spinTheirs);
                        if (action != 1) {
                            Io.cancelIrp(connect.irp);
                        }
                    });
                    if (close[0] == null) {
                        connect.await(context);
                        if (connect.status == STATUS_SUCCESS) {
                            checkUsable(socket, context);
                        }
                        close[0] = close(socket);
                    }
                    assertTrue(connect.await(context).status != null && allowed.contains(connect.status), context);
                    finishRound(race, round, close[0], List.of(connect));
                }
                awaitNoOpenSocket("no socket left open (nor closed twice); " + context);
                drainAccepted(live);
            }
        }
        passedRace = "connect"; // the body got through every round; stop() adds its own checks
    }

    /**
     * Waits (bounded) until the registration has no open socket: a socket counts as closed right after its close
     * routine returned, on the completion thread, a moment after the test saw that routine run. The count must never
     * go negative (a socket closed twice).
     */
    void awaitNoOpenSocket(String context) {
        long deadline = System.nanoTime() + RaceSupport.WAIT.toNanos();
        int open;
        while ((open = registration.openSocketCount()) > 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(0, open, context + "; open: " + registration.openSockets());
    }

    /** A socket whose connect succeeded is connected: its remote address can be queried. */
    void checkUsable(WskSocket socket, String context) {
        Tracked remote = tracked("WskGetRemoteAddress");
        ((WskProviderConnectionDispatch) socket.dispatch()).wskGetRemoteAddress(socket, new SockAddrStorage(), remote.irp);
        remote.await(context);
        assertEquals(STATUS_SUCCESS, remote.status, "a socket handed out as connected is connected; " + context);
        remote.checkAndFree(context);
    }

    private static void drainAccepted(ServerSocket live) throws IOException {
        live.setSoTimeout(1);
        while (true) {
            try {
                Socket s = live.accept();
                s.setSoLinger(true, 0);
                s.close();
            } catch (java.net.SocketTimeoutException e) {
                return;
            }
        }
    }

    // ---- accept -----------------------------------------------------------------------------------------------

    @Test
    void acceptRacesListenerCloseAndCancel() throws Exception {
        String race = "accept";
        for (int round = 0; round < ROUNDS; round++) {
            TALLY.round(race);
            String context = ctx(race, round);
            WskSocket listener = socket(WSK_FLAG_LISTEN_SOCKET, SOCK_STREAM, IPPROTO_TCP);
            Tracked bind = tracked("WskBind");
            ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
            bind.checkAndFree(context);
            assertEquals(STATUS_SUCCESS, bind.status, context);
            int port = localPort(listener);
            List<Tracked> accepts = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Tracked accept = tracked("WskAccept");
                ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null,
                        accept.irp);
                accepts.add(accept);
            }
            int clients = 1 + random.nextInt(3);
            int action = random.nextInt(3);
            int spinMine = random.nextInt(3000);
            List<SocketChannel> peers = new ArrayList<>();
            Tracked[] close = new Tracked[1];
            racer.race(() -> {
                spin(spinMine);
                if (action != 1) {
                    Io.cancelIrp(accepts.get(0).irp);
                }
                if (action != 0) {
                    close[0] = close(listener);
                }
            }, () -> {
                for (int i = 0; i < clients; i++) {
                    try {
                        SocketChannel channel = SocketChannel.open();
                        peers.add(channel);
                        channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                    } catch (IOException e) {
                        // refused or reset: the listener closed first
                    }
                }
            });
            if (close[0] == null) {
                accepts.get(0).await(context);
                close[0] = close(listener);
            }
            List<WskSocket> acceptedSockets = new ArrayList<>();
            for (Tracked accept : accepts) {
                accept.await(context);
                assertTrue(accept.status == STATUS_SUCCESS || accept.status == STATUS_CANCELLED, accept + "; " + context);
                assertEquals(accept.status == STATUS_SUCCESS, accept.informationObject != null, context);
                if (accept.informationObject != null) {
                    acceptedSockets.add((WskSocket) accept.informationObject);
                }
            }
            finishRound(race, round, close[0], accepts);
            for (WskSocket accepted : acceptedSockets) {
                finishRound(race, round, close(accepted), List.of());
            }
            for (SocketChannel peer : peers) {
                peer.close();
            }
            awaitNoOpenSocket("no accepted socket left behind; " + context);
        }
        passedRace = "accept"; // the body got through every round; stop() adds its own checks
    }

    // ---- stream receive vs cancel: no data lost ----------------------------------------------------------------

    /** A connected WSK socket and the java.nio peer it is connected to. */
    record Pair(WskSocket socket, Socket peer) {
    }

    Pair connectedPair(ServerSocket server) throws IOException {
        Tracked connect = tracked("WskSocketConnect");
        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, connect.irp);
        connect.await("connect");
        assertEquals(STATUS_SUCCESS, connect.status);
        WskSocket socket = (WskSocket) connect.informationObject;
        connect.checkAndFree("connect");
        server.setSoTimeout((int) RaceSupport.WAIT.toMillis());
        return new Pair(socket, server.accept());
    }

    @Test
    void receiveRacesCancelWithoutLosingData() throws Exception {
        String race = "receive vs cancel + arriving data";
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            for (int round = 0; round < ROUNDS; round++) {
                TALLY.round(race);
                String context = ctx(race, round);
                Pair pair = connectedPair(server);
                WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) pair.socket().dispatch();
                Tracked first = tracked("WskReceive");
                dispatch.wskReceive(pair.socket(), buf(16), 0, first.irp);
                Tracked second = tracked("WskReceive");
                dispatch.wskReceive(pair.socket(), buf(16), 0, second.irp);
                int spinMine = random.nextInt(3000);
                racer.race(() -> {
                    spin(spinMine);
                    Io.cancelIrp(first.irp);
                }, () -> {
                    try {
                        pair.peer().getOutputStream().write(7);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                long deadline = System.nanoTime() + RaceSupport.WAIT.toNanos();
                while (!(first.isDone() && first.status == STATUS_SUCCESS) && !second.isDone()
                        && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                long delivered = (first.isDone() && first.status == STATUS_SUCCESS ? first.information : 0)
                        + (second.isDone() && second.status == STATUS_SUCCESS ? second.information : 0);
                assertEquals(1, delivered, "the byte that raced the cancel is delivered exactly once, first " + first
                        + ", second " + second + "; " + context);
                TALLY.outcome(race, first.status == STATUS_SUCCESS ? "the cancelled receive got the byte"
                        : "the next receive got the byte");
                finishRound(race, round, close(pair.socket()), List.of(first, second));
                pair.peer().close();
            }
        }
        passedRace = "receive vs cancel + arriving data"; // the body got through every round; stop() adds its own checks
    }

    // ---- datagram ---------------------------------------------------------------------------------------------

    @Test
    void datagramReceiveRacesCloseAndCancel() throws Exception {
        String race = "datagram receiveFrom";
        try (DatagramChannel peer = DatagramChannel.open()) {
            peer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            for (int round = 0; round < ROUNDS; round++) {
                TALLY.round(race);
                String context = ctx(race, round);
                WskSocket socket = socket(WSK_FLAG_DATAGRAM_SOCKET, SOCK_DGRAM, IPPROTO_UDP);
                WskProviderDatagramDispatch dispatch = (WskProviderDatagramDispatch) socket.dispatch();
                Tracked bind = tracked("WskBind");
                dispatch.wskBind(socket, SockAddrIn.loopback(0), 0, bind.irp);
                bind.checkAndFree(context);
                InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort(socket));
                List<Tracked> receives = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    Tracked receive = tracked("WskReceiveFrom");
                    dispatch.wskReceiveFrom(socket, buf(64), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(),
                            receive.irp);
                    receives.add(receive);
                }
                boolean closeNow = random.nextBoolean();
                int spinMine = random.nextInt(3000);
                Tracked[] close = new Tracked[1];
                racer.race(() -> {
                    spin(spinMine);
                    Io.cancelIrp(receives.get(0).irp);
                    if (closeNow) {
                        close[0] = close(socket);
                    }
                }, () -> {
                    try {
                        peer.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), target);
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                if (!closeNow) {
                    // no close: the datagram must reach one of the two receives (a cancel never loses it)
                    long deadline = System.nanoTime() + RaceSupport.WAIT.toNanos();
                    while (receives.stream().noneMatch(r -> r.isDone() && r.status == STATUS_SUCCESS)
                            && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    long got = receives.stream().filter(r -> r.isDone() && r.status == STATUS_SUCCESS).count();
                    assertEquals(1, got, "the datagram that raced the cancel is delivered exactly once: " + receives
                            + "; " + context);
                    close[0] = close(socket);
                }
                for (Tracked receive : receives) {
                    receive.await(context);
                    assertTrue(receive.status == STATUS_SUCCESS || receive.status == STATUS_CANCELLED, receive + "; "
                            + context);
                    if (receive.status == STATUS_SUCCESS) {
                        assertEquals(3, receive.information, context);
                    }
                }
                finishRound(race, round, close[0], receives);
            }
        }
        passedRace = "datagram receiveFrom"; // the body got through every round; stop() adds its own checks
    }

    // ---- disconnect -------------------------------------------------------------------------------------------

    @Test
    void disconnectRacesCloseCancelAndPeerReset() throws Exception {
        String race = "disconnect";
        Set<NtStatus> allowed = Set.of(STATUS_SUCCESS, STATUS_CANCELLED, STATUS_CONNECTION_RESET,
                STATUS_CONNECTION_ABORTED, STATUS_CONNECTION_DISCONNECTED, STATUS_INVALID_DEVICE_STATE);
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            for (int round = 0; round < ROUNDS; round++) {
                TALLY.round(race);
                String context = ctx(race, round);
                Pair pair = connectedPair(server);
                WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) pair.socket().dispatch();
                List<Tracked> operations = new ArrayList<>();
                // A large send the peer never reads keeps the graceful disconnect queued behind it.
                int size = random.nextBoolean() ? 64 : 16 << 20;
                Tracked send = tracked("WskSend");
                dispatch.wskSend(pair.socket(), buf(size), 0, send.irp);
                operations.add(send);
                Tracked disconnect = tracked("WskDisconnect");
                dispatch.wskDisconnect(pair.socket(), null, 0, disconnect.irp);
                operations.add(disconnect);
                int mine = random.nextInt(3);
                int theirs = random.nextInt(3);
                int spinMine = random.nextInt(3000);
                Tracked[] close = new Tracked[1];
                racer.race(() -> {
                    spin(spinMine);
                    switch (mine) {
                        case 0 -> close[0] = close(pair.socket());
                        case 1 -> Io.cancelIrp(disconnect.irp);
                        default -> {
                            Tracked abort = tracked("WskDisconnect(abortive)");
                            dispatch.wskDisconnect(pair.socket(), null, WSK_FLAG_ABORTIVE, abort.irp);
                            synchronized (operations) {
                                operations.add(abort);
                            }
                        }
                    }
                }, () -> {
                    try {
                        switch (theirs) {
                            case 0 -> {
                                pair.peer().setSoLinger(true, 0);
                                pair.peer().close(); // the peer resets
                            }
                            case 1 -> Io.cancelIrp(send.irp);
                            default -> {
                            }
                        }
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                if (close[0] == null) {
                    if (size == 64 && theirs != 0 && mine != 2) {
                        disconnect.await(context); // nothing stops a small graceful disconnect
                    }
                    close[0] = close(pair.socket());
                }
                for (Tracked operation : operations) {
                    operation.await(context);
                    assertTrue(allowed.contains(operation.status), operation + "; " + context);
                }
                finishRound(race, round, close[0], operations);
                pair.peer().close();
            }
        }
        passedRace = "disconnect"; // the body got through every round; stop() adds its own checks
    }

    private static void spin(int n) {
        RaceSupport.spin(n);
    }
}
