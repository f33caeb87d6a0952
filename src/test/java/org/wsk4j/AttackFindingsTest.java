package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * Issue 15's findings, tried as an attacker would, through the public API only (real loopback, manual executor):
 * a receive-event callback that throws once, STATUS_BUFFER_OVERFLOW's Information, cancellable event-disable
 * waiters, and a driver that locks its own socket object. (The threaded-executor finding is
 * {@code ThrowingRoutineTest}, the listener one {@code ListenSocketFailureTest}, the close race
 * {@code CloseDuringCallsRaceTest}.)
 */
class AttackFindingsTest extends WskTestBase {

    private ServerSocket server;
    private Socket peer;
    private WskSocket socket;

    @AfterEach
    void closePeer() throws IOException {
        if (peer != null) {
            peer.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private void connect(WskClientConnectionDispatch callbacks) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Completion c = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, "ctx",
                callbacks, null, null, null, c.irp);
        executor.runPending();
        socket = c.socket();
        assertEquals(STATUS_SUCCESS, bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_SUCCESS, connect(socket, SockAddrIn.loopback(server.getLocalPort())));
        peer = server.accept();
    }

    private NtStatus events(int mask, Irp irp) {
        return socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK,
                SOL_SOCKET, WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, mask), 0,
                null, null, irp);
    }

    private void peerWrite(String text) throws IOException {
        peer.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        peer.getOutputStream().flush();
    }

    private static String indicated(WskDataIndication indication) {
        StringBuilder text = new StringBuilder();
        for (WskDataIndication i = indication; i != null; i = i.next()) {
            ByteBuffer view = i.buffer().mdl().systemAddress().duplicate();
            byte[] bytes = new byte[(int) i.buffer().length()];
            view.position(i.buffer().offset()).get(bytes);
            text.append(new String(bytes, StandardCharsets.US_ASCII));
        }
        return text.toString();
    }

    /** Finding 2: a WskReceiveEvent that throws once does not stop the later indications of its connection. */
    @Test
    void receiveEventThatThrowsOnceKeepsIndicating() throws IOException {
        StringBuilder got = new StringBuilder();
        AtomicInteger calls = new AtomicInteger();
        connect(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("driver bug");
            }
            got.append(indicated(indication));
            return STATUS_SUCCESS;
        }, null, null));
        assertEquals(STATUS_SUCCESS, events(WSK_EVENT_RECEIVE, null));
        peerWrite("first");
        assertTrue(executor.runUntil(() -> calls.get() >= 1, WAIT));
        peerWrite("second");
        assertTrue(executor.runUntil(() -> got.toString().equals("firstsecond"), WAIT),
                "indications go on after the throw, nothing lost: " + got);
        assertEquals(1, wsk.ioManager().routineFailures().size());
        assertInstanceOf(IllegalStateException.class, wsk.ioManager().routineFailures().get(0));
        wsk.ioManager().clearRoutineFailures();
        close(socket);
    }

    /** Finding 5: a control request failing with STATUS_BUFFER_OVERFLOW reports the size needed in Information. */
    @Test
    void bufferOverflowKeepsTheSizeNeededInInformation() throws IOException {
        connect(null);
        Completion option = new Completion();
        assertEquals(STATUS_BUFFER_OVERFLOW, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskGetOption,
                SO_KEEPALIVE, SOL_SOCKET, 0, null, 0, null, null, option.irp));
        assertEquals(STATUS_BUFFER_OVERFLOW, option.status);
        assertEquals(4, option.information, "a ULONG option needs 4 bytes");
        Completion backlog = new Completion();
        assertEquals(STATUS_BUFFER_OVERFLOW, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_QUERY_RECEIVE_BACKLOG, 0, 0, null, 4, new Ref<Long>(), null, backlog.irp));
        assertEquals(8, backlog.information, "SIZE_T needs 8 bytes");
        close(socket);
    }

    /** Finding 6: a disable request waiting for a running callback can be cancelled with IoCancelIrp. */
    @Test
    void eventDisableWaiterIsCancellable() throws IOException {
        AtomicReference<Completion> disable = new AtomicReference<>();
        AtomicReference<NtStatus> returned = new AtomicReference<>();
        AtomicReference<Boolean> cancelRoutineRan = new AtomicReference<>();
        connect(new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
            if (disable.get() == null) { // inside the callback: the disable must wait for it to return
                Completion c = new Completion();
                disable.set(c);
                returned.set(events(WSK_EVENT_RECEIVE | WSK_EVENT_DISABLE, c.irp));
                cancelRoutineRan.set(Io.cancelIrp(c.irp));
            }
            return STATUS_SUCCESS;
        }, null, null));
        assertEquals(STATUS_SUCCESS, events(WSK_EVENT_RECEIVE, null));
        peerWrite("x");
        assertTrue(executor.runUntil(() -> disable.get() != null && disable.get().done(), WAIT),
                "the cancelled waiter completes");
        assertEquals(STATUS_PENDING, returned.get());
        assertTrue(cancelRoutineRan.get(), "the waiter has a cancel routine");
        assertEquals(STATUS_CANCELLED, disable.get().status);
        assertEquals(1, disable.get().runs.get());
        close(socket);
    }

    /**
     * Finding 7: the provider never locks the WskSocket it hands out. A driver holding its own socket object's
     * monitor (a common pattern) while it waits for a completion the selector thread must produce is not stalled.
     */
    @Test
    void driverLockingItsSocketObjectDoesNotStallTheTransport() throws IOException {
        connect(null);
        byte[] data = new byte[4];
        Completion receive = new Completion();
        connection(socket).wskReceive(socket, new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, 4), 0, 4), 0,
                receive.irp);
        synchronized (socket) {
            peerWrite("data");
            await(receive);
        }
        assertEquals(STATUS_SUCCESS, receive.status);
        assertEquals(4, receive.information);
        close(socket);
    }

    /** Finding 7: nor does it lock the WskRegistration the driver passed in. */
    @Test
    void driverLockingItsRegistrationDoesNotBlockTheProvider() throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (registration) {
                locked.countDown();
                try {
                    release.await(3 * WAIT.toSeconds(), TimeUnit.SECONDS); // longer than the test waits below
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "driver-holding-its-registration");
        holder.start();
        assertTrue(locked.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        try {
            CompletableFuture<WskSocket> created = CompletableFuture.supplyAsync(() -> {
                try (var ignored = wsk.ioManager().bindToCurrentThread()) {
                    Completion c = new Completion();
                    npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                            WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, c.irp);
                    return c;
                }
            }).thenApply(c -> {
                assertTrue(executor.runUntil(c::done, WAIT));
                return c.socket();
            });
            WskSocket made = created.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertEquals(1, registration.openSocketCount());
            close(made);
        } finally {
            release.countDown();
            holder.join();
        }
    }
}
