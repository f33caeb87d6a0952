package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * Test support: a subsystem on real loopback sockets with a manual completion executor, a registered
 * client with a captured NPI, and helpers to create sockets and drive completions.
 */
abstract class WskTestBase {

    static final Duration WAIT = Duration.ofSeconds(10);

    WskSubsystem wsk;
    ManualCompletionExecutor executor;
    IoManager.Binding binding;
    WskRegistration registration;
    WskProviderNpi npi;
    /** Receives the test's violations and routine failures instead of the ERROR log. */
    final org.wsk4j.nt.VerifierSink.Recording sink = org.wsk4j.nt.VerifierSink.recording();

    /** The transport to run on; null for the default (NIO). Fault-injecting tests override it. */
    org.wsk4j.spi.Transport transport() {
        return null;
    }

    @BeforeEach
    void startSubsystem() {
        org.wsk4j.spi.Transport transport = transport();
        WskSubsystem.Builder builder = WskSubsystem.builder().manualExecutor();
        wsk = (transport == null ? builder : builder.transport(transport)).build();
        wsk.ioManager().verifier().setSink(sink); // violations are asserted (stopSubsystem, assertReported), not logged
        executor = wsk.manualExecutor();
        binding = wsk.bindToCurrentThread();
        registration = new WskRegistration();
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(MAKE_WSK_VERSION(1, 0)), registration));
        npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
    }

    @AfterEach
    void stopSubsystem() {
        try {
            executor.runPending();
            if (registration.isActive()) {
                while (registration.captureCount() > 0) {
                    wsk.wskReleaseProviderNpi(registration);
                }
                assertEquals(0, registration.openSocketCount(), "sockets left open by the test");
                wsk.wskDeregister(registration);
            }
            assertEquals(0, wsk.ioManager().liveIrpCount(), "IRPs leaked: " + wsk.ioManager().liveIrps());
            assertTrue(wsk.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + wsk.ioManager().verifier().violations());
            assertTrue(wsk.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + wsk.ioManager().routineFailures());
        } finally {
            binding.close();
            wsk.close();
        }
    }

    static WskClientNpi clientNpi(int version) {
        return new WskClientNpi(null, new WskClientDispatch(version, 0, null));
    }

    /** Waits (real time) for a completion driven by the NIO selector thread, running it on this thread. */
    void await(Completion completion) {
        assertTrue(executor.runUntil(completion::done, WAIT), "completion did not arrive within " + WAIT);
    }

    WskSocket createConnectionSocket(int family) {
        Completion c = new Completion();
        NtStatus status = npi.dispatch().wskSocket(npi.client(), family, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, c.irp);
        assertEquals(STATUS_PENDING, status);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return c.socket();
    }

    static WskProviderConnectionDispatch connection(WskSocket socket) {
        return (WskProviderConnectionDispatch) socket.dispatch();
    }

    NtStatus bind(WskSocket socket, SockAddr address) {
        Completion c = new Completion();
        connection(socket).wskBind(socket, address, 0, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        return c.status;
    }

    NtStatus connect(WskSocket socket, SockAddr remote) {
        Completion c = new Completion();
        connection(socket).wskConnect(socket, remote, 0, c.irp);
        await(c);
        return c.status;
    }

    void close(WskSocket socket) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(1, c.runs.get());
    }

    /**
     * Puts a verifier rule in mode LOG: for tests of the status a WSK function gives when a driver that broke the
     * rule keeps going (in mode FAIL the call would throw before accepting the IRP).
     */
    void logOnly(org.wsk4j.nt.VerifierRule rule) {
        wsk.ioManager().verifier().setMode(rule, org.wsk4j.nt.Verifier.Mode.LOG);
    }

    /** Asserts that exactly {@code count} violations were recorded, all of {@code rule}, and forgets them. */
    void assertLogged(int count, org.wsk4j.nt.VerifierRule rule) {
        java.util.List<org.wsk4j.nt.VerifierReport> reports = wsk.ioManager().verifier().violations();
        assertEquals(count, reports.size(), reports::toString);
        assertTrue(reports.stream().allMatch(report -> report.rule() == rule), reports::toString);
        wsk.ioManager().verifier().clearViolations();
    }

    /** A port on loopback on which nothing listens (bound once, then released). */
    static int closedPort() throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            return probe.getLocalPort();
        }
    }
}
