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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;

/** Verifier rules at the WSK boundary: NPI use after release, release imbalance, retained indications, blocking. */
@WskTest(transport = WskTransport.NIO)
class VerifierWskRulesTest {

    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private WskRegistration registration;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi, WskRegistration registration) {
        this.wsk = wsk;
        this.executor = wsk.manualExecutor();
        this.registration = registration;
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    @Test
    void providerDispatchAfterReleaseIsReportedBeforeTheIrpIsAccepted() {
        wsk.wskReleaseProviderNpi(registration);
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (d, i, c) -> STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
        VerifierError error = assertThrows(VerifierError.class, () -> npi.dispatch().wskSocket(npi.client(), AF_INET,
                SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));
        assertEquals(VerifierRule.NPI_USED_AFTER_RELEASE, error.rule());
        assertTrue(error.getMessage().contains("WskSocket"));
        assertFalse(irp.isInFlight(), "the IRP stays with the driver");
        Io.freeIrp(irp);
        wsk.ioManager().verifier().clearViolations();
    }

    @Test
    void deregisterFromACompletionRoutineRunInsideACallIsReported() {
        Verifier verifier = wsk.ioManager().verifier();
        verifier.setMode(VerifierRule.IRQL_NOT_PASSIVE, Verifier.Mode.OFF); // isolate the rule under test
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, completed, context) -> {
            Io.freeIrp(completed);
            wsk.wskDeregister(registration); // inside WskSend, which failed at once and runs this routine inline
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        assertEquals(STATUS_NOT_SUPPORTED, connection(socket).wskSend(socket, new WskBuf(null, 0, 0), 0x8000, irp));
        assertEquals(List.of(VerifierRule.DEREGISTER_INSIDE_CALL),
                verifier.violations().stream().map(v -> v.rule()).toList());
        assertTrue(registration.isActive(), "in mode FAIL the deregistration did not start");
        assertEquals(1, wsk.ioManager().routineFailures().size(), "the error surfaced from the routine");
        assertTrue(wsk.ioManager().routineFailures().get(0) instanceof VerifierError);
        verifier.clearViolations();
        wsk.ioManager().clearRoutineFailures();
        nio.close(socket);
    }

    @Test
    void releaseWithoutCaptureIsReported() {
        wsk.wskReleaseProviderNpi(registration);
        VerifierError error = assertThrows(VerifierError.class, () -> wsk.wskReleaseProviderNpi(registration));
        assertEquals(VerifierRule.NPI_RELEASE_IMBALANCE, error.rule());
        assertEquals(0, registration.captureCount());
        wsk.ioManager().verifier().clearViolations();
    }

    @Test
    void closingWithRetainedIndicationsIsReportedAndTheSocketStaysOpen() throws IOException {
        List<WskDataIndication> kept = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Completion created = new Completion();
            npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                    new WskClientConnectionDispatch((context, flags, indication, bytes, accepted) -> {
                        kept.add(indication);
                        return STATUS_PENDING;
                    }, null, null), null, null, null, created.irp);
            executor.runPending();
            WskSocket socket = created.socket();
            assertEquals(STATUS_SUCCESS, nio.bind(socket, SockAddrIn.any(0)));
            assertEquals(STATUS_SUCCESS, nio.connect(socket, SockAddrIn.loopback(server.getLocalPort())));
            try (Socket peer = server.accept()) {
                socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK,
                        SOL_SOCKET, WskEventCallbackControl.SIZE,
                        new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_RECEIVE), 0, null, null, null);
                OutputStream out = peer.getOutputStream();
                out.write(new byte[] {1, 2, 3});
                out.flush();
                assertTrue(executor.runUntil(() -> !kept.isEmpty(), WAIT));
                Irp closeIrp = Io.allocateIrp(1, false);
                Io.setCompletionRoutine(closeIrp, (d, i, c) -> STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
                VerifierError error = assertThrows(VerifierError.class,
                        () -> socket.dispatch().wskCloseSocket(socket, closeIrp));
                assertEquals(VerifierRule.INDICATION_NOT_RELEASED, error.rule());
                assertFalse(closeIrp.isInFlight(), "the close IRP was not accepted");
                Io.freeIrp(closeIrp);
                wsk.ioManager().verifier().clearViolations();
                assertEquals(STATUS_SUCCESS, connection(socket).wskRelease(socket, kept.get(0)));
                nio.close(socket);
            }
        }
    }

    @Test
    void aWaitAtDispatchLevelThatCannotEndIsReportedInsteadOfHanging() {
        Verifier verifier = wsk.ioManager().verifier();
        verifier.setMode(VerifierRule.IRQL_NOT_PASSIVE, Verifier.Mode.LOG);
        verifier.setMode(VerifierRule.CALLBACK_BLOCKED, Verifier.Mode.LOG);
        verifier.setBlockingWaitLimit(Duration.ofMillis(50));
        KEvent never = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            assertEquals(STATUS_TIMEOUT, never.waitFor(null), "an infinite wait at DISPATCH_LEVEL is cut short");
        } finally {
            Ke.lowerIrql(old);
        }
        List<VerifierRule> rules = verifier.violations().stream().map(v -> v.rule()).toList();
        assertEquals(List.of(VerifierRule.IRQL_NOT_PASSIVE, VerifierRule.CALLBACK_BLOCKED), rules);
        verifier.clearViolations();
        assertThrows(IllegalArgumentException.class, () -> verifier.setBlockingWaitLimit(Duration.ZERO));
    }

    @Test
    void aCompletionRoutineWaitingForItsOwnExecutorIsDetected() {
        Verifier verifier = wsk.ioManager().verifier();
        verifier.setMode(VerifierRule.IRQL_NOT_PASSIVE, Verifier.Mode.OFF);
        verifier.setMode(VerifierRule.CALLBACK_BLOCKED, Verifier.Mode.LOG);
        verifier.setBlockingWaitLimit(Duration.ofMillis(50));
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        KEvent secondDone = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        List<Object> seen = new ArrayList<>();
        Irp first = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(first, (device, irp, context) -> {
            // The classic deadlock: wait, inside a completion routine, for another IRP of the same executor.
            Irp second = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(second, (d, i, c) -> {
                secondDone.set();
                Io.freeIrp(i);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            connection(socket).wskGetLocalAddress(socket, new SockAddrIn(), second);
            seen.add(secondDone.waitFor(null));
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        connection(socket).wskBind(socket, SockAddrIn.any(0), 0, first);
        executor.runPending();
        assertEquals(List.of(STATUS_TIMEOUT), seen);
        // The blocked-wait report, whatever else came first: on a loaded machine the watchdog may report the routine's
        // long run before the wait gives up.
        assertTrue(verifier.violations().stream().anyMatch(v -> v.rule() == VerifierRule.CALLBACK_BLOCKED),
                () -> "no CALLBACK_BLOCKED among " + verifier.violations());
        verifier.clearViolations();
        nio.close(socket);
    }

    private List<Boolean> lowResourcesPattern(long seed) {
        wsk.ioManager().setLowResourcesSimulation(0.4, seed);
        List<Boolean> failed = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Irp irp = Io.allocateIrp(1, false);
            if (irp == null) {
                failed.add(true); // the driver's STATUS_INSUFFICIENT_RESOURCES branch
                continue;
            }
            Io.setCompletionRoutine(irp, (d, i2, c) -> STATUS_MORE_PROCESSING_REQUIRED, null, true, true, true);
            NtStatus status = npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
            executor.runPending();
            if (status == STATUS_INSUFFICIENT_RESOURCES) {
                failed.add(true);
            } else {
                failed.add(false);
                assertEquals(STATUS_SUCCESS, irp.ioStatus().status());
                WskSocket socket = irp.ioStatus().information(WskSocket.class);
                wsk.ioManager().setLowResourcesSimulation(0, 0);
                nio.close(socket);
                wsk.ioManager().setLowResourcesSimulation(0.4, seed + 1000 + i); // keep failures flowing
            }
            Io.freeIrp(irp);
        }
        wsk.ioManager().setLowResourcesSimulation(0, 0);
        return failed;
    }

    @Test
    void lowResourcesSimulationFailsIrpAllocationsAndSocketCreationsDeterministically() {
        List<Boolean> first = lowResourcesPattern(42);
        List<Boolean> second = lowResourcesPattern(42);
        assertEquals(first, second, "same seed, same failures");
        assertTrue(first.contains(true) && first.contains(false), first.toString());
        wsk.ioManager().setLowResourcesSimulation(1.0, 7);
        assertNull(Io.allocateIrp(1, false), "every IRP allocation fails at 1.0");
        wsk.ioManager().setLowResourcesSimulation(0, 0);
        Completion c = new Completion();
        wsk.ioManager().setLowResourcesSimulation(1.0, 7);
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM,
                IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, c.irp));
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, c.status, "the IRP completed with it");
        wsk.ioManager().setLowResourcesSimulation(0, 0);
        assertEquals(0, registration.openSocketCount());
        assertThrows(IllegalArgumentException.class, () -> wsk.ioManager().setLowResourcesSimulation(1.5, 1));
    }
}
