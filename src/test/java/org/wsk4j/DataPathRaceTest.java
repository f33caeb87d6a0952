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
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
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
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
            assertEquals(0, wsk.ioManager().liveIrpCount());
            assertTrue(wsk.ioManager().verifier().violations().isEmpty());
            assertTrue(wsk.ioManager().routineFailures().isEmpty(), () -> wsk.ioManager().routineFailures().toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
