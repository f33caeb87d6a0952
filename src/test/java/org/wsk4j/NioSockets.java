package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;

/**
 * Test support for classes run with {@code @WskTest(transport = WskTransport.NIO)}: helpers that create sockets and
 * drive completions on real loopback sockets, built in a {@code @BeforeEach} from the subsystem and provider NPI the
 * extension injects ({@code nio = new NioSockets(wsk, npi)}). The extension does the set-up and the after-test checks.
 */
final class NioSockets {

    /** The longest a test waits (real time) for a completion driven by the NIO selector thread. */
    static final Duration WAIT = Duration.ofSeconds(10);

    final WskSubsystem wsk;
    final ManualCompletionExecutor executor;
    final WskProviderNpi npi;

    NioSockets(WskSubsystem wsk, WskProviderNpi npi) {
        this.wsk = wsk;
        this.executor = wsk.manualExecutor();
        this.npi = npi;
    }

    static WskClientNpi clientNpi(int version) {
        return new WskClientNpi(null, new WskClientDispatch(version, 0, null));
    }

    static WskProviderConnectionDispatch connection(WskSocket socket) {
        return (WskProviderConnectionDispatch) socket.dispatch();
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
     * rule keeps going (in mode FAIL the call would throw before accepting the IRP). The violations are still recorded:
     * assert them with {@link #assertLogged}, or the extension fails the test.
     */
    void logOnly(VerifierRule rule) {
        wsk.ioManager().verifier().setMode(rule, Verifier.Mode.LOG);
    }

    /** Asserts that exactly {@code count} violations were recorded, all of {@code rule}, and forgets them. */
    void assertLogged(int count, VerifierRule rule) {
        List<VerifierReport> reports = wsk.ioManager().verifier().violations();
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
