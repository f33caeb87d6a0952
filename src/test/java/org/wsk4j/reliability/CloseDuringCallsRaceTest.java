package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.reliability.RaceSupport.Tracked;
import org.wsk4j.sim.SimNetwork;

/**
 * Issue 15, finding 4: WskCloseSocket while other threads are inside calls on the same socket. Eight threads meet
 * at a start line: three send, three receive, one calls IoCancelIrp on whatever the others submitted, one closes.
 * With SOCKET_CLOSED_DURING_CALL and SOCKET_USED_AFTER_CLOSE in mode FAIL, LOG and OFF, on the NIO transport
 * (threaded executor) and on the simulated network (manual executor driven by the test thread): every IRP a call
 * accepted completes exactly once (before the close IRP, when it was pended on the socket), an IRP a call refused
 * (a VerifierError in mode FAIL) never does, the close
 * completes (retried after the race when FAIL refused it), and WskDeregister returns.
 */
class CloseDuringCallsRaceTest {

    static final int ROUNDS = Reliability.size("wsk4j.closeRace.rounds", 30);
    static final int SENDERS = 3;
    static final int RECEIVERS = 3;

    /** One submitted operation: its IRP and whether the call accepted it. */
    record Call(Tracked tracked, boolean accepted) {
    }

    WskSubsystem wsk;
    ManualCompletionExecutor manual;
    WskProviderNpi npi;
    final AtomicInteger sequence = new AtomicInteger();

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"nio, FAIL", "nio, LOG", "nio, OFF", "sim, FAIL", "sim, LOG", "sim, OFF"})
    void closeRacingCallsFromEightThreads(String transport, Verifier.Mode mode) throws Exception {
        SimNetwork network = transport.equals("sim") ? SimNetwork.create(15) : null;
        wsk = network != null ? network.newSubsystem() : WskSubsystem.builder().threadedExecutor(2).build();
        manual = network != null ? network.executor() : null;
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            Verifier verifier = wsk.ioManager().verifier();
            verifier.setSink(org.wsk4j.nt.VerifierSink.recording()); // the race breaks the rules on purpose
            verifier.setStackCapture(Verifier.StackCapture.OFF);
            verifier.setMode(VerifierRule.SOCKET_CLOSED_DURING_CALL, mode);
            verifier.setMode(VerifierRule.SOCKET_USED_AFTER_CLOSE, mode);
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                    new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            WskSocket listener = listener();
            int port = port(listener);
            for (int round = 0; round < ROUNDS; round++) {
                race(threads, listener, port, transport + " " + mode + " round " + round);
                verifier.clearViolations();
            }
            closeAndWait(listener, "listener");
            wsk.wskReleaseProviderNpi(registration);
            assertTimeoutPreemptively(RaceSupport.WAIT, () -> wsk.wskDeregister(registration),
                    "WskDeregister returns");
            assertEquals(0, registration.openSocketCount());
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps());
            assertTrue(wsk.ioManager().routineFailures().isEmpty(), () -> "" + wsk.ioManager().routineFailures());
        } finally {
            threads.shutdownNow();
            wsk.close();
        }
    }

    private void race(ExecutorService threads, WskSocket listener, int port, String context) throws Exception {
        Tracked accept = tracked("WskAccept");
        ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null, accept.irp);
        Tracked create = tracked("WskSocketConnect");
        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.loopback(0),
                SockAddrIn.loopback(port), 0, null, null, null, null, null, create.irp);
        await(create, context);
        await(accept, context);
        assertEquals(STATUS_SUCCESS, create.status, context);
        WskSocket socket = (WskSocket) create.informationObject;
        WskSocket peer = (WskSocket) accept.informationObject;
        create.checkAndFree(context);
        accept.checkAndFree(context);
        // The peer sends a little, so that some receives complete with data while others are cancelled.
        Tracked peerSend = tracked("peer WskSend");
        connection(peer).wskSend(peer, buffer(2), 0, peerSend.irp);

        List<Call> calls = new CopyOnWriteArrayList<>();
        List<Tracked> submitted = new CopyOnWriteArrayList<>();
        Tracked[] close = new Tracked[1];
        boolean[] closeAccepted = new boolean[1];
        CyclicBarrier start = new CyclicBarrier(8);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < SENDERS + RECEIVERS; i++) {
            boolean send = i < SENDERS;
            running.add(threads.submit(() -> {
                try (IoManager.Binding bound = wsk.bindToCurrentThread()) {
                    Tracked t = tracked(send ? "WskSend" : "WskReceive");
                    submitted.add(t);
                    start.await();
                    calls.add(new Call(t, submit(() -> send
                            ? connection(socket).wskSend(socket, buffer(1), 0, t.irp)
                            : connection(socket).wskReceive(socket, buffer(1), 0, t.irp))));
                }
                return null;
            }));
        }
        running.add(threads.submit(() -> {
            start.await();
            for (int pass = 0; pass < 3; pass++) {
                for (Tracked t : submitted) {
                    Io.cancelIrp(t.irp);
                    RaceSupport.spin(50);
                }
            }
            return null;
        }));
        running.add(threads.submit(() -> {
            try (IoManager.Binding bound = wsk.bindToCurrentThread()) {
                Tracked t = tracked("WskCloseSocket");
                start.await();
                RaceSupport.spin(ThreadLocalSpin.next());
                close[0] = t;
                closeAccepted[0] = submit(() -> socket.dispatch().wskCloseSocket(socket, t.irp));
            }
            return null;
        }));
        for (Future<?> f : running) {
            f.get(RaceSupport.WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        if (!closeAccepted[0]) { // mode FAIL refused the close (calls were running): the driver closes again
            assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close[0].irp), context);
        }
        await(close[0], context + ": the close completes");
        List<Call> all = new ArrayList<>(calls);
        for (Call call : all) {
            if (call.accepted()) {
                await(call.tracked(), context);
            }
        }
        closeAndWait(peer, context);
        await(peerSend, context);
        drain();
        close[0].checkAndFree(context);
        peerSend.checkAndFree(context);
        for (Call call : all) {
            Tracked t = call.tracked();
            if (call.accepted()) {
                // Pended on the socket: completes before the close. (A call that found the socket closed completes
                // inline with STATUS_INVALID_HANDLE, perhaps after it.)
                assertTrue(t.status == STATUS_INVALID_HANDLE || t.order < close[0].order,
                        () -> t + " completes before the close; " + context);
                t.checkAndFree(context);
            } else {
                assertEquals(0, t.runs.get(), () -> "a refused IRP never completes: " + t + "; " + context);
                Io.freeIrp(t.irp);
            }
        }
    }

    /** Makes a call; false when the verifier refused it (a VerifierError in mode FAIL: the IRP was not accepted). */
    private static boolean submit(java.util.function.Supplier<NtStatus> call) {
        try {
            NtStatus returned = call.get(); // what the call returned does not matter here: the IRP tells
            return returned != null;
        } catch (VerifierError e) {
            return false;
        }
    }

    /** Varies where in the race the close lands. */
    static final class ThreadLocalSpin {
        private static final AtomicInteger NEXT = new AtomicInteger();

        static int next() {
            return (NEXT.getAndIncrement() * 37) % 400;
        }
    }

    private Tracked tracked(String kind) {
        return new Tracked(kind, sequence);
    }

    private void await(Tracked tracked, String context) {
        drain();
        tracked.await(context);
    }

    /** Sim: runs everything there is (the race threads have joined), jumping the virtual clock to each timer. */
    private void drain() {
        if (manual != null) {
            manual.runUntilIdle();
        }
    }

    private WskSocket listener() {
        Tracked create = tracked("WskSocket");
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null, null,
                null, null, null, create.irp);
        await(create, "listener");
        WskSocket listener = (WskSocket) create.informationObject;
        create.checkAndFree("listener");
        Tracked bind = tracked("WskBind");
        ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
        await(bind, "bind");
        assertEquals(STATUS_SUCCESS, bind.status);
        bind.checkAndFree("bind");
        return listener;
    }

    private int port(WskSocket listener) {
        SockAddrStorage local = new SockAddrStorage();
        Tracked c = tracked("WskGetLocalAddress");
        ((WskProviderListenDispatch) listener.dispatch()).wskGetLocalAddress(listener, local, c.irp);
        await(c, "local address");
        c.checkAndFree("local address");
        return local.port();
    }

    private void closeAndWait(WskSocket socket, String context) {
        Tracked close = tracked("WskCloseSocket");
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close.irp), context);
        await(close, context);
        assertEquals(STATUS_SUCCESS, close.status, context);
        close.checkAndFree(context);
    }

    private static WskProviderConnectionDispatch connection(WskSocket socket) {
        return (WskProviderConnectionDispatch) socket.dispatch();
    }

    private static WskBuf buffer(int size) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
    }
}
