package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;

/** The IOCTLs every socket has: SIO_ADDRESS_LIST_QUERY / _CHANGE, and the unsupported ones. */
@WskTest(transport = WskTransport.NIO)
class SocketIoctlTest {

    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi) {
        this.wsk = wsk;
        this.executor = wsk.manualExecutor();
        nio = new NioSockets(wsk, npi);
    }

    @Test
    void addressListQueryFollowsTheSizeQueryConvention() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Ref<Long> needed = new Ref<>();
        assertEquals(STATUS_BUFFER_OVERFLOW, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_ADDRESS_LIST_QUERY, 0, 0, null, 0, null, needed, null));
        assertTrue(needed.get() >= 8 + 16 + SockAddrIn.SIZE, "at least the loopback address: " + needed.get());
        Ref<SockAddr[]> list = new Ref<>();
        assertEquals(STATUS_SUCCESS, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_ADDRESS_LIST_QUERY, 0, 0, null, needed.get(), list, null, null));
        assertTrue(Arrays.stream(list.get()).anyMatch(a -> a.address().equals(InetAddress.getLoopbackAddress())),
                Arrays.toString(list.get()));
        assertTrue(Arrays.stream(list.get()).allMatch(a -> a.family() == AF_INET), "only the socket's family");
        Completion withIrp = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_ADDRESS_LIST_QUERY, 0, 0, null, needed.get(), list, null, withIrp.irp), "no IRP allowed");
        assertEquals(1, withIrp.runs.get());
        nio.close(socket);
    }

    @Test
    void addressListQueryRequiresPassiveLevel() {
        WskSocket socket = nio.createConnectionSocket(AF_INET6);
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            VerifierError error = assertThrows(VerifierError.class, () -> socket.dispatch().wskControlSocket(socket,
                    WskControlSocketType.WskIoctl, SIO_ADDRESS_LIST_QUERY, 0, 0, null, 0, null, new Ref<>(), null));
            assertEquals(VerifierRule.IRQL_NOT_PASSIVE, error.rule());
        } finally {
            Ke.lowerIrql(old);
        }
        wsk.ioManager().verifier().clearViolations();
        nio.close(socket);
    }

    @Test
    void addressListChangePendsUntilCancelledOrClosed() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_INVALID_PARAMETER, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_ADDRESS_LIST_CHANGE, 0, 0, null, 0, null, null, null), "an IRP is required");
        Completion cancelled = new Completion();
        assertEquals(STATUS_PENDING, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_ADDRESS_LIST_CHANGE, 0, 0, null, 0, null, null, cancelled.irp));
        executor.runPending();
        assertFalse(cancelled.done());
        assertTrue(Io.cancelIrp(cancelled.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, cancelled.status);
        Completion closed = new Completion();
        socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl, SIO_ADDRESS_LIST_CHANGE, 0, 0, null, 0,
                null, null, closed.irp);
        nio.close(socket);
        assertEquals(STATUS_CANCELLED, closed.status, "closing the socket cancels it");
    }

    @Test
    void unsupportedAndUnknownIoctls() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        assertEquals(STATUS_NOT_SUPPORTED, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_REGISTER_EXTENSION, 0, 0, null, 0, null, null, null));
        Completion silent = new Completion();
        assertEquals(STATUS_NOT_SUPPORTED, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_SET_TCP_SILENT_MODE, 0, 0, null, 0, null, null, silent.irp));
        Completion unknown = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_REQUEST, socket.dispatch().wskControlSocket(socket,
                WskControlSocketType.WskIoctl, 0x12345678, 0, 0, null, 0, null, null, unknown.irp));
        assertEquals(STATUS_INVALID_DEVICE_REQUEST, unknown.status);
        nio.close(socket);
    }
}
