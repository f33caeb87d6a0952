package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/** The direct completion executor: completions on the producing thread, never nested, and the socket rules kept. */
class DirectCompletionExecutorTest {

    @Test
    void tasksPostedByATaskRunAfterItOnTheSameThreadNeverNested() throws Exception {
        try (DirectCompletionExecutor executor = new DirectCompletionExecutor("t")) {
            List<String> order = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            AtomicInteger depth = new AtomicInteger();
            AtomicInteger maxDepth = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(1);
            Runnable[] chain = new Runnable[1];
            AtomicInteger left = new AtomicInteger(1000); // deep enough to overflow the stack if tasks nested
            chain[0] = () -> {
                maxDepth.accumulateAndGet(depth.incrementAndGet(), Math::max);
                threads.add(Thread.currentThread());
                assertTrue(executor.inExecutorThread());
                if (left.decrementAndGet() > 0) {
                    executor.execute(chain[0]);
                    order.add("posted");
                } else {
                    done.countDown();
                }
                depth.decrementAndGet();
            };
            assertFalse(executor.inExecutorThread());
            executor.execute(chain[0]); // from a thread that is not a completion thread: the fallback thread
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(1, maxDepth.get(), "a task posted from a task runs after it returned");
            assertEquals(999, order.size());
            assertEquals(1, threads.stream().distinct().count(), "all on the thread that produced them");
            assertNotEquals(Thread.currentThread(), threads.get(0));
        }
    }

    @Test
    void tasksOfTwoExecutorsQueuedOnOneThreadRunInOrderEachAsItsOwnExecutors() throws Exception {
        // The per-thread queue records an executor only where it changes: the tasks must still run in the order they
        // were posted, each inside its own executor (inExecutorThread), and neither after the drain.
        try (DirectCompletionExecutor a = new DirectCompletionExecutor("a");
             DirectCompletionExecutor b = new DirectCompletionExecutor("b")) {
            List<String> ran = new CopyOnWriteArrayList<>();
            List<Thread> threads = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            Function<String, Runnable> task = name -> () -> {
                threads.add(Thread.currentThread());
                ran.add(name + (a.inExecutorThread() ? " in a" : "") + (b.inExecutorThread() ? " in b" : ""));
                if (name.equals("a3")) {
                    done.countDown();
                }
            };
            a.execute(() -> {
                task.apply("a1").run();
                b.execute(task.apply("b1"));
                a.execute(task.apply("a2"));
                b.execute(task.apply("b2"));
                b.execute(task.apply("b3"));
                a.execute(task.apply("a3"));
            });
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(List.of("a1 in a", "b1 in b", "a2 in a", "b2 in b", "b3 in b", "a3 in a"), ran);
            assertEquals(1, threads.stream().distinct().count(), "all on the thread that produced them");
            assertFalse(a.inExecutorThread());
            assertFalse(b.inExecutorThread());
        }
    }

    @Test
    void timersFire() throws Exception {
        try (DirectCompletionExecutor executor = new DirectCompletionExecutor("t")) {
            CountDownLatch fired = new CountDownLatch(1);
            executor.schedule(Duration.ofMillis(5), fired::countDown);
            assertTrue(fired.await(10, TimeUnit.SECONDS));
        }
    }

    /**
     * 200 connect / send / receive / close chains driven from completion routines (as a driver does) against a
     * java.net echo peer: every routine runs on the selector thread, the fallback thread or (a completion in the
     * caller's context, for the chains' first calls made here) the test's thread, none nested in another,
     * the close completes after the socket's receive, and every IRP is freed.
     */
    @Test
    void chainedSocketOperationsOnRealSockets() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress())) {
            Thread peer = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] b = new byte[4];
                        int n = in.readNBytes(b, 0, 4);
                        out.write(b, 0, n);
                        in.read(); // until the client resets
                    } catch (IOException e) {
                        // reset by the client's abortive close, or the server closed
                    }
                }
            }, "test-echo-peer");
            peer.setDaemon(true);
            peer.start();
            try (WskSubsystem wsk = WskSubsystem.builder().name("direct").directExecutor().build();
                 IoManager.Binding ignored = wsk.bindToCurrentThread()) {
                assertTrue(wsk.executor() instanceof DirectCompletionExecutor);
                WskRegistration registration = new WskRegistration();
                assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration));
                WskProviderNpi npi = new WskProviderNpi();
                assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi));
                Chains chains = new Chains(npi, server.getLocalPort(), 200);
                chains.start(4);
                assertTrue(chains.done.await(20, TimeUnit.SECONDS), "chains finished: " + chains.failures);
                assertTrue(chains.failures.isEmpty(), chains.failures.toString());
                assertEquals(0, chains.maxNesting.get() - 1, "routines never nested");
                for (String name : chains.threadNames) {
                    assertTrue(name.endsWith("-nio-selector") || name.startsWith("direct-direct-completion")
                            || name.equals(Thread.currentThread().getName()), name);
                }
                wsk.wskReleaseProviderNpi(registration);
                wsk.wskDeregister(registration);
                // The last close routine may still be returning (it frees its IRP after counting down).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (wsk.ioManager().liveIrpCount() != 0 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(0, wsk.ioManager().liveIrpCount(), () -> wsk.ioManager().liveIrps().toString());
                assertTrue(wsk.ioManager().verifier().violations().isEmpty(),
                        () -> wsk.ioManager().verifier().violations().toString());
                assertTrue(wsk.ioManager().routineFailures().isEmpty(),
                        () -> wsk.ioManager().routineFailures().toString());
            }
        }
    }

    /** Connect, send 4 bytes, receive the echo, close; then the next, until {@code total} are done. */
    private static final class Chains {
        final WskProviderNpi npi;
        final int port;
        final AtomicInteger toStart;
        final CountDownLatch done;
        final List<String> failures = new CopyOnWriteArrayList<>();
        final java.util.Set<String> threadNames = java.util.concurrent.ConcurrentHashMap.newKeySet();
        final AtomicInteger maxNesting = new AtomicInteger();
        final ThreadLocal<int[]> nesting = ThreadLocal.withInitial(() -> new int[1]);

        Chains(WskProviderNpi npi, int port, int total) {
            this.npi = npi;
            this.port = port;
            this.toStart = new AtomicInteger(total);
            this.done = new CountDownLatch(total);
        }

        void start(int window) {
            for (int i = 0; i < window; i++) {
                next();
            }
        }

        private Irp irp(IoCompletionRoutine routine, Object context) {
            Irp irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, completed, ctx) -> {
                int[] depth = nesting.get();
                depth[0]++;
                maxNesting.accumulateAndGet(depth[0], Math::max);
                threadNames.add(Thread.currentThread().getName());
                try {
                    NtStatus result = routine.complete(device, completed, ctx);
                    Io.freeIrp(completed);
                    return result;
                } finally {
                    depth[0]--;
                }
            }, context, true, true, true);
            return irp;
        }

        private boolean ok(Irp irp, String what) {
            if (irp.ioStatus().status() != STATUS_SUCCESS) {
                failures.add(what + ": " + irp.ioStatus().status());
                return false;
            }
            return true;
        }

        void next() {
            if (toStart.getAndDecrement() <= 0) {
                return;
            }
            npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                    SockAddrIn.loopback(port), 0, null, null, null, null, null, irp((d, irp, c) -> {
                        if (ok(irp, "WskSocketConnect")) {
                            send((WskSocket) irp.ioStatus().informationObject());
                        } else {
                            done.countDown();
                            next();
                        }
                        return STATUS_MORE_PROCESSING_REQUIRED;
                    }, null));
        }

        private void send(WskSocket socket) {
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
            ByteBuffer data = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
            ByteBuffer echo = ByteBuffer.allocate(4);
            dispatch.wskReceive(socket, new WskBuf(Io.allocateMdl(echo, 0, 4), 0, 4), WSK_FLAG_WAITALL,
                    irp((d, irp, c) -> {
                        if (ok(irp, "WskReceive") && irp.ioStatus().information() != 4) {
                            failures.add("receive got " + irp.ioStatus().information() + " bytes");
                        }
                        socket.dispatch().wskCloseSocket(socket, irp((d2, closeIrp, c2) -> {
                            ok(closeIrp, "WskCloseSocket");
                            done.countDown();
                            next();
                            return STATUS_MORE_PROCESSING_REQUIRED;
                        }, null));
                        return STATUS_MORE_PROCESSING_REQUIRED;
                    }, null));
            dispatch.wskSend(socket, new WskBuf(Io.allocateMdl(data, 0, 4), 0, 4), 0, irp((d, irp, c) -> {
                ok(irp, "WskSend");
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null));
        }
    }
}
