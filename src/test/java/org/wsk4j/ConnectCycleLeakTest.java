package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/** 1,000 sequential connect/close cycles on the threaded executor leak no descriptors, threads or IRPs. */
@EnabledOnOs(OS.LINUX)
class ConnectCycleLeakTest {

    private static long openFds() throws IOException {
        try (var files = Files.list(Path.of("/proc/self/fd"))) {
            return files.count();
        }
    }

    @Test
    void thousandCyclesLeakNothing() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket accepted = server.accept()) {
                        accepted.getInputStream().read(); // hold the connection until the client resets it
                    } catch (java.net.SocketException reset) {
                        // the client's abortive close: expected
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "test-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            runCycles(server.getLocalPort(), 50); // warm-up: lazily started JDK machinery
            long fdsBefore = openFds();
            int threadsBefore = Thread.activeCount();
            runCycles(server.getLocalPort(), 1000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (openFds() > fdsBefore + 2 && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // descriptors of closed channels are freed by the next selector round
            }
            assertTrue(openFds() <= fdsBefore + 2, "descriptors before " + fdsBefore + ", after " + openFds());
            assertTrue(Thread.activeCount() <= threadsBefore, "threads before " + threadsBefore + ", after "
                    + Thread.activeCount());
        }
    }

    private static void runCycles(int port, int cycles) {
        int threadsAtStart = Thread.activeCount();
        try (WskSubsystem wsk = WskSubsystem.builder().build(); IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi));
            for (int i = 0; i < cycles; i++) {
                Completion connect = new Completion();
                KEvent connected = connect.signaled;
                npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                        SockAddrIn.loopback(port), 0, null, null, null, null, null, connect.irp);
                assertEquals(STATUS_SUCCESS, connected.waitFor(java.time.Duration.ofSeconds(10)));
                assertEquals(STATUS_SUCCESS, connect.status, "cycle " + i);
                WskSocket socket = connect.socket();
                Completion close = new Completion();
                KEvent closed = close.signaled;
                socket.dispatch().wskCloseSocket(socket, close.irp);
                assertEquals(STATUS_SUCCESS, closed.waitFor(java.time.Duration.ofSeconds(10)));
            }
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
            assertEquals(0, wsk.ioManager().liveIrpCount());
            assertEquals(cycles * 2L, wsk.ioManager().statistics().freed());
        }
        assertTrue(Thread.activeCount() <= threadsAtStart + 1, "subsystem threads stopped at close");
    }
}
