package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;

/**
 * Verifier rules about buffers and closing (issue 6): a WSK_BUF beyond its MDL chain, a freed MDL given to WSK,
 * an MDL freed, relinked or reused while a pending operation uses it, and WskCloseSocket while another call on
 * the socket is still running. Each rule is broken on purpose; in mode FAIL the IRP must stay with the driver,
 * in mode LOG the function carries on with the status it gives today.
 */
@WskTest(transport = WskTransport.NIO)
class VerifierBufferAndCloseRulesTest {

    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi) {
        this.wsk = wsk;
        this.executor = wsk.manualExecutor();
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    private Verifier verifier() {
        return wsk.ioManager().verifier();
    }

    /** An IRP whose routine only records; the caller frees it. */
    private static Irp driverIrp() {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (d, i, c) -> STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
        return irp;
    }

    private static Mdl mdl(int bytes) {
        return Io.allocateMdl(ByteBuffer.allocate(bytes), 0, bytes);
    }

    /** Asserts a FAIL-mode violation of {@code rule} by {@code call}, with the IRP left to the driver. */
    private void assertRejected(VerifierRule rule, Irp irp, Runnable call) {
        VerifierError error = assertThrows(VerifierError.class, call::run);
        assertEquals(rule, error.rule(), error.getMessage());
        assertFalse(irp.isInFlight(), "a FAIL-mode report comes before the IRP is accepted");
        assertEquals(1, verifier().violations().size());
        verifier().clearViolations();
    }

    /** A connected socket and its java.net peer. */
    private record Pair(WskSocket socket, Socket peer, ServerSocket server) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            peer.close();
            server.close();
        }
    }

    private Pair connected() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
        assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
        Socket peer = server.accept();
        return new Pair(socket, peer, server);
    }

    // ---- WSK_BUF against its MDL chain ----------------------------------------------------------------------

    @Test
    void aWskBufLongerThanItsChainIsReportedBeforeTheIrpIsAccepted() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl first = mdl(10);
            first.setNext(mdl(6));
            Irp irp = driverIrp();
            assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp,
                    () -> connection(socket).wskSend(socket, new WskBuf(first, 2, 15), 0, irp));
            assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp,
                    () -> connection(socket).wskReceive(socket, new WskBuf(first, 11, 1), 0, irp));
            assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp,
                    () -> connection(socket).wskSend(socket, new WskBuf(null, 0, 1), 0, irp));
            assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp,
                    () -> connection(socket).wskReceive(socket, new WskBuf(first, 0, -1), 0, irp));

            // Exactly the chain (14 bytes from offset 2) is fine, and so is an empty buffer without an MDL.
            Completion fits = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskSend(socket, new WskBuf(first, 2, 14), 0,
                    fits.irp));
            nio.await(fits);
            assertEquals(STATUS_SUCCESS, fits.status);
            assertEquals(14, fits.information);

            // In mode LOG the call carries on and gives the status it always gave.
            verifier().setMode(VerifierRule.BUFFER_OUT_OF_RANGE, Verifier.Mode.LOG);
            Completion logged = new Completion();
            assertEquals(STATUS_INVALID_PARAMETER, connection(socket).wskSend(socket, new WskBuf(first, 2, 15), 0,
                    logged.irp));
            assertEquals(STATUS_INVALID_PARAMETER, logged.status);
            List<VerifierReport> reports = verifier().violations();
            assertEquals(1, reports.size());
            assertTrue(reports.get(0).message().contains("Length runs past the end of the MDL chain"),
                    reports.get(0).message());
            verifier().clearViolations();
            Io.freeIrp(irp);
            nio.close(socket);
        }
    }

    @Test
    void datagramBuffersAreCheckedToo() {
        Completion created = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, null, null,
                null, null, null, created.irp);
        executor.runPending();
        WskSocket socket = created.socket();
        WskProviderDatagramDispatch datagram = (WskProviderDatagramDispatch) socket.dispatch();
        Completion bound = new Completion();
        datagram.wskBind(socket, SockAddrIn.loopback(0), 0, bound.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, bound.status);
        Irp irp = driverIrp();
        Mdl small = mdl(4);
        assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp, () -> datagram.wskSendTo(socket,
                new WskBuf(small, 0, 5), 0, SockAddrIn.loopback(9), 0, null, irp));
        assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp, () -> datagram.wskReceiveFrom(socket,
                new WskBuf(small, 5, 1), 0, null, null, null, null, irp));
        WskBufList list = new WskBufList(new WskBufList(null, new WskBuf(small, 1, 4)), new WskBuf(small, 0, 4));
        assertRejected(VerifierRule.BUFFER_OUT_OF_RANGE, irp, () -> datagram.wskSendMessages(socket, list, 0,
                SockAddrIn.loopback(9), 0, null, irp));
        Io.freeMdl(small);
        assertRejected(VerifierRule.MDL_USED_AFTER_FREE, irp, () -> datagram.wskSendTo(socket,
                new WskBuf(small, 0, 4), 0, SockAddrIn.loopback(9), 0, null, irp));
        Io.freeIrp(irp);
        nio.close(socket);
    }

    @Test
    void aFreedMdlGivenToWskIsReported() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl head = mdl(8);
            Mdl tail = mdl(8);
            head.setNext(tail);
            Io.freeMdl(tail);
            Irp irp = driverIrp();
            assertRejected(VerifierRule.MDL_USED_AFTER_FREE, irp,
                    () -> connection(socket).wskSend(socket, new WskBuf(head, 0, 16), 0, irp));
            // Only the described range counts: the first 8 bytes do not reach the freed MDL.
            Completion ok = new Completion();
            connection(socket).wskSend(socket, new WskBuf(head, 0, 8), 0, ok.irp);
            nio.await(ok);
            assertEquals(STATUS_SUCCESS, ok.status);
            Io.freeIrp(irp);
            nio.close(socket);
        }
    }

    // ---- MDLs in use by a pending operation --------------------------------------------------------------

    @Test
    void freeingOrRelinkingAnMdlUnderAPendingReceiveIsReported() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl mdl = mdl(16);
            Completion receive = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskReceive(socket, new WskBuf(mdl, 0, 16), 0,
                    receive.irp));
            executor.runPending();
            assertFalse(receive.done(), "nothing sent yet: the receive is pending");
            assertTrue(mdl.isInUse());

            VerifierError freed = assertThrows(VerifierError.class, () -> Io.freeMdl(mdl));
            assertEquals(VerifierRule.MDL_RELEASED_WHILE_IN_USE, freed.rule());
            assertTrue(freed.getMessage().contains("WskReceive IRP#" + receive.irp.id()), freed.getMessage());
            assertFalse(mdl.isFreed(), "in mode FAIL the MDL stays allocated");
            VerifierError relinked = assertThrows(VerifierError.class, () -> mdl.setNext(mdl(4)));
            assertEquals(VerifierRule.MDL_RELEASED_WHILE_IN_USE, relinked.rule());
            assertNull(mdl.next());
            verifier().clearViolations();

            OutputStream out = pair.peer().getOutputStream();
            out.write(new byte[] {1, 2, 3});
            out.flush();
            nio.await(receive);
            assertEquals(STATUS_SUCCESS, receive.status);
            assertEquals(3, receive.information);
            assertFalse(mdl.isInUse(), "the claim ends when the operation completes");
            Io.freeMdl(mdl); // now legal
            nio.close(socket);
        }
    }

    @Test
    void claimsEndOnCancelAndOnClose() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl cancelled = mdl(8);
            Mdl closed = mdl(8);
            Completion first = new Completion();
            Completion second = new Completion();
            connection(socket).wskReceive(socket, new WskBuf(cancelled, 0, 8), 0, first.irp);
            connection(socket).wskReceive(socket, new WskBuf(closed, 0, 8), 0, second.irp);
            assertTrue(cancelled.isInUse() && closed.isInUse());
            Io.cancelIrp(first.irp);
            executor.runPending();
            assertEquals(STATUS_CANCELLED, first.status);
            assertFalse(cancelled.isInUse());
            assertTrue(closed.isInUse());
            nio.close(socket);
            assertEquals(STATUS_CANCELLED, second.status);
            assertFalse(closed.isInUse());
            Io.freeMdl(cancelled);
            Io.freeMdl(closed);
        }
    }

    @Test
    void bytesInUseByAPendingReceiveCannotBeGivenToAnotherOperation() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl mdl = mdl(32);
            Completion lower = new Completion();
            connection(socket).wskReceive(socket, new WskBuf(mdl, 0, 16), 0, lower.irp);
            Irp irp = driverIrp();
            assertRejected(VerifierRule.MDL_REUSED_WHILE_IN_USE, irp,
                    () -> connection(socket).wskReceive(socket, new WskBuf(mdl, 8, 16), 0, irp));
            assertRejected(VerifierRule.MDL_REUSED_WHILE_IN_USE, irp,
                    () -> connection(socket).wskSend(socket, new WskBuf(mdl, 15, 4), 0, irp));

            // The other half of the same MDL is free to use, and so are bytes only read: two sends of the same
            // bytes are fine.
            Completion upper = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskReceive(socket, new WskBuf(mdl, 16, 16), 0,
                    upper.irp));
            Mdl shared = Io.allocateMdl(ByteBuffer.wrap(new byte[] {9, 8, 7}), 0, 3);
            Completion send1 = new Completion();
            Completion send2 = new Completion();
            connection(socket).wskSend(socket, new WskBuf(shared, 0, 3), 0, send1.irp);
            connection(socket).wskSend(socket, new WskBuf(shared, 0, 3), 0, send2.irp);
            nio.await(send1);
            nio.await(send2);
            assertEquals(STATUS_SUCCESS, send2.status);
            assertTrue(verifier().violations().isEmpty(), () -> verifier().violations().toString());

            // In mode LOG the second receive is reported and still served.
            verifier().setMode(VerifierRule.MDL_REUSED_WHILE_IN_USE, Verifier.Mode.LOG);
            Completion overlapping = new Completion();
            assertEquals(STATUS_PENDING, connection(socket).wskReceive(socket, new WskBuf(mdl, 0, 4), 0,
                    overlapping.irp));
            assertEquals(VerifierRule.MDL_REUSED_WHILE_IN_USE, verifier().violations().get(0).rule());
            verifier().clearViolations();
            Io.freeIrp(irp);
            nio.close(socket);
            assertFalse(mdl.isInUse());
        }
    }

    @Test
    void withTheMdlRulesOffNothingIsTracked() throws IOException {
        verifier().setMode(VerifierRule.MDL_RELEASED_WHILE_IN_USE, Verifier.Mode.OFF);
        verifier().setMode(VerifierRule.MDL_REUSED_WHILE_IN_USE, Verifier.Mode.OFF);
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Mdl mdl = mdl(8);
            Completion receive = new Completion();
            connection(socket).wskReceive(socket, new WskBuf(mdl, 0, 8), 0, receive.irp);
            assertFalse(mdl.isInUse(), "no bookkeeping when both rules are off");
            nio.close(socket);
        }
    }

    // ---- WskCloseSocket while another call runs --------------------------------------------------------------

    @Test
    void closingWhileAnotherThreadIsInsideACallOnTheSocketIsReported() throws Exception {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            CountDownLatch inside = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            // A call that is still running on another thread: WskSend with a flag WSK refuses completes inline,
            // so its completion routine runs inside the call, and this routine holds the call open.
            Irp held = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(held, (device, irp, context) -> {
                inside.countDown();
                awaitQuietly(release);
                Io.freeIrp(irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            AtomicReference<NtStatus> sendResult = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
                    sendResult.set(connection(socket).wskSend(socket, new WskBuf(mdl(1), 0, 1), 0x8000, held));
                }
            }, "driver-worker");
            other.start();
            assertTrue(inside.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            Irp irp = driverIrp();
            try {
                assertRejected(VerifierRule.SOCKET_CLOSED_DURING_CALL, irp,
                        () -> socket.dispatch().wskCloseSocket(socket, irp));
            } finally {
                release.countDown();
                other.join(WAIT.toMillis());
            }
            assertFalse(other.isAlive());
            assertEquals(STATUS_NOT_SUPPORTED, sendResult.get());
            Io.freeIrp(irp);
            nio.close(socket); // the call returned: closing is legal now
        }
    }

    @Test
    void closingFromACompletionRoutineRunInsideACallOnTheSameThreadIsAllowed() throws IOException {
        try (Pair pair = connected()) {
            WskSocket socket = pair.socket();
            Completion closed = new Completion();
            // The send fails inline; its routine, still inside WskSend on this thread, closes the socket.
            Irp failing = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(failing, (device, irp, context) -> {
                socket.dispatch().wskCloseSocket(socket, closed.irp);
                Io.freeIrp(irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            assertEquals(STATUS_NOT_SUPPORTED, connection(socket).wskSend(socket, new WskBuf(mdl(1), 0, 1), 0x8000,
                    failing));
            executor.runPending();
            assertEquals(STATUS_SUCCESS, closed.status);
            assertTrue(verifier().violations().isEmpty(), () -> verifier().violations().toString());
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
