package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/**
 * Close, abortive disconnect and peer resets racing with pending sends and receives, on the threaded executor:
 * every IRP completes exactly once, the close completes after every other IRP of the socket, nothing leaks.
 */
class DataPathRaceTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /**
     * An IRP whose routine records its completion order and signals. The routine does not free the IRP: the
     * test may still cancel it, so it is freed only after its completion was awaited (the WSKCLIENT pattern).
     */
    private static final class Tracked {
        final Irp irp = Io.allocateIrp(1, false);
        final KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        final AtomicInteger runs = new AtomicInteger();
        volatile int order;
        volatile NtStatus status;
        volatile Object information;

        Tracked(AtomicInteger sequence) {
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                status = completed.ioStatus().status();
                information = completed.ioStatus().informationObject();
                order = sequence.incrementAndGet();
                runs.incrementAndGet();
                done.set();
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }
    }

    @Test
    void closeAndAbortRaceWithPendingOperations() throws Exception {
        long seed = Long.getLong("wsk4j.seed", 0x5EED_2026L);
        SplittableRandom random = new SplittableRandom(seed);
        try (WskSubsystem wsk = WskSubsystem.builder().threadedExecutor(2).build();
             IoManager.Binding ignored = wsk.bindToCurrentThread();
             ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            WskRegistration registration = new WskRegistration();
            WskProviderNpi npi = registerAndCapture(wsk, registration);
            for (int round = 0; round < 150; round++) {
                AtomicInteger sequence = new AtomicInteger();
                Tracked connect = new Tracked(sequence);
                npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                        SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, connect.irp);
                assertEquals(STATUS_SUCCESS, connect.done.waitFor(WAIT));
                assertEquals(STATUS_SUCCESS, connect.status, "seed " + seed + " round " + round);
                WskSocket socket = (WskSocket) connect.information;
                Io.freeIrp(connect.irp);
                Socket peer = server.accept();
                WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();

                List<Tracked> operations = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Tracked receive = new Tracked(sequence);
                    dispatch.wskReceive(socket, new WskBuf(Io.allocateMdl(ByteBuffer.allocate(512), 0, 512), 0, 512),
                            random.nextBoolean() ? WSK_FLAG_WAITALL : 0, receive.irp);
                    operations.add(receive);
                }
                for (int i = 0; i < 2; i++) {
                    Tracked send = new Tracked(sequence);
                    int size = random.nextBoolean() ? 64 : 4 << 20;
                    dispatch.wskSend(socket, new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size), 0,
                            send.irp);
                    operations.add(send);
                }
                switch (random.nextInt(4)) {
                    case 0 -> peer.getOutputStream().write(new byte[random.nextInt(2000)]);
                    case 1 -> {
                        peer.setSoLinger(true, 0);
                        peer.close(); // the peer resets in the middle of everything
                    }
                    case 2 -> peer.shutdownOutput(); // the peer closes gracefully mid-operation
                    default -> {
                        Tracked abort = new Tracked(sequence);
                        dispatch.wskDisconnect(socket, null, WSK_FLAG_ABORTIVE, abort.irp);
                        operations.add(abort);
                    }
                }
                if (random.nextBoolean()) {
                    Io.cancelIrp(operations.get(random.nextInt(operations.size())).irp);
                }
                Tracked close = new Tracked(sequence);
                assertEquals(STATUS_PENDING, dispatch.wskCloseSocket(socket, close.irp));
                assertEquals(STATUS_SUCCESS, close.done.waitFor(WAIT), "close completes, seed " + seed);
                assertEquals(STATUS_SUCCESS, close.status);
                for (Tracked operation : operations) {
                    assertEquals(STATUS_SUCCESS, operation.done.waitFor(Duration.ZERO),
                            "every IRP completed before the close, seed " + seed + " round " + round);
                    assertEquals(1, operation.runs.get(), "exactly once");
                    assertTrue(operation.order < close.order, "the close IRP completes last");
                    Io.freeIrp(operation.irp);
                }
                Io.freeIrp(close.irp);
                peer.close();
            }
            releaseAndCheckClean(wsk, registration);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A send IRP and a receive IRP reused from their own routines (IoReuseIrp, then the next request at once) on one
     * socket echoed by its peer, while this thread cancels both IRPs at random moments and then closes the socket:
     * the provider reuses its operation objects across such requests, and no request may see another's: every
     * request completes exactly once (never a completion without a request pending, never two), the close completes
     * after all of them, and the verifier reports nothing.
     */
    @Test
    void reusedIrpsRaceWithCancelsAndClose() throws Exception {
        long seed = Long.getLong("wsk4j.seed", 0x5EED_2027L);
        SplittableRandom random = new SplittableRandom(seed);
        try (WskSubsystem wsk = WskSubsystem.builder().threadedExecutor(2).build();
             IoManager.Binding ignored = wsk.bindToCurrentThread();
             ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            WskRegistration registration = new WskRegistration();
            WskProviderNpi npi = registerAndCapture(wsk, registration);
            List<String> problems = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int round = 0; round < 60; round++) {
                AtomicInteger sequence = new AtomicInteger();
                Tracked connect = new Tracked(sequence);
                npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                        SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, connect.irp);
                assertEquals(STATUS_SUCCESS, connect.done.waitFor(WAIT));
                WskSocket socket = (WskSocket) connect.information;
                Io.freeIrp(connect.irp);
                Socket peer = server.accept();
                Thread echo = new Thread(() -> {
                    byte[] chunk = new byte[4096];
                    try {
                        for (int n; (n = peer.getInputStream().read(chunk)) > 0; ) {
                            peer.getOutputStream().write(chunk, 0, n);
                        }
                    } catch (IOException closed) {
                        // the socket's close resets the connection: the echo ends
                    }
                }, "echo peer");
                echo.start();
                WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
                int receiveSize = random.nextBoolean() ? 512 : 4096;
                Loop receive = new Loop("receive", problems, irp -> dispatch.wskReceive(socket,
                        new WskBuf(Io.allocateMdl(ByteBuffer.allocate(receiveSize), 0, receiveSize), 0, receiveSize),
                        0, irp));
                WskBuf out = new WskBuf(Io.allocateMdl(ByteBuffer.allocate(1024), 0, 1024), 0, 1024);
                Loop send = new Loop("send", problems, irp -> dispatch.wskSend(socket, out, 0, irp));
                receive.start();
                send.start();
                int cancels = random.nextInt(40);
                for (int i = 0; i < cancels; i++) {
                    for (int spin = random.nextInt(20_000); spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                    Io.cancelIrp(random.nextBoolean() ? receive.irp : send.irp);
                }
                receive.stop(); // no WSK call of the loops runs from here on (a close racing one would be a driver bug)
                send.stop();
                Tracked close = new Tracked(sequence);
                assertEquals(STATUS_PENDING, dispatch.wskCloseSocket(socket, close.irp)); // their last requests pend
                assertEquals(STATUS_SUCCESS, close.done.waitFor(WAIT), "close completes, seed " + seed);
                for (Loop loop : new Loop[] {receive, send}) {
                    assertFalse(loop.pending.get(), loop.name + " still pending after the close, seed " + seed
                            + " round " + round);
                    assertEquals(loop.issued.get(), loop.completed.get(), loop.name + ": every request completed once");
                    Io.freeIrp(loop.irp);
                }
                Io.freeIrp(close.irp);
                peer.close();
                echo.join(WAIT.toMillis());
                int finished = round;
                assertTrue(problems.isEmpty(), () -> "seed " + seed + " round " + finished + ": " + problems);
            }
            releaseAndCheckClean(wsk, registration);
        }
    }

    /** WskRegister and WskCaptureProviderNPI for a race test; returns the captured provider NPI. */
    private static WskProviderNpi registerAndCapture(WskSubsystem wsk, WskRegistration registration) {
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration));
        WskProviderNpi npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        return npi;
    }

    /** Releases and deregisters, then checks that the race left no live IRP, no violation and no routine failure. */
    private static void releaseAndCheckClean(WskSubsystem wsk, WskRegistration registration) {
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        assertEquals(0, wsk.ioManager().liveIrpCount());
        assertTrue(wsk.ioManager().verifier().violations().isEmpty());
        assertTrue(wsk.ioManager().routineFailures().isEmpty(), () -> wsk.ioManager().routineFailures().toString());
    }

    /**
     * One IRP reused request after request from its own routine: after a success or a cancellation the next request
     * is issued at once; any other result (a reset) or {@link #stop} ends the loop. Checks that each request
     * completes exactly once. Requests are issued under the loop's lock, so that once {@link #stop} returned no WSK
     * call of the loop is running (the driver's duty before it closes the socket).
     */
    private static final class Loop {
        final String name;
        final Irp irp = Io.allocateIrp(1, false);
        final java.util.function.Consumer<Irp> request;
        final List<String> problems;
        final java.util.concurrent.atomic.AtomicBoolean pending = new java.util.concurrent.atomic.AtomicBoolean();
        final AtomicInteger issued = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        private final Object guard = new Object();
        private boolean stopping;

        Loop(String name, List<String> problems, java.util.function.Consumer<Irp> request) {
            this.name = name;
            this.problems = problems;
            this.request = request;
        }

        void start() {
            issue();
        }

        void stop() {
            synchronized (guard) {
                stopping = true;
            }
        }

        private void issue() {
            synchronized (guard) { // reentrant: a request completed in the caller's context reissues on this thread
                if (!stopping) {
                    issueLocked();
                }
            }
        }

        private void issueLocked() {
            if (issued.get() > 0) {
                Io.reuseIrp(irp, STATUS_SUCCESS);
            }
            Io.setCompletionRoutine(irp, (device, done, context) -> {
                NtStatus status = done.ioStatus().status();
                if (!pending.compareAndSet(true, false)) {
                    problems.add(name + " completed with " + status + " while no request was pending");
                }
                completed.incrementAndGet();
                if (status == STATUS_SUCCESS || status == STATUS_CANCELLED) {
                    issue();
                }
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            if (!pending.compareAndSet(false, true)) {
                problems.add(name + " issued while its last request was pending");
            }
            issued.incrementAndGet();
            request.accept(irp);
        }
    }
}
