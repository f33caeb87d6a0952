package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.NtStatus;

/** WskRegister, WskCaptureProviderNPI, WskReleaseProviderNPI, WskQueryProviderCharacteristics, WskDeregister. */
class RegistrationTest {

    private WskSubsystem wsk;

    @AfterEach
    void closeSubsystem() {
        if (wsk != null) {
            wsk.close();
        }
    }

    private WskRegistration register(int version) {
        WskRegistration registration = new WskRegistration();
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(version), registration));
        return registration;
    }

    @Test
    void captureReleaseDeregister() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
        WskProviderNpi npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        assertNotNull(npi.client());
        assertEquals(0x0100, npi.dispatch().version());
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, new WskProviderNpi()));
        assertEquals(2, registration.captureCount());
        WskProviderCharacteristics characteristics = new WskProviderCharacteristics();
        assertEquals(STATUS_SUCCESS, wsk.wskQueryProviderCharacteristics(registration, characteristics));
        assertEquals(0x0100, characteristics.highestVersion());
        assertEquals(0x0100, characteristics.lowestVersion());
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        assertEquals(STATUS_DEVICE_NOT_READY, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, new WskProviderNpi()));
        assertEquals(STATUS_DEVICE_NOT_READY, wsk.wskQueryProviderCharacteristics(registration, characteristics));
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(MAKE_WSK_VERSION(1, 0)), registration),
                "a block can be registered again after deregistration");
        wsk.wskDeregister(registration);
    }

    @Test
    void registerArgumentErrors() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        WskRegistration registration = new WskRegistration();
        assertEquals(STATUS_INVALID_PARAMETER, wsk.wskRegister(null, registration));
        assertEquals(STATUS_INVALID_PARAMETER, wsk.wskRegister(new WskClientNpi(null, null), registration));
        assertEquals(STATUS_INVALID_PARAMETER, wsk.wskRegister(
                new WskClientNpi(null, new WskClientDispatch(0x0100, 1, null)), registration), "Reserved must be 0");
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration));
        assertEquals(STATUS_INVALID_PARAMETER, wsk.wskRegister(WskTestBase.clientNpi(0x0100), registration),
                "each registration needs its own block");
        assertEquals(STATUS_INVALID_PARAMETER, wsk.wskCaptureProviderNpi(new WskRegistration(), WSK_NO_WAIT,
                new WskProviderNpi()), "not registered");
        wsk.wskDeregister(registration);
    }

    @Test
    void unsupportedVersionIsNoInterface() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        for (int version : new int[] {MAKE_WSK_VERSION(2, 0), MAKE_WSK_VERSION(1, 5), MAKE_WSK_VERSION(0, 9)}) {
            WskRegistration registration = register(version);
            assertEquals(STATUS_NOINTERFACE, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, new WskProviderNpi()));
            WskProviderCharacteristics characteristics = new WskProviderCharacteristics();
            assertEquals(STATUS_SUCCESS, wsk.wskQueryProviderCharacteristics(registration, characteristics));
            assertEquals(0x0100, characteristics.highestVersion());
            wsk.wskDeregister(registration);
        }
    }

    @Test
    void captureWaitsForTheProviderAsAsked() throws Exception {
        wsk = WskSubsystem.builder().manualExecutor().providerReady(false).build();
        WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
        assertEquals(STATUS_DEVICE_NOT_READY, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, new WskProviderNpi()));
        assertEquals(STATUS_DEVICE_NOT_READY, wsk.wskCaptureProviderNpi(registration, 20, new WskProviderNpi()),
                "a 20 ms wait times out");
        CompletableFuture<NtStatus> waiter = CompletableFuture.supplyAsync(
                () -> wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, new WskProviderNpi()));
        wsk.setProviderReady(true);
        assertEquals(STATUS_SUCCESS, waiter.get(10, TimeUnit.SECONDS));
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
    }

    @Test
    void deregisterReleasesBlockedCaptures() throws Exception {
        wsk = WskSubsystem.builder().manualExecutor().providerReady(false).build();
        WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
        CompletableFuture<NtStatus> waiter = CompletableFuture.supplyAsync(
                () -> wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, new WskProviderNpi()));
        wsk.wskDeregister(registration); // no capture succeeded, so this returns at once
        assertEquals(STATUS_DEVICE_NOT_READY, waiter.get(10, TimeUnit.SECONDS));
    }

    @Test
    void deregisterWaitsForOpenSocketAndCapture() throws Exception {
        wsk = WskSubsystem.builder().manualExecutor().build();
        WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
        WskProviderNpi npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        Completion created = new Completion();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                null, null, null, null, created.irp);
        wsk.manualExecutor().runPending();
        WskSocket socket = created.socket();
        wsk.wskReleaseProviderNpi(registration);

        CompletableFuture<Void> deregister = CompletableFuture.runAsync(() -> wsk.wskDeregister(registration));
        while (!registration.isDeregistering() && !deregister.isDone()) {
            Thread.onSpinWait();
        }
        assertFalse(deregister.isDone(), "WskDeregister must wait for the open socket");
        assertEquals(STATUS_DEVICE_NOT_READY, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, new WskProviderNpi()));
        assertThrows(java.util.concurrent.TimeoutException.class, () -> deregister.get(200, TimeUnit.MILLISECONDS),
                "still blocked while the socket is open");

        Completion closed = new Completion();
        socket.dispatch().wskCloseSocket(socket, closed.irp);
        wsk.manualExecutor().runPending();
        assertEquals(STATUS_SUCCESS, closed.status);
        deregister.get(10, TimeUnit.SECONDS);
        assertFalse(registration.isDeregistering());
    }

    @Test
    void severalSubsystemsCoexist() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        try (WskSubsystem other = WskSubsystem.builder().manualExecutor().build()) {
            WskRegistration a = register(0x0100);
            WskRegistration b = new WskRegistration();
            assertEquals(STATUS_SUCCESS, other.wskRegister(WskTestBase.clientNpi(0x0100), b));
            WskProviderNpi npiA = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(a, WSK_NO_WAIT, npiA));
            Completion foreign = new Completion();
            // a client of one subsystem is not a client of the other
            WskProviderNpi npiB = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, other.wskCaptureProviderNpi(b, WSK_NO_WAIT, npiB));
            assertEquals(STATUS_INVALID_HANDLE, npiB.dispatch().wskSocket(npiA.client(), AF_INET, SOCK_STREAM,
                    IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, foreign.irp));
            wsk.wskReleaseProviderNpi(a);
            other.wskReleaseProviderNpi(b);
            wsk.wskDeregister(a);
            other.wskDeregister(b);
        }
    }

    @Test
    void deregistrationSummaryCountsIrpsAndSockets() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        wsk.ioManager().verifier().setStackCapture(org.wsk4j.nt.Verifier.StackCapture.ALWAYS); // sites named
        try (org.wsk4j.nt.IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
            assertNull(registration.deregistrationSummary());
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            Completion created = new Completion();
            npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                    null, null, null, null, created.irp);
            wsk.manualExecutor().runPending();
            Completion closed = new Completion();
            created.socket().dispatch().wskCloseSocket(created.socket(), closed.irp);
            wsk.manualExecutor().runPending();
            org.wsk4j.nt.Irp kept = org.wsk4j.nt.Io.allocateIrp(1, false); // freed after deregistration, as echosrv does
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
            DeregistrationSummary summary = registration.deregistrationSummary();
            assertEquals(3, summary.irpsAllocated());
            assertEquals(2, summary.irpsCompleted());
            assertEquals(2, summary.irpsFreed());
            assertEquals(1, summary.irpsLive());
            assertEquals(1, summary.socketsOpened());
            assertEquals(1, summary.socketsClosed());
            assertEquals(1, summary.liveIrpSites().size());
            assertTrue(summary.liveIrpSites().get(0).contains("deregistrationSummaryCountsIrpsAndSockets"),
                    summary.liveIrpSites().get(0));
            org.wsk4j.nt.Io.freeIrp(kept);
        }
    }

    @Test
    void deregisterOnACompletionThreadIsReported() {
        wsk = WskSubsystem.builder().manualExecutor().build();
        org.wsk4j.nt.VerifierSink.Recording sink = org.wsk4j.nt.VerifierSink.recording();
        wsk.ioManager().verifier().setSink(sink);
        wsk.ioManager().verifier().setMode(org.wsk4j.nt.VerifierRule.DEREGISTER_ON_COMPLETION_THREAD,
                org.wsk4j.nt.Verifier.Mode.LOG);
        WskRegistration registration = register(MAKE_WSK_VERSION(1, 0));
        wsk.executor().execute(() -> wsk.wskDeregister(registration)); // a completion-thread task deregistering
        wsk.manualExecutor().runPending();
        assertEquals(org.wsk4j.nt.VerifierRule.DEREGISTER_ON_COMPLETION_THREAD,
                wsk.ioManager().verifier().violations().get(0).rule());
        assertEquals(1, sink.count(org.wsk4j.nt.VerifierRule.DEREGISTER_ON_COMPLETION_THREAD), "reported to the sink");
        assertFalse(registration.isDeregistering(), "nothing held it, so it still returned");
    }

    @Test
    void aStuckDeregistrationWarnsLessAndLessOften() {
        assertEquals(java.time.Duration.ofSeconds(5), WskSubsystem.deregisterReportInterval(0));
        assertEquals(java.time.Duration.ofSeconds(10), WskSubsystem.deregisterReportInterval(1));
        assertEquals(java.time.Duration.ofSeconds(160), WskSubsystem.deregisterReportInterval(5));
        assertEquals(java.time.Duration.ofMinutes(5), WskSubsystem.deregisterReportInterval(6), "capped");
        assertEquals(java.time.Duration.ofMinutes(5), WskSubsystem.deregisterReportInterval(Integer.MAX_VALUE));
    }
}
