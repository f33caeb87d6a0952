package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** Conditional accept: WskAbortEvent for a held request the peer resets; early data is kept for the socket. */
@WskTest(transport = WskTransport.NIO)
class ConditionalAcceptAbortTest {

    private ManualCompletionExecutor executor;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi) {
        this.executor = wsk.manualExecutor();
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    private final List<WskInspectId> inspected = new CopyOnWriteArrayList<>();
    private final List<WskInspectId> aborted = new CopyOnWriteArrayList<>();
    private final List<Irql> abortIrql = new CopyOnWriteArrayList<>();

    private WskSocket pendingListener() {
        Completion created = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, "listener",
                new WskClientListenDispatch(null, (context, local, remote, id) -> {
                    inspected.add(id);
                    return WskInspectAction.WskInspectPend;
                }, (context, id) -> {
                    aborted.add(id);
                    abortIrql.add(Ke.getCurrentIrql());
                    return STATUS_SUCCESS;
                }), null, null, null, created.irp);
        executor.runPending();
        WskSocket listener = created.socket();
        Completion option = new Completion();
        listener.dispatch().wskControlSocket(listener, WskControlSocketType.WskSetOption, SO_CONDITIONAL_ACCEPT,
                SOL_SOCKET, 4, 1, 0, null, null, option.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, option.status);
        Completion bound = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.loopback(0), 0, bound.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, bound.status);
        return listener;
    }

    private int port(WskSocket listener) {
        SockAddrIn local = new SockAddrIn();
        Completion c = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskGetLocalAddress(listener, local, c.irp);
        executor.runPending();
        return local.port();
    }

    private NtStatus inspectComplete(WskSocket listener, WskInspectId id, WskInspectAction action) {
        Completion c = new Completion();
        NtStatus returned = ((WskProviderListenDispatch) listener.dispatch()).wskInspectComplete(listener, id, action, c.irp);
        executor.runPending();
        return returned == STATUS_PENDING ? c.status : returned;
    }

    @Test
    void aHeldRequestResetByThePeerIsReportedWithWskAbortEvent() throws IOException {
        WskSocket listener = pendingListener();
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port(listener)), 10_000);
            assertTrue(executor.runUntil(() -> inspected.size() == 1, WAIT));
            client.setSoLinger(true, 0);
            client.close();
            assertTrue(executor.runUntil(() -> aborted.size() == 1, WAIT), "WskAbortEvent for the dropped request");
            assertEquals(inspected.get(0), aborted.get(0), "identified by the same WSK_INSPECT_ID contents");
            assertEquals(Irql.DISPATCH_LEVEL, abortIrql.get(0));
            assertEquals(STATUS_INVALID_PARAMETER, inspectComplete(listener, inspected.get(0),
                    WskInspectAction.WskInspectAccept), "the request no longer exists");
        }
        nio.close(listener);
    }

    @Test
    void dataSentWhileTheRequestIsHeldReachesTheAcceptedSocket() throws IOException {
        WskSocket listener = pendingListener();
        try (Socket client = new Socket()) {
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port(listener)), 10_000);
            assertTrue(executor.runUntil(() -> inspected.size() == 1, WAIT));
            client.getOutputStream().write("early bytes".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            client.shutdownOutput();
            executor.runUntil(() -> false, java.time.Duration.ofMillis(100)); // let the held connection be read
            assertEquals(STATUS_SUCCESS, inspectComplete(listener, inspected.get(0), WskInspectAction.WskInspectAccept));
            Completion accepted = new Completion();
            ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null, accepted.irp);
            nio.await(accepted);
            assertEquals(STATUS_SUCCESS, accepted.status);
            WskSocket socket = accepted.socket();
            ByteBuffer memory = ByteBuffer.allocate(64);
            WskBuf buffer = new WskBuf(Io.allocateMdl(memory, 0, 64), 0, 64);
            Completion received = new Completion();
            connection(socket).wskReceive(socket, buffer, WSK_FLAG_WAITALL, received.irp);
            nio.await(received);
            assertEquals(11, received.information, "nothing read while the request was held is lost");
            assertEquals("early bytes", new String(memory.array(), 0, 11, StandardCharsets.US_ASCII));
            Completion eof = new Completion();
            connection(socket).wskReceive(socket, buffer, 0, eof.irp);
            nio.await(eof);
            assertEquals(STATUS_SUCCESS, eof.status);
            assertEquals(0, eof.information, "the early FIN is a graceful close, not an abort");
            assertTrue(aborted.isEmpty());
            nio.close(socket);
        }
        nio.close(listener);
    }
}
