package org.wsk4j.conformance;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.wsk4j.Wsk;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.VerifierSink;

/**
 * With the direct executor, completion routines run on the NIO selector thread; a routine that blocks there would stop
 * every socket of the subsystem. When one holds the thread longer than the verifier's transport hold limit, the
 * callback watchdog reports {@code TRANSPORT_THREAD_HELD} and the transport moves its event loop to a new thread: the
 * other sockets go on, the held socket keeps its completion order, and the old thread ends once the routine returns.
 */
class TransportHoldTest extends CallerContextConformanceTest.Harness {

    private static final Duration HOLD_LIMIT = Duration.ofMillis(200);

    private final CountDownLatch release = new CountDownLatch(1);

    @Override
    WskSubsystem.Builder builder() {
        return WskSubsystem.builder().directExecutor();
    }

    private Verifier verifier() {
        return wsk.ioManager().verifier();
    }

    @Test
    void aRoutineHoldingTheSelectorThreadIsReportedAndTheOtherSocketsGoOn() throws Exception {
        verifier().setTransportHoldLimit(HOLD_LIMIT).setSink(VerifierSink.recording());
        WskSocket held = connect();
        WskSocket other = connect();
        try (Socket heldPeer = server.accept(); Socket otherPeer = server.accept()) {
            // A receive on the first socket whose routine blocks (a driver waiting in its routine).
            CallerContextConformanceTest.Probe blocked = blockingReceive(held);
            // A second receive on the same socket, queued behind the blocked one.
            CallerContextConformanceTest.Probe behind = new CallerContextConformanceTest.Probe();
            AtomicBoolean blockedReturned = new AtomicBoolean();
            AtomicBoolean behindRanAfterIt = new AtomicBoolean();
            blocked.onExit = () -> blockedReturned.set(true);
            behind.onEnter = () -> behindRanAfterIt.set(blockedReturned.get());
            assertEquals(STATUS_PENDING, dispatch(held).wskReceive(held, buffer(16), 0, behind.irp));
            send(heldPeer, 8);
            assertTrue(waitFor(() -> blocked.thread != null), "the first receive's routine started");
            Thread stuck = blocked.thread;
            assertTrue(stuck.getName().endsWith("-nio-selector"), stuck.getName());
            send(heldPeer, 8); // data for the queued receive, ready before the other socket's below

            // The other socket needs the selector (its receive waits for readiness): it completes while the routine
            // still holds the first selector thread, on the new one.
            CallerContextConformanceTest.Probe otherReceive = new CallerContextConformanceTest.Probe();
            assertEquals(STATUS_PENDING, dispatch(other).wskReceive(other, buffer(16), 0, otherReceive.irp));
            send(otherPeer, 4);
            otherReceive.await();
            assertEquals(STATUS_SUCCESS, otherReceive.status);
            assertEquals(4, otherReceive.information);
            assertEquals(0, blocked.runs.get(), "the first routine is still blocked");
            assertNotSame(stuck, otherReceive.thread);
            assertTrue(otherReceive.thread.getName().endsWith("-nio-selector-1"), otherReceive.thread.getName());

            assertTrue(waitFor(() -> !verifier().violations().isEmpty()), "the watchdog reported the hold");
            List<VerifierReport> reports = verifier().violations();
            assertEquals(List.of(VerifierRule.TRANSPORT_THREAD_HELD),
                    reports.stream().map(VerifierReport::rule).collect(Collectors.toList()), reports::toString);
            String message = reports.get(0).message();
            assertTrue(message.contains(stuck.getName()) && message.contains("moved its event loop")
                    && message.contains("CountDownLatch.await"), message);
            assertEquals(0x133, VerifierRule.TRANSPORT_THREAD_HELD.bugCheckCode());

            // The held socket keeps its order: its next receive, whose data the new thread has read by now, completes
            // only after the blocked routine returned.
            assertEquals(0, behind.runs.get(), "queued behind the held routine");
            release.countDown();
            blocked.await();
            behind.await();
            assertEquals(STATUS_SUCCESS, behind.status);
            assertTrue(behindRanAfterIt.get(), "the socket's completions kept their order");

            stuck.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(stuck.isAlive(), "the old selector thread ended when its routine returned");
            assertEquals(1, verifier().violations().size(), "one report for the one held routine");
        }
        close(held);
        close(other);
    }

    @Test
    void theLoopMovesWhateverTheRulesModeAndReportsNothingWhenItIsOff() throws Exception {
        verifier().setTransportHoldLimit(HOLD_LIMIT).setMode(VerifierRule.TRANSPORT_THREAD_HELD, Verifier.Mode.OFF);
        WskSocket held = connect();
        WskSocket other = connect();
        try (Socket heldPeer = server.accept(); Socket otherPeer = server.accept()) {
            CallerContextConformanceTest.Probe blocked = blockingReceive(held);
            send(heldPeer, 1);
            assertTrue(waitFor(() -> blocked.thread != null));
            CallerContextConformanceTest.Probe otherReceive = new CallerContextConformanceTest.Probe();
            assertEquals(STATUS_PENDING, dispatch(other).wskReceive(other, buffer(16), 0, otherReceive.irp));
            send(otherPeer, 1);
            otherReceive.await();
            assertNotSame(blocked.thread, otherReceive.thread);
            release.countDown();
            blocked.await();
            assertTrue(verifier().violations().isEmpty(), () -> verifier().violations().toString());
        }
        close(held);
        close(other);
    }

    /**
     * Large transfers: a pass's completions then run after each key instead of after the pass, so a routine can block
     * while keys of its pass are still unhandled. A first routine (on a third socket) keeps the selector thread busy
     * while the two sockets' data arrives, so its next select reports both, the held socket's first: the held thread
     * handles no key after the blocked routine; the other socket's key is still ready for the new thread, which
     * receives every byte.
     */
    @Test
    void aRoutineHeldInTheMiddleOfAPassLeavesThePassesOtherKeysToTheNewThread() throws Exception {
        verifier().setTransportHoldLimit(HOLD_LIMIT).setSink(VerifierSink.recording());
        int size = 64 * 1024; // one key's transfer reaches the transport's per-pass budget on its own
        WskSocket gate = connect();
        WskSocket held = connect();
        WskSocket other = connect();
        try (Socket gatePeer = server.accept(); Socket heldPeer = server.accept();
             Socket otherPeer = server.accept()) {
            CountDownLatch opened = new CountDownLatch(1);
            CallerContextConformanceTest.Probe gateReceive = new CallerContextConformanceTest.Probe();
            gateReceive.inRoutine = () -> await(opened);
            assertEquals(STATUS_PENDING, dispatch(gate).wskReceive(gate, buffer(16), 0, gateReceive.irp));
            CallerContextConformanceTest.Probe blocked = new CallerContextConformanceTest.Probe();
            blocked.inRoutine = this::awaitRelease;
            assertEquals(STATUS_PENDING,
                    dispatch(held).wskReceive(held, buffer(size), Wsk.WSK_FLAG_WAITALL, blocked.irp));
            CallerContextConformanceTest.Probe otherReceive = new CallerContextConformanceTest.Probe();
            assertEquals(STATUS_PENDING,
                    dispatch(other).wskReceive(other, buffer(size), Wsk.WSK_FLAG_WAITALL, otherReceive.irp));

            send(gatePeer, 1);
            assertTrue(waitFor(() -> gateReceive.thread != null), "the gate's routine holds the selector thread");
            send(heldPeer, size); // on loopback in the socket's receive buffer when write returns
            send(otherPeer, size);
            opened.countDown(); // well inside the hold limit: the loop does not move for the gate

            otherReceive.await();
            assertEquals(STATUS_SUCCESS, otherReceive.status);
            assertEquals(size, otherReceive.information, "every byte of the other socket arrived");
            assertEquals(0, blocked.runs.get(), "the held routine still blocks");
            Thread stuck = blocked.thread;
            assertSame(gateReceive.thread, stuck, "the held routine runs on the first selector thread");
            assertNotSame(stuck, otherReceive.thread, "the other socket completed on the new selector thread");
            assertTrue(otherReceive.sequence > blocked.sequence, "the held socket's key came first in the pass");
            assertTrue(waitFor(() -> !verifier().violations().isEmpty()), "the watchdog reported the hold");

            release.countDown();
            blocked.await();
            assertEquals(size, blocked.information);
            stuck.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(stuck.isAlive(), "the old selector thread ended when its routine returned");
            assertEquals(List.of(VerifierRule.TRANSPORT_THREAD_HELD), verifier().violations().stream()
                    .map(VerifierReport::rule).collect(Collectors.toList()));
        }
        close(gate);
        close(held);
        close(other);
    }

    @Test
    void shortRoutinesNeverMoveTheLoop() throws Exception {
        verifier().setTransportHoldLimit(HOLD_LIMIT).setSink(VerifierSink.recording());
        WskSocket socket = connect();
        try (Socket peer = server.accept()) {
            Thread first = null;
            for (int i = 0; i < 50; i++) {
                CallerContextConformanceTest.Probe receive = new CallerContextConformanceTest.Probe();
                assertEquals(STATUS_PENDING, dispatch(socket).wskReceive(socket, buffer(16), 0, receive.irp));
                send(peer, 1);
                receive.await();
                first = first == null ? receive.thread : first;
                assertSame(first, receive.thread, "every routine ran on the one selector thread");
            }
        }
        close(socket);
        assertTrue(verifier().violations().isEmpty(), () -> verifier().violations().toString());
    }

    /** Posts a receive on {@code socket} whose completion routine blocks until the test releases it. */
    private CallerContextConformanceTest.Probe blockingReceive(WskSocket socket) {
        CallerContextConformanceTest.Probe blocked = new CallerContextConformanceTest.Probe();
        blocked.inRoutine = this::awaitRelease;
        assertEquals(STATUS_PENDING, dispatch(socket).wskReceive(socket, buffer(16), 0, blocked.irp));
        return blocked;
    }

    private void awaitRelease() {
        await(release);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS), "the test released the routine");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(Socket peer, int bytes) throws java.io.IOException {
        OutputStream out = peer.getOutputStream();
        out.write(new byte[bytes]);
        out.flush();
    }

    /** Polls a condition another thread makes true, for up to 10 s (a bounded wait, not a sleep). */
    private static boolean waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
