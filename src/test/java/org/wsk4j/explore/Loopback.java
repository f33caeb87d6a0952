package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.examples.ksocket.KSocket;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KStartRoutine;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Zw;

/**
 * A connected pair of loopback connection sockets for the catalogue's drivers, set up with KSOCKET (blocking calls; the
 * accept on a system thread), plus the raw WSK calls the drivers race with.
 */
final class Loopback {

    final KSocket ks = new KSocket();
    final KSocket.Socket listen;
    final KSocket.Socket client;
    final KSocket.Socket server;

    Loopback() {
        assertEquals(STATUS_SUCCESS, ks.ksInitialize());
        Ref<KSocket.Socket> l = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateListenSocket(l, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksBind(l.get(), SockAddrIn.loopback(0)));
        listen = l.get();
        SockAddrIn local = new SockAddrIn();
        assertEquals(STATUS_SUCCESS, ks.ksGetLocalAddress(listen, local));
        Ref<KSocket.Socket> accepted = new Ref<>();
        Object acceptor = startThread(context -> assertEquals(STATUS_SUCCESS, ks.ksAccept(listen, accepted, null, null)));
        Ref<KSocket.Socket> c = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(c, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksConnect(c.get(), SockAddrIn.loopback(local.port())));
        join(acceptor);
        client = c.get();
        server = accepted.get();
    }

    /** Closes the three sockets and deregisters. */
    void close() {
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(server));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen));
        ks.ksDestroy();
    }

    /** A raw WskReceive of up to {@code bytes} into a fresh buffer on {@code irp}. */
    static org.wsk4j.nt.NtStatus receive(WskSocket socket, int bytes, Irp irp) {
        return ((WskProviderConnectionDispatch) socket.dispatch()).wskReceive(socket,
                new WskBuf(Io.allocateMdl(ByteBuffer.allocate(bytes), 0, bytes), 0, bytes), 0, irp);
    }

    /** A raw WskSend of {@code bytes} on an IRP the routine frees; returns at once (the data leaves now). */
    static void send(WskSocket socket, int bytes) {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> {
            Io.freeIrp(done);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        ((WskProviderConnectionDispatch) socket.dispatch()).wskSend(socket,
                new WskBuf(Io.allocateMdl(ByteBuffer.allocate(bytes), 0, bytes), 0, bytes), 0, irp);
    }

    /** The size of the catalogue's messages: its serialization time is whole 100 ns units (8 ns a byte). */
    static final int BYTES = 25;

    /** How long {@link #BYTES} sent now take to complete a receive already waiting for them, in virtual ns. */
    long measureDelivery(ManualCompletionExecutor executor) {
        long sent = executor.nanoTime();
        send(server.wskSocket(), BYTES);
        byte[] buffer = new byte[BYTES];
        Ref<Integer> length = new Ref<>(BYTES);
        assertEquals(STATUS_SUCCESS, ks.ksRecv(client, buffer, length, 0));
        long delivery = executor.nanoTime() - sent;
        assertTrue(delivery > 0 && delivery % 100 == 0, "delivery " + delivery + " ns: not a whole number of 100 ns");
        return delivery;
    }

    /**
     * WskCloseSocket on an IRP of its own, waiting for it (KSOCKET's KsCloseSocket would reuse the socket's one IRP,
     * which a receive on another thread may own).
     */
    static org.wsk4j.nt.NtStatus closeSocket(WskSocket socket) {
        org.wsk4j.nt.KEvent closed = new org.wsk4j.nt.KEvent(org.wsk4j.nt.KEvent.EventType.NOTIFICATION_EVENT, false);
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> {
            org.wsk4j.nt.Ke.setEvent(closed, Io.IO_NO_INCREMENT, false);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        socket.dispatch().wskCloseSocket(socket, irp);
        waitForSingleObject(closed, Executive, KernelMode, false, null);
        org.wsk4j.nt.NtStatus status = irp.ioStatus().status();
        Io.freeIrp(irp);
        return status;
    }

    /** PsCreateSystemThread, then ObReferenceObjectByHandle and ZwClose: the thread object to wait for. */
    static Object startThread(KStartRoutine routine) {
        Ref<Handle> handle = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, routine,
                null));
        Ref<Object> thread = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ob.referenceObjectByHandle(handle.get(), Ps.THREAD_ALL_ACCESS, Ps.PsThreadType,
                KernelMode, thread, null));
        Zw.close(handle.get());
        return thread.get();
    }

    /** KeWaitForSingleObject on a thread object, then ObDereferenceObject. */
    static void join(Object thread) {
        assertEquals(STATUS_SUCCESS, waitForSingleObject(thread, Executive, KernelMode, false, null));
        Ob.dereferenceObject(thread);
    }
}
