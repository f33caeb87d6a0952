package org.wsk4j.conformance;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.VerifierSink;
import org.wsk4j.sim.SimNetwork;

/**
 * Completion in the caller's context (issue 17): when the work of a WSK call is done during the call and the caller is
 * the outermost WSK call on a driver's thread, its completion routine runs on the calling thread before the call
 * returns STATUS_PENDING, as {@code IoCompleteRequest} does on Windows; routines never nest, a socket's completions
 * keep their order, and a routine that throws or blocks is contained as on an executor thread.
 *
 * <p>On real sockets the scenarios run with the threaded and the direct executor (where it applies) and with the
 * setting off (where it must not); on the simulated network, whose manual executor keeps the deterministic order, a
 * completion never runs before the call returns.
 */
class CallerContextConformanceTest {

    static final Duration WAIT = Duration.ofSeconds(10);

    @Nested
    class OnNioThreaded extends NioScenarios {
        @Override
        WskSubsystem.Builder builder() {
            return WskSubsystem.builder().threadedExecutor(2);
        }
    }

    @Nested
    class OnNioDirect extends NioScenarios {
        @Override
        WskSubsystem.Builder builder() {
            return WskSubsystem.builder().directExecutor();
        }
    }

    /** With the setting off, nothing runs on the caller's thread: the behaviour before issue 17. */
    @Nested
    class OnNioTurnedOff extends Harness {
        @Override
        WskSubsystem.Builder builder() {
            return WskSubsystem.builder().threadedExecutor(2).completionInCallerContext(false);
        }

        @Test
        void everyCompletionRunsOnTheExecutor() throws Exception {
            assertFalse(wsk.completesInCallerContext());
            Probe connect = new Probe();
            assertEquals(STATUS_PENDING, connect.call(() -> socketConnect(connect.irp)));
            connect.await();
            assertEquals(STATUS_SUCCESS, connect.status);
            assertNotEquals(Thread.currentThread(), connect.thread);
            WskSocket socket = (WskSocket) connect.informationObject;
            try (Socket peer = server.accept()) {
                Probe send = new Probe();
                assertEquals(STATUS_PENDING, send.call(() -> dispatch(socket).wskSend(socket, buffer(16), 0, send.irp)));
                send.await();
                assertNotEquals(Thread.currentThread(), send.thread); // (an executor thread may beat the return)
            }
            close(socket);
        }
    }

    /** The simulated network keeps its deterministic order: a completion runs when the test runs the executor. */
    @Nested
    class OnSimulatedNetwork {
        @Test
        void aCompletionReadyDuringTheCallRunsOnlyWhenTheExecutorIsRun() {
            SimNetwork network = SimNetwork.create(17);
            try (WskSubsystem wsk = network.newSubsystem();
                 IoManager.Binding ignored = wsk.bindToCurrentThread()) {
                assertFalse(wsk.completesInCallerContext(), "off with the manual executor");
                ManualCompletionExecutor executor = network.executor();
                WskRegistration registration = new WskRegistration();
                assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                        new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
                WskProviderNpi npi = new WskProviderNpi();
                assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
                Probe created = new Probe();
                assertEquals(STATUS_PENDING, created.call(() -> npi.dispatch().wskSocket(npi.client(), AF_INET,
                        SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null,
                        created.irp)));
                assertEquals(0, created.runs.get(), "not before the call returned");
                executor.runPending();
                assertEquals(1, created.runs.get());
                assertEquals(STATUS_SUCCESS, created.status);
                WskSocket socket = (WskSocket) created.informationObject;
                Probe close = new Probe();
                assertEquals(STATUS_PENDING, close.call(() -> socket.dispatch().wskCloseSocket(socket, close.irp)));
                assertEquals(0, close.runs.get(), "not before the call returned");
                executor.runUntilIdle();
                assertEquals(STATUS_SUCCESS, close.status);
                wsk.wskReleaseProviderNpi(registration);
                wsk.wskDeregister(registration);
            }
        }
    }

    /** The scenarios where completions do run in the caller's context. */
    abstract static class NioScenarios extends Harness {

        @Test
        void aLoopbackConnectAndTheCloseOfAnIdleSocketCompleteBeforeTheCallReturns() throws Exception {
            assertTrue(wsk.completesInCallerContext());
            Probe connect = new Probe();
            assertEquals(STATUS_PENDING, connect.call(() -> socketConnect(connect.irp)), "as on Windows");
            connect.assertRanInCallerContext();
            assertEquals(STATUS_SUCCESS, connect.status);
            assertTrue(connect.pendingReturned);
            WskSocket socket = (WskSocket) connect.informationObject;
            server.accept().close();
            Probe close = new Probe();
            assertEquals(STATUS_PENDING, close.call(() -> socket.dispatch().wskCloseSocket(socket, close.irp)));
            close.assertRanInCallerContext();
            assertEquals(STATUS_SUCCESS, close.status);
        }

        /**
         * A driver that chains WskSocket, WskBind, WskConnect and WskCloseSocket from its routines, starting from this
         * thread (as the benchmark's connect client does): the first routine runs here, the rest where their
         * completions are produced, and every chain finishes.
         */
        @Test
        void aChainOfCallsMadeFromRoutinesFinishes() throws Exception {
            int chains = 20;
            CountDownLatch closed = new CountDownLatch(chains);
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < chains; i++) {
                Probe created = new Probe();
                created.inRoutine = () -> {
                    WskSocket socket = (WskSocket) created.informationObject;
                    Probe bound = new Probe();
                    bound.inRoutine = () -> {
                        Probe connected = new Probe();
                        connected.inRoutine = () -> {
                            if (connected.status != STATUS_SUCCESS) {
                                failures.add("connect " + connected.status);
                            }
                            Probe close = new Probe();
                            close.inRoutine = closed::countDown;
                            socket.dispatch().wskCloseSocket(socket, close.irp);
                        };
                        dispatch(socket).wskConnect(socket, SockAddrIn.loopback(server.getLocalPort()), 0,
                                connected.irp);
                    };
                    dispatch(socket).wskBind(socket, SockAddrIn.any(0), 0, bound.irp);
                };
                assertEquals(STATUS_PENDING, created.call(() -> npi.dispatch().wskSocket(npi.client(), AF_INET,
                        SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null,
                        created.irp)));
                created.assertRanInCallerContext();
                server.accept().close();
            }
            assertTrue(closed.await(WAIT.toSeconds(), TimeUnit.SECONDS), "chains left: " + closed.getCount());
            assertEquals(List.of(), failures);
        }

        @Test
        void aSendTheKernelTookWholeAndAReceiveWithDataThereCompleteBeforeTheCallReturns() throws Exception {
            WskSocket socket = connect();
            WskSocket other = connect();
            try (Socket peer = server.accept(); Socket otherPeer = server.accept()) {
                Probe send = new Probe();
                assertEquals(STATUS_PENDING, send.call(() -> dispatch(socket).wskSend(socket, buffer(1024), 0,
                        send.irp)));
                send.assertRanInCallerContext();
                assertEquals(STATUS_SUCCESS, send.status);
                assertEquals(1024, send.information);
                peer.getInputStream().readNBytes(1024);

                // A receive with nothing there pends, and its data arrives in one segment: the receives after it
                // find the rest already there (the first of them may leave its read to readiness, per the
                // speculative-read back-off; a later one reads at once).
                Probe first = new Probe();
                assertEquals(STATUS_PENDING, first.call(() -> dispatch(socket).wskReceive(socket, buffer(1), 0,
                        first.irp)));
                peer.getOutputStream().write(new byte[8]);
                first.await();
                int inline = 0;
                List<String> ranOn = new ArrayList<>();
                for (int i = 1; i < 8; i++) {
                    Probe next = new Probe();
                    assertEquals(STATUS_PENDING, next.call(() -> dispatch(socket).wskReceive(socket, buffer(1), 0,
                            next.irp)));
                    next.await();
                    assertEquals(STATUS_SUCCESS, next.status);
                    assertEquals(1, next.information);
                    ranOn.add(next.thread.getName());
                    if (next.thread == Thread.currentThread()) {
                        assertTrue(next.beforeReturn, "on the calling thread only before the call returned");
                        inline++;
                    } else {
                        // It ran on the selector thread, which may still be leaving the socket's completion queue:
                        // a completion posted to a queue another thread is draining runs there, after the ones
                        // before it (aCompletionDoesNotOvertakeOneAlreadyQueuedOnItsSocket). When that thread
                        // wakes this one and the scheduler puts both on one CPU, this thread can post each next
                        // receive before the selector thread has left the queue, every time. Wait until the
                        // selector thread has gone round its loop: a receive on another socket, completed by it.
                        selectorLoopPassed(other, otherPeer);
                    }
                }
                assertTrue(inline > 0, "no receive with its data already there completed in the caller's context;"
                        + " the routines ran on " + ranOn);
            } finally {
                close(socket);
                close(other);
            }
        }

        /**
         * Returns once the transport's selector thread has finished the completion phase it was in and gone round
         * its loop: it completes a receive on {@code other} that pends until {@code otherPeer} sends a byte, and it
         * polls readiness only after the completion phase.
         */
        void selectorLoopPassed(WskSocket other, Socket otherPeer) throws Exception {
            Probe barrier = new Probe();
            assertEquals(STATUS_PENDING, barrier.call(() -> dispatch(other).wskReceive(other, buffer(1), 0,
                    barrier.irp)));
            otherPeer.getOutputStream().write(1);
            barrier.await();
            assertEquals(STATUS_SUCCESS, barrier.status);
        }

        @Test
        void routinesNeverNestAndTheCallsTheyMakeCompleteAfterThemInOrder() throws Exception {
            WskSocket socket = connect();
            try (Socket peer = server.accept()) {
                List<String> order = Collections.synchronizedList(new ArrayList<>());
                AtomicInteger depth = new AtomicInteger();
                AtomicInteger maxDepth = new AtomicInteger();
                Probe inner = new Probe();
                inner.inRoutine = () -> order.add("inner");
                Probe outer = new Probe();
                outer.inRoutine = () -> {
                    maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
                    // A call from the routine whose work is done at once: it must not complete inside this routine.
                    assertEquals(STATUS_PENDING, dispatch(socket).wskSend(socket, buffer(8), 0, inner.irp));
                    order.add("outer returns");
                    depth.decrementAndGet();
                };
                inner.onEnter = () -> maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
                inner.onExit = depth::decrementAndGet;
                assertEquals(STATUS_PENDING, outer.call(() -> dispatch(socket).wskSend(socket, buffer(8), 0,
                        outer.irp)));
                outer.assertRanInCallerContext();
                inner.await();
                assertEquals(List.of("outer returns", "inner"), order);
                assertEquals(1, maxDepth.get(), "a routine ran inside another");
                assertTrue(inner.sequence > outer.sequence);
                assertEquals(16, peer.getInputStream().readNBytes(16).length);
            }
            close(socket);
        }

        @Test
        void aCompletionDoesNotOvertakeOneAlreadyQueuedOnItsSocket() throws Exception {
            WskSocket socket = connect();
            try (Socket peer = server.accept()) {
                CountDownLatch entered = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                Probe receive = new Probe();
                receive.inRoutine = () -> {
                    entered.countDown();
                    awaitUninterruptibly(release); // holds the socket's serial queue on the completion thread
                };
                assertEquals(STATUS_PENDING, dispatch(socket).wskReceive(socket, buffer(1), 0, receive.irp));
                peer.getOutputStream().write(1);
                assertTrue(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));

                // The send's work is done during the call, but the socket's queue is busy: it waits its turn.
                Probe send = new Probe();
                assertEquals(STATUS_PENDING, send.call(() -> dispatch(socket).wskSend(socket, buffer(8), 0,
                        send.irp)));
                assertEquals(0, send.runs.get(), "the send's routine overtook the receive's");
                release.countDown();
                send.await();
                assertFalse(send.beforeReturn);
                assertNotEquals(Thread.currentThread(), send.thread);
                assertTrue(send.sequence > receive.sequence);
                assertEquals(8, peer.getInputStream().readNBytes(8).length);
            }
            close(socket);
        }

        @Test
        void aRoutineThatThrowsInTheCallersContextIsRecordedAndTheCallReturnsNormally() throws Exception {
            wsk.ioManager().verifier().setSink(VerifierSink.recording()); // the failure is asserted below
            WskSocket socket = connect();
            try (Socket peer = server.accept()) {
                Irp throwing = Io.allocateIrp(1, false);
                AtomicLong ranOn = new AtomicLong();
                Io.setCompletionRoutine(throwing, (device, irp, context) -> {
                    ranOn.set(Thread.currentThread().getId());
                    throw new IllegalStateException("a driver bug");
                }, null, true, true, true);
                assertEquals(STATUS_PENDING, dispatch(socket).wskSend(socket, buffer(4), 0, throwing));
                assertEquals(Thread.currentThread().getId(), ranOn.get());
                assertEquals(1, wsk.ioManager().routineFailures().size());
                assertEquals("a driver bug", wsk.ioManager().routineFailures().get(0).getMessage());
                Io.freeIrp(throwing); // the routine threw: the IRP stayed with its owner

                Probe next = new Probe(); // the socket's queue goes on
                assertEquals(STATUS_PENDING, next.call(() -> dispatch(socket).wskSend(socket, buffer(4), 0,
                        next.irp)));
                next.assertRanInCallerContext();
                assertEquals(8, peer.getInputStream().readNBytes(8).length);
            }
            close(socket);
        }

        @Test
        void aRoutineThatBlocksInTheCallersContextIsReportedAndItsWaitBounded() throws Exception {
            Verifier verifier = wsk.ioManager().verifier();
            verifier.setMode(VerifierRule.IRQL_NOT_PASSIVE, Verifier.Mode.OFF);
            verifier.setMode(VerifierRule.CALLBACK_BLOCKED, Verifier.Mode.LOG);
            verifier.setBlockingWaitLimit(Duration.ofMillis(100)).setSink(VerifierSink.recording());
            WskSocket socket = connect();
            try (Socket peer = server.accept()) {
                // The classic deadlock, now on the caller's thread: a routine waits for a completion queued behind it
                // on its own socket, which only this thread will run once the routine returned.
                Probe second = new Probe();
                List<NtStatus> waited = Collections.synchronizedList(new ArrayList<>());
                Probe first = new Probe();
                first.inRoutine = () -> {
                    assertEquals(STATUS_PENDING, dispatch(socket).wskSend(socket, buffer(4), 0, second.irp));
                    waited.add(second.done.waitFor(null));
                };
                assertEquals(STATUS_PENDING, first.call(() -> dispatch(socket).wskSend(socket, buffer(4), 0,
                        first.irp)));
                first.assertRanInCallerContext();
                assertEquals(List.of(STATUS_TIMEOUT), waited, "the wait was cut short instead of hanging");
                assertEquals(VerifierRule.CALLBACK_BLOCKED, verifier.violations().get(0).rule());
                second.await(); // and the completion it waited for ran after it
                assertTrue(second.sequence > first.sequence);
                assertEquals(8, peer.getInputStream().readNBytes(8).length);
            }
            close(socket);
        }

        private static void awaitUninterruptibly(CountDownLatch latch) {
            try {
                assertTrue(latch.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A subsystem on real loopback, a registration, and a listening java.net peer. */
    abstract static class Harness {
        WskSubsystem wsk;
        IoManager.Binding binding;
        WskRegistration registration;
        WskProviderNpi npi;
        ServerSocket server;

        abstract WskSubsystem.Builder builder();

        @BeforeEach
        void start() throws Exception {
            wsk = builder().build();
            binding = wsk.bindToCurrentThread();
            registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                    new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        }

        @AfterEach
        void stop() throws Exception {
            server.close();
            wsk.wskReleaseProviderNpi(registration);
            assertTimeoutPreemptively(WAIT, () -> wsk.wskDeregister(registration));
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps());
            binding.close();
            wsk.close();
        }

        NtStatus socketConnect(Irp irp) {
            return npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                    SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, irp);
        }

        WskSocket connect() {
            Probe connect = new Probe();
            assertEquals(STATUS_PENDING, socketConnect(connect.irp));
            connect.await();
            assertEquals(STATUS_SUCCESS, connect.status);
            return (WskSocket) connect.informationObject;
        }

        void close(WskSocket socket) {
            Probe close = new Probe();
            assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close.irp));
            close.await();
            assertEquals(STATUS_SUCCESS, close.status);
        }

        static WskProviderConnectionDispatch dispatch(WskSocket socket) {
            return (WskProviderConnectionDispatch) socket.dispatch();
        }

        static WskBuf buffer(int size) {
            return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
        }
    }

    /**
     * An IRP whose completion routine records the thread it ran on and whether the call that was given the IRP had
     * returned by then, then frees the IRP (STATUS_MORE_PROCESSING_REQUIRED, as a WSK client does).
     */
    static final class Probe {
        private static final AtomicLong SEQUENCE = new AtomicLong();
        final Irp irp = Io.allocateIrp(1, false);
        final AtomicInteger runs = new AtomicInteger();
        final KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        volatile boolean returned;
        volatile boolean beforeReturn;
        volatile Thread thread;
        volatile NtStatus status;
        volatile long information;
        volatile Object informationObject;
        volatile boolean pendingReturned;
        volatile long sequence;
        volatile Runnable onEnter;
        volatile Runnable inRoutine;
        volatile Runnable onExit;

        Probe() {
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                run(onEnter);
                thread = Thread.currentThread();
                beforeReturn = !returned;
                status = completed.ioStatus().status();
                information = completed.ioStatus().information();
                informationObject = completed.ioStatus().informationObject();
                pendingReturned = completed.pendingReturned();
                sequence = SEQUENCE.incrementAndGet();
                run(inRoutine);
                runs.incrementAndGet();
                Io.freeIrp(completed);
                run(onExit);
                done.set();
                return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }

        private static void run(Runnable action) {
            if (action != null) {
                action.run();
            }
        }

        /** Makes the call (on this thread) and notes that it returned. */
        NtStatus call(Supplier<NtStatus> call) {
            NtStatus result = call.get();
            returned = true;
            return result;
        }

        void await() {
            assertEquals(STATUS_SUCCESS, done.waitFor(WAIT), "the completion did not arrive");
        }

        /** The routine ran once, on the thread that made the call, before the call returned. */
        void assertRanInCallerContext() {
            assertEquals(1, runs.get(), "the routine had not run when the call returned");
            assertSame(Thread.currentThread(), thread);
            assertTrue(beforeReturn);
        }
    }
}
