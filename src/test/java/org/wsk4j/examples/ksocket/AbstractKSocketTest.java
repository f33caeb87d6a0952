package org.wsk4j.examples.ksocket;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.Wsk;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.IrpAllocationPolicy;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.KStartRoutine;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Kernel;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Zw;

/**
 * KSOCKET, called straight from JUnit test methods: each test method is a driver thread at PASSIVE_LEVEL that makes
 * KSOCKET's blocking calls itself, and starts more driver threads with {@code PsCreateSystemThread} where the C would
 * (a server, a thread whose call gets cancelled). The same tests run on both transports: {@link KSocketTest} (the
 * simulated network) and {@link KSocketNioTest} (real loopback sockets). The extension fails a test that leaks an
 * IRP, a socket, a registration or a driver thread.
 */
abstract class AbstractKSocketTest {

    static final byte[] HELLO = "hello, kernel".getBytes(StandardCharsets.US_ASCII);

    /** ksocket.c's globals, one "driver image" per test. */
    final KSocket ks = new KSocket();

    @BeforeEach
    void ksInitialize() {
        assertEquals(STATUS_SUCCESS, ks.ksInitialize()); // WskRegister on the test's subsystem
    }

    @AfterEach
    void ksDestroy() {
        if (ks.wskRegistration.openSocketCount() == 0) {
            ks.ksDestroy(); // WskDeregister: blocks until every socket is closed
        } else {
            // A failed test left sockets open: KsDestroy would wait for ever. Release the NPI only; the extension
            // reports the open sockets and the registration.
            Wsk.wskReleaseProviderNpi(ks.wskRegistration);
        }
    }

    // ---- driver idioms: a system thread and waiting for it at unload ------------------------------------------

    /** PsCreateSystemThread + ObReferenceObjectByHandle + ZwClose: the thread object to wait for later. */
    static Object psCreateSystemThread(KStartRoutine startRoutine, Object startContext) {
        Ref<Handle> threadHandle = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ps.createSystemThread(threadHandle, Ps.THREAD_ALL_ACCESS, null, null, null,
                startRoutine, startContext));
        Ref<Object> thread = new Ref<>();
        assertEquals(STATUS_SUCCESS, Ob.referenceObjectByHandle(threadHandle.get(), Ps.THREAD_ALL_ACCESS,
                Ps.PsThreadType, KernelMode, thread, null));
        Zw.close(threadHandle.get());
        return thread.get();
    }

    /** KeWaitForSingleObject on the thread object, then ObDereferenceObject. */
    static void waitForThread(Object thread) {
        assertEquals(STATUS_SUCCESS, Ke.waitForSingleObject(thread, Executive, KernelMode, false, null));
        Ob.dereferenceObject(thread);
    }

    /** A KSOCKET listen socket bound to 127.0.0.1 on a port the stack chooses. */
    KSocket.Socket listenSocket() {
        Ref<KSocket.Socket> listen = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateListenSocket(listen, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksBind(listen.get(), SockAddrIn.loopback(0)));
        return listen.get();
    }

    static int port(KSocket ks, KSocket.Socket socket) {
        SockAddrIn local = new SockAddrIn();
        assertEquals(STATUS_SUCCESS, ks.ksGetLocalAddress(socket, local));
        return local.port();
    }

    /**
     * A KSOCKET echo server for one connection, the body of a system thread: KsAccept, then KsRecv / KsSend until the
     * peer closes (0 bytes) or a call fails, then KsCloseSocket.
     */
    static final class EchoServerThread {
        final KSocket ks;
        final KSocket.Socket listen;
        volatile NtStatus acceptStatus;
        volatile NtStatus lastStatus;
        volatile long bytesEchoed;

        EchoServerThread(KSocket ks, KSocket.Socket listen) {
            this.ks = ks;
            this.listen = listen;
        }

        void run(Object startContext) {
            Ref<KSocket.Socket> accepted = new Ref<>();
            acceptStatus = ks.ksAccept(listen, accepted, null, null);
            if (!acceptStatus.isSuccess()) {
                return;
            }
            byte[] buffer = new byte[1024];
            NtStatus status;
            while (true) {
                Ref<Integer> length = new Ref<>(buffer.length);
                status = ks.ksRecv(accepted.get(), buffer, length, 0);
                if (!status.isSuccess() || length.get() == 0) {
                    break;
                }
                status = ks.ksSend(accepted.get(), buffer, length, 0);
                if (!status.isSuccess()) {
                    break;
                }
                bytesEchoed += length.get();
            }
            lastStatus = status;
            ks.ksCloseSocket(accepted.get());
        }
    }

    /** KsRecv until {@code expected} bytes arrived; returns them. */
    byte[] receive(KSocket.Socket socket, int expected) {
        byte[] all = new byte[expected];
        int received = 0;
        while (received < expected) {
            byte[] buffer = new byte[expected - received];
            Ref<Integer> length = new Ref<>(buffer.length);
            assertEquals(STATUS_SUCCESS, ks.ksRecv(socket, buffer, length, 0));
            assertTrue(length.get() > 0, "the server closed early");
            System.arraycopy(buffer, 0, all, received, length.get());
            received += length.get();
        }
        return all;
    }

    // ---- the tests ----------------------------------------------------------------------------------------------

    @Test
    void connectSendAndReceiveAgainstAKsocketServerThread() {
        KSocket.Socket listen = listenSocket();
        int port = port(ks, listen);
        EchoServerThread server = new EchoServerThread(ks, listen);
        Object serverThread = psCreateSystemThread(server::run, null);

        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksConnect(client.get(), SockAddrIn.loopback(port)));
        for (int round = 0; round < 5; round++) {
            byte[] message = ("round " + round + " " + "x".repeat(round * 200)).getBytes(StandardCharsets.US_ASCII);
            Ref<Integer> length = new Ref<>(message.length);
            assertEquals(STATUS_SUCCESS, ks.ksSend(client.get(), message, length, 0));
            assertEquals(message.length, length.get());
            assertArrayEquals(message, receive(client.get(), message.length));
        }
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get())); // the server's KsRecv sees 0 bytes or a reset

        waitForThread(serverThread);
        assertEquals(STATUS_SUCCESS, server.acceptStatus);
        assertEquals(5 * 8 + 200 * 10, server.bytesEchoed);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen));
    }

    @Test
    void berkeleySocketsEchoThroughGetaddrinfo() {
        Berkeley berkeley = new Berkeley(ks);
        int listenFd = berkeley.socket_listen(AF_INET, SOCK_STREAM, 0);
        assertTrue(listenFd >= 0);
        assertEquals(0, berkeley.bind(listenFd, SockAddrIn.loopback(0), SockAddrIn.SIZE));
        assertEquals(0, berkeley.listen(listenFd, 1));
        int port = port(ks, berkeley.ksArray[listenFd]);

        // The server: accept one connection and echo one message, in berkeley.c's API, on a system thread.
        int[] serverResult = new int[3];
        Object serverThread = psCreateSystemThread(context -> {
            SockAddrIn remote = new SockAddrIn();
            Ref<Integer> addrlen = new Ref<>();
            int fd = berkeley.accept(listenFd, remote, addrlen);
            serverResult[0] = fd;
            byte[] buffer = new byte[100];
            int received = berkeley.recv(fd, buffer, buffer.length, 0);
            serverResult[1] = berkeley.send(fd, buffer, received, 0);
            // berkeley.c has no shutdown(), so closesocket is WskCloseSocket on a connection not disconnected both
            // ways: an abortive close. Closing right after send (which completes once the transport took the bytes)
            // can reset the connection before the client read the echo: the reset discards them. Wait for the
            // client to close first (recv returns 0, or -1 for its own abortive close).
            serverResult[2] = berkeley.recv(fd, buffer, buffer.length, 0);
            berkeley.closesocket(fd);
        }, null);

        // The client resolves "127.0.0.1" with getaddrinfo (WskGetAddressInfo), then connects to the first result.
        Ref<Berkeley.AddrInfo> res = new Ref<>();
        Berkeley.AddrInfo hints = new Berkeley.AddrInfo(0, AF_INET, SOCK_STREAM, IPPROTO_TCP, 0, null, null, null);
        assertEquals(STATUS_SUCCESS.code(), berkeley.getaddrinfo("127.0.0.1", Integer.toString(port), hints, res));
        assertEquals(AF_INET, res.get().ai_family());
        assertEquals(port, res.get().ai_addr().port());
        int fd = berkeley.socket_connection(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assertEquals(0, berkeley.connect(fd, res.get().ai_addr(), res.get().ai_addrlen()));
        berkeley.freeaddrinfo(res.get());
        assertEquals(HELLO.length, berkeley.send(fd, HELLO, HELLO.length, 0));
        byte[] buffer = new byte[100];
        assertEquals(HELLO.length, berkeley.recv(fd, buffer, buffer.length, 0));
        assertArrayEquals(HELLO, Arrays.copyOf(buffer, HELLO.length));
        assertEquals(0, berkeley.closesocket(fd));

        waitForThread(serverThread);
        assertTrue(serverResult[0] >= 0);
        assertEquals(HELLO.length, serverResult[1]);
        assertTrue(serverResult[2] <= 0, "the client closed: " + serverResult[2]);
        assertEquals(0, berkeley.closesocket(listenFd));
    }

    @Test
    void getAddrInfoAnswersLocalhostAndNumericHosts() {
        // KsGetAddrInfo: "localhost" is answered without DNS (::1 then 127.0.0.1, as Windows does), numerics parsed.
        Ref<AddrInfoExW> result = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksGetAddrInfo("localhost", "http", null, result));
        List<String> addresses = new ArrayList<>();
        for (AddrInfoExW entry = result.get(); entry != null; entry = entry.next()) {
            addresses.add(entry.addr().address().getHostAddress() + " " + entry.addr().port());
        }
        ks.ksFreeAddrInfo(result.get());
        assertTrue(addresses.contains("127.0.0.1 80"), addresses.toString());
        assertTrue(addresses.stream().anyMatch(a -> a.startsWith("0:0:0:0:0:0:0:1 ")), addresses.toString());

        assertEquals(STATUS_SUCCESS, ks.ksGetAddrInfo("127.0.0.1", "8080", null, result));
        assertEquals("127.0.0.1", result.get().addr().address().getHostAddress());
        assertEquals(8080, result.get().addr().port());
        assertNull(result.get().next());
        ks.ksFreeAddrInfo(result.get());

        Berkeley berkeley = new Berkeley(ks);
        Ref<Berkeley.AddrInfo> res = new Ref<>();
        assertEquals(STATUS_NOT_FOUND.code(), berkeley.getaddrinfo("nowhere.invalid", null, null, res));
    }

    @Test
    void connectToAClosedPortIsRefused() {
        KSocket.Socket listen = listenSocket();
        int port = port(ks, listen);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen)); // nobody listens there any more

        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_CONNECTION_REFUSED, ks.ksConnect(client.get(), SockAddrIn.loopback(port)));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get()));

        Berkeley berkeley = new Berkeley(ks);
        int fd = berkeley.socket_connection(AF_INET, SOCK_STREAM, IPPROTO_TCP);
        assertEquals(-1, berkeley.connect(fd, SockAddrIn.loopback(port), SockAddrIn.SIZE));
        assertEquals(0, berkeley.closesocket(fd));
    }

    @Test
    void serverClosingMidTransferResetsTheClient() {
        KSocket.Socket listen = listenSocket();
        int port = port(ks, listen);
        int[] received = new int[1];
        Object serverThread = psCreateSystemThread(context -> {
            Ref<KSocket.Socket> accepted = new Ref<>();
            assertEquals(STATUS_SUCCESS, ks.ksAccept(listen, accepted, null, null));
            byte[] buffer = new byte[10];
            Ref<Integer> length = new Ref<>(buffer.length);
            assertEquals(STATUS_SUCCESS, ks.ksRecv(accepted.get(), buffer, length, 0));
            received[0] = length.get();
            // Bytes are still unread: WskCloseSocket is abortive, the peer gets a reset.
            assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(accepted.get()));
        }, null);

        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksConnect(client.get(), SockAddrIn.loopback(port)));
        byte[] payload = new byte[4000];
        Ref<Integer> length = new Ref<>(payload.length);
        assertEquals(STATUS_SUCCESS, ks.ksSend(client.get(), payload, length, 0));
        byte[] buffer = new byte[100];
        Ref<Integer> got = new Ref<>(buffer.length);
        assertEquals(STATUS_CONNECTION_RESET, ks.ksRecv(client.get(), buffer, got, 0));

        waitForThread(serverThread);
        assertTrue(received[0] > 0);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get()));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen));
    }

    @Test
    void cancellingAHangingKsRecvFromAnotherDriverThread(Kernel kernel) {
        KSocket.Socket listen = listenSocket();
        int port = port(ks, listen);
        // The server accepts and then sends nothing until it is released.
        KEvent release = new KEvent();
        Ke.initializeEvent(release, NotificationEvent, false);
        Object serverThread = psCreateSystemThread(context -> {
            Ref<KSocket.Socket> accepted = new Ref<>();
            assertEquals(STATUS_SUCCESS, ks.ksAccept(listen, accepted, null, null));
            Ke.waitForSingleObject(release, Executive, KernelMode, false, null);
            ks.ksCloseSocket(accepted.get());
        }, null);
        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksConnect(client.get(), SockAddrIn.loopback(port)));

        // A driver thread blocks in KsRecv.
        NtStatus[] recvStatus = new NtStatus[1];
        Object receiver = psCreateSystemThread(context -> {
            byte[] buffer = new byte[100];
            recvStatus[0] = ks.ksRecv(client.get(), buffer, new Ref<>(buffer.length), 0);
        }, null);

        // This driver thread (the test method) cancels it: IoCancelIrp on the socket's IRP (Socket->AsyncContext.Irp)
        // once WSK owns it and has made it cancelable (on real sockets the receiver thread gets there in real time).
        assertTrue(kernel.waitUntil(() -> client.get().asyncContext().irp().isInFlight()
                && client.get().asyncContext().irp().cancelRoutine() != null, Duration.ofSeconds(10)),
                "the receive is pending");
        Io.cancelIrp(client.get().asyncContext().irp());
        waitForThread(receiver);
        assertEquals(STATUS_CANCELLED, recvStatus[0]);

        Ke.setEvent(release, Io.IO_NO_INCREMENT, false);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get()));
        waitForThread(serverThread);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen));
    }

    @Test
    void irpAllocationFailureMakesSocketCreationFail(IoManager io) {
        io.setIrpAllocationPolicy(IrpAllocationPolicy.always()); // KspAsyncContextAllocate: IoAllocateIrp returns NULL
        Ref<KSocket.Socket> socket = new Ref<>();
        assertEquals(STATUS_INSUFFICIENT_RESOURCES,
                ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertNull(socket.get());
        Ref<AddrInfoExW> result = new Ref<>();
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, ks.ksGetAddrInfo("127.0.0.1", "80", null, result));
        assertEquals(-1, new Berkeley(ks).socket_connection(AF_INET, SOCK_STREAM, IPPROTO_TCP));

        io.setIrpAllocationPolicy(IrpAllocationPolicy.never());
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(socket.get()));
    }

    @Test
    void lowResourcesSocketCreationFailureLeaksNothing(IoManager io) {
        // Driver Verifier's low-resources simulation for socket creations only: IRPs are still allocated, WskSocket
        // completes with STATUS_INSUFFICIENT_RESOURCES. (The original KsCreateSocket leaked its IRP here; the
        // extension's leak check would name it.)
        io.setLowResourcesSimulation(1.0, 42);
        io.setIrpAllocationPolicy(IrpAllocationPolicy.never());
        Ref<KSocket.Socket> socket = new Ref<>();
        for (int i = 0; i < 3; i++) {
            assertEquals(STATUS_INSUFFICIENT_RESOURCES,
                    ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
            assertEquals(STATUS_INSUFFICIENT_RESOURCES,
                    ks.ksCreateListenSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        }
        assertNull(socket.get());
        assertEquals(0, io.liveIrpCount(), "every KSOCKET_ASYNC_CONTEXT IRP freed");

        io.setLowResourcesSimulation(0, 0);
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(socket, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(socket.get()));
    }

    @Test
    void datagramsThroughSendtoAndRecvfrom() {
        Berkeley berkeley = new Berkeley(ks);
        int a = berkeley.socket_datagram(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        int b = berkeley.socket_datagram(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        assertEquals(0, berkeley.bind(a, SockAddrIn.loopback(0), SockAddrIn.SIZE));
        assertEquals(0, berkeley.bind(b, SockAddrIn.loopback(0), SockAddrIn.SIZE));
        int portA = port(ks, berkeley.ksArray[a]);
        int portB = port(ks, berkeley.ksArray[b]);

        assertEquals(HELLO.length, berkeley.sendto(a, HELLO, HELLO.length, 0, SockAddrIn.loopback(portB),
                SockAddrIn.SIZE));
        byte[] buffer = new byte[100];
        SockAddrIn from = new SockAddrIn();
        Ref<Integer> addrlen = new Ref<>();
        assertEquals(HELLO.length, berkeley.recvfrom(b, buffer, buffer.length, 0, from, addrlen));
        assertArrayEquals(HELLO, Arrays.copyOf(buffer, HELLO.length));
        assertEquals(portA, from.port());
        assertEquals(16, addrlen.get());

        assertEquals(0, berkeley.closesocket(a));
        assertEquals(0, berkeley.closesocket(b));
    }
}
