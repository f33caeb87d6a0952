package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientConnectionDispatch;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientListenDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskEventCallbackControl;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.reliability.RaceSupport.Racer;
import org.wsk4j.reliability.RaceSupport.Tracked;

/**
 * WskDeregister racing in-flight operations and event callbacks, on real loopback sockets under the threaded
 * executor. Per round: a registration with a listener whose WskAcceptEvent takes connections (accepted sockets
 * inherit WskReceiveEvent and WskDisconnectEvent), clients connecting to it with WskSocketConnect and sending; at a
 * random moment a second thread releases the NPI and calls WskDeregister while the test thread keeps closing
 * sockets in random order (connects still pending, sends in flight, callbacks running). Checked: WskDeregister
 * returns (bounded wait), not before every socket of the registration is closed (it finds none open when it
 * returns) and every WskCloseSocket completion routine ran; no event callback starts after it returned; every IRP completes exactly once and is freed; no
 * verifier violation. Rounds: {@code -Dwsk4j.deregister.rounds} (CI 100; the full report 2,000).
 */
class DeregisterRaceTest {

    static final int ROUNDS = Reliability.size("wsk4j.deregister.rounds", 100);

    @Test
    void deregisterWaitsForSocketsAndNoCallbackRunsAfterIt() throws Exception {
        long seed = Reliability.seed(0xDE4E_2026L);
        String seedText = "seed " + Reliability.hex(seed) + " (choices replay with -Dwsk4j.seed; thread timing does not)";
        SplittableRandom random = new SplittableRandom(seed);
        AtomicInteger sequence = new AtomicInteger();
        AtomicLong callbacks = new AtomicLong();
        AtomicLong acceptedTotal = new AtomicLong();
        AtomicLong lateCallbacks = new AtomicLong();
        AtomicLong deregisterWhilePending = new AtomicLong();
        AtomicLong returnedBeforeCloseRoutines = new AtomicLong();
        long start = System.nanoTime();
        try (WskSubsystem wsk = WskSubsystem.builder().threadedExecutor(2).build();
             IoManager.Binding ignored = wsk.bindToCurrentThread();
             Racer racer = new Racer(wsk.ioManager())) {
            wsk.ioManager().verifier().setStackCapture(org.wsk4j.nt.Verifier.StackCapture.OFF);
            for (int round = 0; round < ROUNDS; round++) {
                String context = "round " + round + "; " + seedText;
                WskRegistration registration = new WskRegistration();
                assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(
                        MAKE_WSK_VERSION(1, 0), 0, null)), registration));
                WskProviderNpi npi = new WskProviderNpi();
                assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
                AtomicReference<Boolean> deregistered = new AtomicReference<>(false);
                ConcurrentLinkedQueue<WskSocket> accepted = new ConcurrentLinkedQueue<>();
                WskClientConnectionDispatch acceptedEvents = new WskClientConnectionDispatch(
                        (socketContext, flags, indication, bytesIndicated, bytesAccepted) -> {
                            callbacks.incrementAndGet();
                            if (deregistered.get()) {
                                lateCallbacks.incrementAndGet();
                            }
                            return STATUS_SUCCESS; // consumed
                        }, (socketContext, flags) -> {
                            callbacks.incrementAndGet();
                            if (deregistered.get()) {
                                lateCallbacks.incrementAndGet();
                            }
                            return STATUS_SUCCESS;
                        }, null);
                WskClientListenDispatch listenEvents = new WskClientListenDispatch(
                        (socketContext, flags, local, remote, acceptSocket, acceptContext, acceptDispatch) -> {
                            callbacks.incrementAndGet();
                            if (deregistered.get()) {
                                lateCallbacks.incrementAndGet();
                            }
                            if (acceptSocket == null) {
                                return STATUS_SUCCESS; // the listener is no longer functional
                            }
                            acceptDispatch.set(acceptedEvents);
                            accepted.add(acceptSocket);
                            acceptedTotal.incrementAndGet();
                            return STATUS_SUCCESS;
                        }, null, null);
                // The listener, with accept events and the connection events its sockets inherit.
                Tracked make = new Tracked("WskSocket", sequence);
                npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null,
                        listenEvents, null, null, null, make.irp);
                make.await(context);
                WskSocket listener = (WskSocket) make.informationObject;
                make.checkAndFree(context);
                WskProviderListenDispatch listen = (WskProviderListenDispatch) listener.dispatch();
                Tracked bind = new Tracked("WskBind", sequence);
                listen.wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
                bind.checkAndFree(context);
                Tracked events = new Tracked("SO_WSK_EVENT_CALLBACK", sequence);
                listen.wskControlSocket(listener, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK, SOL_SOCKET,
                        WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID,
                                WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT), 0, null, null, events.irp);
                events.await(context);
                assertEquals(STATUS_SUCCESS, events.status, context);
                events.checkAndFree(context);
                SockAddrStorage local = new SockAddrStorage();
                Tracked where = new Tracked("WskGetLocalAddress", sequence);
                listen.wskGetLocalAddress(listener, local, where.irp);
                where.checkAndFree(context);
                int port = local.port();

                // Clients connecting: some still in flight when WskDeregister starts.
                int clients = 1 + random.nextInt(6);
                List<Tracked> connects = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    Tracked connect = new Tracked("WskSocketConnect", sequence);
                    npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                            SockAddrIn.loopback(port), 0, null, null, null, null, null, connect.irp);
                    connects.add(connect);
                }
                int spinTheirs = random.nextInt(20_000);
                int listenerCloseAt = random.nextInt(clients + 2);
                long[] openAtReturn = {-1};
                List<Tracked> others = new ArrayList<>();
                List<Tracked> closes = new java.util.concurrent.CopyOnWriteArrayList<>();
                racer.race(() -> {
                    // The test thread: close everything in a random order, whatever WskDeregister does meanwhile.
                    boolean listenerClosed = false;
                    int handled = 0;
                    boolean[] done = new boolean[clients];
                    long deadline = System.nanoTime() + RaceSupport.WAIT.toNanos();
                    while (true) {
                        for (int i = 0; i < clients; i++) {
                            Tracked connect = connects.get(i);
                            if (done[i] || !connect.isDone()) {
                                continue;
                            }
                            done[i] = true;
                            handled++;
                            WskSocket socket = (WskSocket) connect.informationObject;
                            if (connect.status == STATUS_SUCCESS && socket != null) {
                                if (random.nextBoolean()) {
                                    Tracked send = new Tracked("WskSend", sequence);
                                    ((WskProviderConnectionDispatch) socket.dispatch()).wskSend(socket, new WskBuf(
                                            Io.allocateMdl(ByteBuffer.allocate(4096)), 0, 4096), 0, send.irp);
                                    others.add(send);
                                }
                                if (random.nextBoolean()) {
                                    Tracked receive = new Tracked("WskReceive", sequence);
                                    ((WskProviderConnectionDispatch) socket.dispatch()).wskReceive(socket, new WskBuf(
                                            Io.allocateMdl(ByteBuffer.allocate(64)), 0, 64), 0, receive.irp);
                                    others.add(receive);
                                }
                                closes.add(close(socket, sequence));
                            }
                        }
                        if (!listenerClosed && handled >= listenerCloseAt - 1) {
                            listenerClosed = true;
                            closes.add(0, close(listener, sequence));
                        }
                        for (WskSocket socket; (socket = accepted.poll()) != null; ) {
                            closes.add(close(socket, sequence));
                        }
                        if (handled == clients && listenerClosed && closes.get(0).isDone() && accepted.isEmpty()) {
                            return; // after the listener's close completed, no accept event can run
                        }
                        if (System.nanoTime() > deadline) {
                            fail("sockets did not settle: connects " + connects + ", closes " + closes + "; " + context);
                        }
                        Thread.onSpinWait();
                    }
                }, () -> {
                    RaceSupport.spin(spinTheirs);
                    if (connects.stream().anyMatch(c -> !c.isDone())) {
                        deregisterWhilePending.incrementAndGet();
                    }
                    wsk.wskReleaseProviderNpi(registration);
                    wsk.wskDeregister(registration);
                    openAtReturn[0] = registration.openSocketCount();
                    if (closes.stream().anyMatch(close -> !close.isDone())) {
                        returnedBeforeCloseRoutines.incrementAndGet(); // a close routine could run after it returned
                    }
                    deregistered.set(true);
                });
                assertEquals(0, openAtReturn[0], "WskDeregister returned with sockets open; " + context);
                for (Tracked connect : connects) {
                    connect.checkAndFree(context);
                }
                for (Tracked other : others) {
                    other.checkAndFree(context);
                }
                for (Tracked close : closes) {
                    close.await(context);
                    assertEquals(STATUS_SUCCESS, close.status, context);
                    close.checkAndFree(context);
                }
                assertEquals(0, lateCallbacks.get(), "an event callback ran after WskDeregister returned; " + context);
                assertEquals(0, returnedBeforeCloseRoutines.get(), "WskDeregister returned before the completion routine"
                        + " of a WskCloseSocket ran; " + context);
            }
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps());
            assertTrue(wsk.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + wsk.ioManager().verifier().violations() + "; " + seedText);
            assertTrue(wsk.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + wsk.ioManager().routineFailures() + "; " + seedText);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        new Reliability.Section("deregister-race", "Race: WskDeregister against in-flight operations and callbacks")
                .figure("rounds", ROUNDS).figure("deregisterWhileConnectsPending", deregisterWhilePending.get())
                .figure("callbacks", callbacks.get()).figure("accepted", acceptedTotal.get())
                .figure("lateCallbacks", lateCallbacks.get()).figure("durationMillis", millis)
                .figure("returnedBeforeLastCloseRoutine", returnedBeforeCloseRoutines.get())
                .line(String.format("%,d rounds (a registration each: a listener with accept, receive and disconnect"
                        + " events, 1-6 WskSocketConnect clients sending and receiving), %,d ms. WskDeregister started"
                        + " while connects were still pending in %,d rounds; %,d event callbacks ran, %,d connections"
                        + " accepted through WskAcceptEvent. **Result: WskDeregister returned every time, never with a"
                        + " socket open; 0 callbacks after it returned; every IRP completed exactly once and was freed;"
                        + " no verifier violation; WskDeregister returned before a WskCloseSocket completion routine had"
                        + " run in %,d rounds.**", ROUNDS, millis, deregisterWhilePending.get(), callbacks.get(),
                        acceptedTotal.get(), returnedBeforeCloseRoutines.get()))
                .write();
    }

    private static Tracked close(WskSocket socket, AtomicInteger sequence) {
        Tracked close = new Tracked("WskCloseSocket", sequence);
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close.irp));
        return close;
    }
}
