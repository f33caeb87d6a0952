package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * Test support for the tests whose subsystem runs on a custom transport (a fault-injecting {@link ForwardingTransport}
 * over NIO), which {@code @WskTest} cannot build: a subsystem on that transport with a manual completion executor, a
 * registered client with a captured NPI, the after-test checks, and the {@link NioSockets} helpers. Every other NIO test
 * runs with {@code @WskTest(transport = WskTransport.NIO)}.
 */
abstract class WskTestBase {

    static final Duration WAIT = NioSockets.WAIT;

    WskSubsystem wsk;
    ManualCompletionExecutor executor;
    IoManager.Binding binding;
    WskRegistration registration;
    WskProviderNpi npi;
    NioSockets nio;
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
        nio = new NioSockets(wsk, npi);
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
        return NioSockets.clientNpi(version);
    }

    /** Waits (real time) for a completion driven by the NIO selector thread, running it on this thread. */
    void await(Completion completion) {
        nio.await(completion);
    }

    WskSocket createConnectionSocket(int family) {
        return nio.createConnectionSocket(family);
    }

    static WskProviderConnectionDispatch connection(WskSocket socket) {
        return NioSockets.connection(socket);
    }

    NtStatus bind(WskSocket socket, SockAddr address) {
        return nio.bind(socket, address);
    }

    NtStatus connect(WskSocket socket, SockAddr remote) {
        return nio.connect(socket, remote);
    }

    void close(WskSocket socket) {
        nio.close(socket);
    }

    /** A port on loopback on which nothing listens (bound once, then released). */
    static int closedPort() throws IOException {
        return NioSockets.closedPort();
    }
}
