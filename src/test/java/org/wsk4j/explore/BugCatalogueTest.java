package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.WskSocket;
import org.wsk4j.examples.ksocket.KSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KDpc;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.KTimer;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * The exploration bug catalogue: ordering bugs real WSK drivers have, each with its corrected twin. Every buggy
 * driver passes some schedules and fails others; exploration (PCT, at most 1,000 schedules) finds the failure,
 * shrinks it and reports a replay line that reproduces it; every twin passes all schedules (the build runs
 * {@value #CI_SCHEDULES}; {@code -Dwsk4j.catalogue.schedules=10000} runs the full count). (c) lives in
 * {@link RoutineBeforeReturnTest}.
 */
class BugCatalogueTest {

    static final int CI_SCHEDULES = 1000;

    // ---- (a) a completion routine frees the IRP while a watchdog DPC may still cancel it --------------------------

    // tag::bug-a[]
    /** A receive guarded by a watchdog timer whose DPC cancels it. BUG: the routine frees the IRP the DPC cancels. */
    static class WatchedReceive {
        final KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        final KTimer watchdog = new KTimer();
        final KDpc dpc = new KDpc();
        Irp irp;

        void start(WskSocket socket, long timeout100ns) {
            irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, done, context) -> completed(done), null, true, true, true);
            Ke.initializeTimer(watchdog);
            Ke.initializeDpc(dpc, (d, context, a1, a2) -> Io.cancelIrp(irp), null); // the watchdog's DPC
            Ke.setTimer(watchdog, -timeout100ns, dpc);
            Loopback.receive(socket, Loopback.BYTES, irp);
        }

        NtStatus completed(Irp done) {
            Io.freeIrp(done); // BUG: the watchdog's DPC may still call IoCancelIrp on it
            Ke.setEvent(this.done, Io.IO_NO_INCREMENT, false);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }

        void finish() {
            Ke.waitForSingleObject(done, Executive, KernelMode, false, null);
            Ke.cancelTimer(watchdog);
        }
    }
    // end::bug-a[]

    // tag::fix-a[]
    /** The fix: the routine leaves the IRP alone; it is freed once the watchdog can no longer run. */
    static final class FixedWatchedReceive extends WatchedReceive {
        @Override
        NtStatus completed(Irp done) {
            Ke.setEvent(this.done, Io.IO_NO_INCREMENT, false);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }

        @Override
        void finish() {
            Ke.waitForSingleObject(done, Executive, KernelMode, false, null);
            if (!Ke.cancelTimer(watchdog)) {
                Ke.flushQueuedDpcs(); // the timer fired: its DPC may be queued or running
            }
            Io.freeIrp(irp);
        }
    }
    // end::fix-a[]

    static void watchdogScenario(WatchedReceive driver, ManualCompletionExecutor executor) {
        Loopback pair = new Loopback();
        long delivery = pair.measureDelivery(executor);
        driver.start(pair.client.wskSocket(), delivery / 100); // the watchdog fires as the data arrives
        Loopback.send(pair.server.wskSocket(), Loopback.BYTES);
        driver.finish();
        pair.close();
    }

    @WskTest(schedules = 1000)
    static class BuggyA {
        @Test
        void watchdog(ManualCompletionExecutor executor) {
            watchdogScenario(new WatchedReceive(), executor);
        }
    }

    @WskTest(schedules = CI_SCHEDULES)
    static class FixedA {
        @Test
        void watchdog(ManualCompletionExecutor executor) {
            watchdogScenario(new FixedWatchedReceive(), executor);
        }
    }

    // ---- (b) close racing a receive loop without a reference count -----------------------------------------------

    // tag::bug-b[]
    /** A receive loop on a system thread, and a close on another. BUG: nothing keeps the socket alive for the loop. */
    static class ReceiveLoop {
        final Loopback pair;
        final KEvent stopped = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

        ReceiveLoop(Loopback pair) {
            this.pair = pair;
        }

        void run(Object context) { // the receiving thread
            byte[] buffer = new byte[Loopback.BYTES];
            NtStatus status;
            do {
                Ref<Integer> length = new Ref<>(buffer.length);
                status = pair.ks.ksRecv(pair.client, buffer, length, 0);
            } while (status.isSuccess());
            Ke.setEvent(stopped, Io.IO_NO_INCREMENT, false);
        }

        void stop() { // the closing thread: BUG: the loop may be between two receives, about to start the next
            assertEquals(STATUS_SUCCESS, Loopback.closeSocket(pair.client.wskSocket()));
            Ke.waitForSingleObject(stopped, Executive, KernelMode, false, null);
            Io.freeIrp(pair.client.asyncContext().irp()); // the loop's IRP, KSOCKET's per-socket one
        }
    }
    // end::bug-b[]

    // tag::fix-b[]
    /** The fix: the loop holds a reference across each receive; the close stops it and waits for it first. */
    static final class FixedReceiveLoop extends ReceiveLoop {
        private final KEvent released = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        private boolean stopping; // guarded by running on the simulated processor: one driver thread at a time
        private int references = 1; // the loop's own

        FixedReceiveLoop(Loopback pair) {
            super(pair);
        }

        @Override
        void run(Object context) {
            byte[] buffer = new byte[Loopback.BYTES];
            NtStatus status;
            do {
                Ref<Integer> length = new Ref<>(buffer.length);
                status = stopping ? STATUS_CANCELLED : pair.ks.ksRecv(pair.client, buffer, length, 0);
            } while (status.isSuccess());
            if (--references == 0) {
                Ke.setEvent(released, Io.IO_NO_INCREMENT, false);
            }
            Ke.setEvent(stopped, Io.IO_NO_INCREMENT, false);
        }

        @Override
        void stop() {
            stopping = true;
            Io.cancelIrp(pair.client.asyncContext().irp()); // ends a receive in progress
            Ke.waitForSingleObject(released, Executive, KernelMode, false, null);
            assertEquals(STATUS_SUCCESS, Loopback.closeSocket(pair.client.wskSocket()));
            Io.freeIrp(pair.client.asyncContext().irp());
        }
    }
    // end::fix-b[]

    static void receiveLoopScenario(java.util.function.Function<Loopback, ReceiveLoop> make,
                                    ManualCompletionExecutor executor) {
        Loopback pair = new Loopback();
        long delivery = pair.measureDelivery(executor);
        ReceiveLoop loop = make.apply(pair);
        KEvent armed = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        Object closer = Loopback.startThread(context -> {
            Ke.setEvent(armed, Io.IO_NO_INCREMENT, false);
            Ke.delayExecutionThread(KernelMode, false, -(delivery / 100)); // close as the data arrives
            loop.stop();
        });
        Ke.waitForSingleObject(armed, Executive, KernelMode, false, null);
        Loopback.send(pair.server.wskSocket(), Loopback.BYTES);
        loop.run(null); // the test thread is the receiving thread
        Loopback.join(closer);
        assertEquals(STATUS_SUCCESS, pair.ks.ksCloseSocket(pair.server));
        assertEquals(STATUS_SUCCESS, pair.ks.ksCloseSocket(pair.listen));
        pair.ks.ksDestroy();
    }

    @WskTest(schedules = 1000)
    static class BuggyB {
        @Test
        void receiveLoop(ManualCompletionExecutor executor) {
            receiveLoopScenario(ReceiveLoop::new, executor);
        }
    }

    @WskTest(schedules = CI_SCHEDULES)
    static class FixedB {
        @Test
        void receiveLoop(ManualCompletionExecutor executor) {
            receiveLoopScenario(FixedReceiveLoop::new, executor);
        }
    }

    // ---- (d) KSOCKET's KsCloseSocket reuses the IRP of a pending connect ------------------------------------------

    static final SockAddr SERVER = SockAddr.of(new java.net.InetSocketAddress("10.0.0.2", 80));

    // tag::bug-d[]
    /** Shutdown while a connect is pending, as KSOCKET does it. BUG: KsCloseSocket reuses the connect's IRP. */
    static void shutdownWhileConnecting(KSocket ks, KSocket.Socket socket, Object connectThread) {
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(socket)); // IoReuseIrp on an IRP WskConnect still owns
        Loopback.join(connectThread);
    }
    // end::bug-d[]

    // tag::fix-d[]
    /** The fix: cancel the pending call and wait for its thread before the close reuses the IRP. */
    static void fixedShutdownWhileConnecting(KSocket ks, KSocket.Socket socket, Object connectThread) {
        Io.cancelIrp(socket.asyncContext().irp());
        Loopback.join(connectThread);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(socket));
    }
    // end::fix-d[]

    interface Shutdown {
        void shutdown(KSocket ks, KSocket.Socket socket, Object connectThread);
    }

    static void connectScenario(SimNetwork network, Shutdown shutdown) {
        network.addHost("server", "10.0.0.2");
        network.onConnect(new java.net.InetSocketAddress("10.0.0.2", 80)).always(Fault.accept());
        KSocket ks = new KSocket();
        assertEquals(STATUS_SUCCESS, ks.ksInitialize());
        Ref<KSocket.Socket> socket = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        Object connectThread = Loopback.startThread(context -> {
            NtStatus status = ks.ksConnect(socket.get(), SERVER);
            assertTrue(status == STATUS_SUCCESS || status == STATUS_CANCELLED, status.toString());
        });
        Ke.delayExecutionThread(KernelMode, false, -1L); // the connect starts
        shutdown.shutdown(ks, socket.get(), connectThread);
        ks.ksDestroy();
    }

    @WskTest(schedules = 1000)
    static class BuggyD {
        @Test
        void shutdown(SimNetwork network) {
            connectScenario(network, BugCatalogueTest::shutdownWhileConnecting);
        }
    }

    @WskTest(schedules = CI_SCHEDULES)
    static class FixedD {
        @Test
        void shutdown(SimNetwork network) {
            connectScenario(network, BugCatalogueTest::fixedShutdownWhileConnecting);
        }
    }

    // ---- (e) a receive timeout that frees the IRP before its routine ran -----------------------------------------

    // tag::bug-e[]
    /** A receive with a timeout (wait, then IoCancelIrp). BUG: frees the IRP before the cancelled receive completed. */
    static class TimedReceive {
        final KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

        NtStatus receive(WskSocket socket, long timeout100ns) {
            Irp irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                Ke.setEvent(done, Io.IO_NO_INCREMENT, false);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            Loopback.receive(socket, Loopback.BYTES, irp);
            if (Ke.waitForSingleObject(done, Executive, KernelMode, false, -timeout100ns) == STATUS_TIMEOUT) {
                Io.cancelIrp(irp);
                onTimeout();
            }
            NtStatus status = irp.ioStatus().status();
            Io.freeIrp(irp); // BUG: after a timeout the routine may not have run yet
            return status;
        }

        void onTimeout() {
        }
    }
    // end::bug-e[]

    // tag::fix-e[]
    /** The fix: after IoCancelIrp, wait (without a timeout) for the routine before freeing the IRP. */
    static final class FixedTimedReceive extends TimedReceive {
        @Override
        void onTimeout() {
            Ke.waitForSingleObject(done, Executive, KernelMode, false, null);
        }
    }
    // end::fix-e[]

    static void timeoutScenario(TimedReceive driver, ManualCompletionExecutor executor) {
        Loopback pair = new Loopback();
        long delivery = pair.measureDelivery(executor);
        Loopback.send(pair.server.wskSocket(), Loopback.BYTES);
        NtStatus status = driver.receive(pair.client.wskSocket(), delivery / 100); // times out as the data arrives
        assertTrue(status == STATUS_SUCCESS || status == STATUS_CANCELLED, status.toString());
        pair.close();
    }

    @WskTest(schedules = 1000)
    static class BuggyE {
        @Test
        void timeout(ManualCompletionExecutor executor) {
            timeoutScenario(new TimedReceive(), executor);
        }
    }

    @WskTest(schedules = CI_SCHEDULES)
    static class FixedE {
        @Test
        void timeout(ManualCompletionExecutor executor) {
            timeoutScenario(new FixedTimedReceive(), executor);
        }
    }

    // ---- the checks ---------------------------------------------------------------------------------------------

    static Stream<Arguments> catalogue() {
        return Stream.of(Arguments.of("a", BuggyA.class, FixedA.class), Arguments.of("b", BuggyB.class, FixedB.class),
                Arguments.of("c", RoutineBeforeReturnTest.Buggy.class, RoutineBeforeReturnTest.Fixed.class),
                Arguments.of("d", BuggyD.class, FixedD.class), Arguments.of("e", BuggyE.class, FixedE.class));
    }

    @ParameterizedTest(name = "({0}) found by PCT, reported, replayed")
    @MethodSource("catalogue")
    void pctFindsTheBugAndItsReplayLineReproducesIt(String bug, Class<?> buggy, Class<?> fixed) {
        CatalogueHarness.Run found = CatalogueHarness.run(buggy, Map.of("wsk4j.strategy", "pct:3"));
        assertFalse(found.passed(), "(" + bug + ") not found");
        assertTrue(found.failedAt() <= 1000, found.report());
        java.util.regex.Matcher shrunk = java.util.regex.Pattern.compile("from (\\d+) to (\\d+) non-default decisions")
                .matcher(found.report());
        if (shrunk.find()) { // a failure on the first schedule with only default decisions has nothing to shrink
            int before = Integer.parseInt(shrunk.group(1));
            int after = Integer.parseInt(shrunk.group(2));
            assertTrue(after <= before, found.report());
        }
        CatalogueHarness.Run replayed = CatalogueHarness.run(buggy, found.replay());
        assertFalse(replayed.passed(), "the replay line did not reproduce (" + bug + "): " + found.report());
        assertEquals(1, replayed.failedAt(), replayed.report());
        assertEquals(found.failureLine(), replayed.failureLine());
    }

    @ParameterizedTest(name = "({0}) corrected twin passes every schedule")
    @MethodSource("catalogue")
    void theCorrectedTwinPassesEverySchedule(String bug, Class<?> buggy, Class<?> fixed) {
        Map<String, String> settings = new HashMap<>();
        settings.put("wsk4j.strategy", "pct:3");
        String full = System.getProperty("wsk4j.catalogue.schedules");
        if (full != null) {
            settings.put("wsk4j.schedules", full);
        }
        CatalogueHarness.Run run = CatalogueHarness.run(fixed, settings);
        assertTrue(run.passed(), run.report());
    }
}
