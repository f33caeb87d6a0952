package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/** The static functions of {@link Wsk} on the shared default subsystem (NIO, threaded executor). */
class DefaultSubsystemTest {

    @Test
    void staticDefaultsConnectOnLoopback() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wskRegister(WskTestBase.clientNpi(MAKE_WSK_VERSION(1, 0)), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi));
            WskProviderCharacteristics characteristics = new WskProviderCharacteristics();
            assertEquals(STATUS_SUCCESS, wskQueryProviderCharacteristics(registration, characteristics));
            assertSame(WskSubsystem.defaultSubsystem(), WskSubsystem.of(registration));

            Completion c = new Completion();
            npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                    SockAddrIn.loopback(server.getLocalPort()), 0, null, null, null, null, null, c.irp);
            assertEquals(STATUS_SUCCESS, c.signaled.waitFor(Duration.ofSeconds(10)));
            assertEquals(STATUS_SUCCESS, c.status);
            Completion closed = new Completion();
            c.socket().dispatch().wskCloseSocket(c.socket(), closed.irp);
            assertEquals(STATUS_SUCCESS, closed.signaled.waitFor(Duration.ofSeconds(10)));
            wskReleaseProviderNpi(registration);
            wskDeregister(registration);
            assertThrows(IllegalStateException.class, () -> WskSubsystem.defaultSubsystem().close());
        }
    }

    @Test
    void demoRunsTheCanonicalFlow() throws Exception {
        PrintStream original = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            // The demo is compiled outside the library (src/demo/java -> target/demo-classes, on the test class path
            // through Surefire's additionalClasspathElements), so it is reached by name.
            Class.forName("org.wsk4j.demo.WskDemo").getMethod("main", String[].class)
                    .invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(output.contains("WskConnect completed               -> STATUS_SUCCESS (0x00000000)"), output);
        assertTrue(output.contains("WskDeregister returned"), output);
    }
}
