package org.wsk4j.junit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.wsk4j.WskClient;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Verifier;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * Tests of {@link WskExtension}: the static nested classes are test classes run through the JUnit
 * {@link EngineTestKit} (surefire does not run nested classes on its own), so the after-test checks can
 * be observed failing a test.
 */
class WskExtensionTest {

    // ---- fixtures run through the engine -----------------------------------------------------------------

    @WskTest
    static class InjectsOnSimulated {
        @Test
        void everything(WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi, WskClient client,
                        SimNetwork network, ManualCompletionExecutor executor, IoManager io) {
            assertSame(npi.client(), client);
            assertNotNull(npi.dispatch());
            assertEquals(1, registration.captureCount(), "the extension's capture");
            assertSame(network.executor(), executor);
            assertSame(network.ioManager(), io);
            assertSame(io, wsk.ioManager());
            assertSame(io, IoManager.current(), "bound to the test thread");
        }
    }

    static class InjectsOnNio {
        @RegisterExtension
        final WskExtension wsk = new WskExtension().nio();

        @Test
        void everything(WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi, WskClient client,
                        ManualCompletionExecutor executor, IoManager io) {
            assertSame(npi.client(), client);
            assertSame(wsk.manualExecutor(), executor);
            assertSame(wsk.ioManager(), io);
            assertSame(io, IoManager.current());
            assertTrue(wsk.transport().name().toLowerCase().contains("nio"), wsk.transport().name());
        }
    }

    @WskTest(transport = WskTransport.NIO)
    static class SimNetworkOnNio {
        @Test
        void network(SimNetwork network) {
            fail("not reached");
        }
    }

    @WskTest
    static class LeaksADriverThread {
        @Test
        void leaksADriverThread() {
            org.wsk4j.Ref<org.wsk4j.nt.Handle> handle = new org.wsk4j.Ref<>();
            org.wsk4j.nt.KEvent never = new org.wsk4j.nt.KEvent(org.wsk4j.nt.KEvent.EventType.NOTIFICATION_EVENT, false);
            org.wsk4j.nt.Ps.createSystemThread(handle, org.wsk4j.nt.Ps.THREAD_ALL_ACCESS, null, null, null,
                    context -> org.wsk4j.nt.Ke.waitForSingleObject(never, org.wsk4j.nt.Ke.Executive,
                            org.wsk4j.nt.Ke.KernelMode, false, null), null);
            org.wsk4j.nt.Zw.close(handle.get());
            org.wsk4j.nt.Ke.delayExecutionThread(org.wsk4j.nt.Ke.KernelMode, false, -10_000L); // let it start waiting
        }
    }

    @WskTest
    static class EscapesToTheDefaults {
        @Test
        void escapesToTheDefaults() throws InterruptedException {
            Thread unbound = new Thread(() -> {
                org.wsk4j.nt.Irp irp = Io.allocateIrp(1, false);
                Io.freeIrp(irp);
                org.wsk4j.WskSubsystem.current();
            });
            unbound.start();
            unbound.join();
        }
    }

    @WskTest
    static class Deadlocks {
        @Test
        void deadlocks() {
            org.wsk4j.nt.KEvent mine = new org.wsk4j.nt.KEvent(org.wsk4j.nt.KEvent.EventType.SYNCHRONIZATION_EVENT, false);
            org.wsk4j.nt.KEvent theirs = new org.wsk4j.nt.KEvent(org.wsk4j.nt.KEvent.EventType.SYNCHRONIZATION_EVENT,
                    false);
            org.wsk4j.Ref<org.wsk4j.nt.Handle> handle = new org.wsk4j.Ref<>();
            org.wsk4j.nt.Ps.createSystemThread(handle, org.wsk4j.nt.Ps.THREAD_ALL_ACCESS, null, null, null, context -> {
                org.wsk4j.nt.Ke.waitForSingleObject(mine, org.wsk4j.nt.Ke.Executive, org.wsk4j.nt.Ke.KernelMode, false,
                        null);
                theirs.set();
            }, null);
            org.wsk4j.nt.Zw.close(handle.get());
            org.wsk4j.nt.Ke.waitForSingleObject(theirs, org.wsk4j.nt.Ke.Executive, org.wsk4j.nt.Ke.KernelMode, false,
                    null);
            mine.set();
        }
    }

    @WskTest(seed = "0x2a")
    static class LeaksAnIrp {
        @Test
        void leaksAnIrp() {
            Io.allocateIrp(1, false);
        }
    }

    @WskTest
    static class LeaksASocket {
        @Test
        void leaksASocket(WskProviderNpi npi, ManualCompletionExecutor executor) {
            Irp irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (d, completed, c) -> {
                Io.freeIrp(completed);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                    null, null, null, null, null, irp);
            executor.runPending();
        }
    }

    @WskTest
    static class LeavesAFaultUnused {
        @Test
        void scriptsButNeverConnects(SimNetwork network) {
            network.onConnect(80).thenFault(Fault.refuse());
        }
    }

    @WskTest(failOnUnusedFaults = false)
    static class UnusedFaultsAllowed {
        @Test
        void scriptsButNeverConnects(SimNetwork network) {
            network.onConnect(80).thenFault(Fault.refuse());
        }
    }

    static class BreaksARule {
        @RegisterExtension
        final WskExtension wsk = new WskExtension().verifierMode(Verifier.Mode.LOG);

        @Test
        void freesTwice() {
            Irp irp = Io.allocateIrp(1, false);
            Io.freeIrp(irp);
            Io.freeIrp(irp);
        }
    }

    @WskTest
    static class KeepsACapture {
        @Test
        void capturesAgain(WskSubsystem wsk, WskRegistration registration) {
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, new WskProviderNpi()));
        }
    }

    @WskTest(seed = "0x2a")
    static class FailsAnAssertion {
        @Test
        void fails() {
            assertEquals(1, 2);
        }
    }

    @WskTest(seed = "0x2a")
    static class FailsAfterTraffic {
        @Test
        void failsAfterAConnect(WskProviderNpi npi, SimNetwork network) {
            org.wsk4j.Completion connect = new org.wsk4j.Completion();
            npi.dispatch().wskSocketConnect(npi.client(), org.wsk4j.Wsk.SOCK_STREAM, org.wsk4j.Wsk.IPPROTO_TCP,
                    org.wsk4j.SockAddrIn.any(0), org.wsk4j.SockAddrIn.loopback(9), 0, null, null, null, null, null,
                    connect.irp);
            network.executor().runUntilIdle(); // nobody listens: SYN, then RST
            fail("after the refused connect");
        }
    }

    static final List<Long> SEEDS = Collections.synchronizedList(new ArrayList<>());

    @WskTest
    static class RecordsItsSeed {
        @Test
        void seed(SimNetwork network) {
            SEEDS.add(network.seed());
        }
    }

    static class RegisteredTwice {
        @RegisterExtension
        final WskExtension wsk = new WskExtension();

        @Test
        @WskTest
        void twice() {
        }
    }

    @WskTest(transport = WskTransport.NIO)
    static class DeregistersItself {
        @Test
        void deregisters(WskSubsystem wsk, WskRegistration registration) {
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
        }
    }

    static final Map<String, Object[]> SEEN = new ConcurrentHashMap<>();
    static final CyclicBarrier BOTH = new CyclicBarrier(2);

    @WskTest
    static class RunsInParallel {
        void record(String name, WskSubsystem wsk, SimNetwork network, IoManager io) throws Exception {
            Irp irp = Io.allocateIrp(1, false); // counted by this test's manager only
            BOTH.await(10, TimeUnit.SECONDS); // both tests are inside their test methods now
            SEEN.put(name, new Object[] {wsk, network, io, IoManager.current(), io.liveIrpCount()});
            BOTH.await(10, TimeUnit.SECONDS);
            Io.freeIrp(irp);
        }

        @Test
        void first(WskSubsystem wsk, SimNetwork network, IoManager io) throws Exception {
            record("first", wsk, network, io);
        }

        @Test
        void second(WskSubsystem wsk, SimNetwork network, IoManager io) throws Exception {
            record("second", wsk, network, io);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static EngineExecutionResults run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
    }

    private static void assertPasses(Class<?> testClass) {
        EngineExecutionResults results = run(testClass);
        List<Throwable> failures = failures(results);
        assertTrue(failures.isEmpty(), () -> "unexpected failures: " + failures);
        assertEquals(1, results.testEvents().succeeded().count());
    }

    private static List<Throwable> failures(EngineExecutionResults results) {
        return results.testEvents().failed().stream().map(Event::getPayload)
                .map(p -> p.orElseThrow()).map(p -> ((TestExecutionResult) p).getThrowable().orElseThrow())
                .collect(Collectors.toList());
    }

    private static Throwable failureOf(Class<?> testClass) {
        List<Throwable> failures = failures(run(testClass));
        assertEquals(1, failures.size(), () -> "expected one failed test: " + failures);
        return failures.get(0);
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), () -> "expected \"" + part + "\" in:\n" + text);
        }
    }

    // ---- tests ---------------------------------------------------------------------------------------------

    @Test
    void aDriverThreadStillRunningAtTheEndIsALeakWithItsStack() {
        assertContains(failureOf(LeaksADriverThread.class).getMessage(), "a driver thread was still running",
                "wsk4j-system-thread-1 (system): waiting in KeWaitForSingleObject on KEvent", "WskExtensionTest");
    }

    @Test
    void globalFunctionsOnAnUnboundThreadAreReportedAsEscapes() {
        assertContains(failureOf(EscapesToTheDefaults.class).getMessage(),
                "1 global WSK call(s) (Wsk.wskRegister) ran on a thread not bound to the test's subsystem",
                "1 IoAllocateIrp call(s) ran on a thread not bound to the test's I/O manager");
    }

    @Test
    void aDeadlockFailsTheTestAtOnceWithEveryThreadsWait() {
        long start = System.nanoTime();
        Throwable failure = failureOf(Deadlocks.class);
        assertTrue(System.nanoTime() - start < java.time.Duration.ofSeconds(1).toNanos(), "well under a second");
        assertContains(failure.getMessage(), "DRIVER_THREADS_DEADLOCKED", "every driver thread is waiting",
                "wsk4j-system-thread-1 (system): waiting in KeWaitForSingleObject", "(adopted): waiting in"
                + " KeWaitForSingleObject");
    }

    @Test
    void injectsEveryTypeOnTheSimulatedNetwork() {
        assertPasses(InjectsOnSimulated.class);
    }

    @Test
    void injectsEveryTypeOnNio() {
        assertPasses(InjectsOnNio.class);
    }

    @Test
    void simNetworkOnNioIsAClearError() {
        assertContains(failureOf(SimNetworkOnNio.class).getMessage(), "SimNetwork", "NIO");
    }

    @Test
    void aTestMayDeregisterTheInjectedRegistrationItself() {
        assertPasses(DeregistersItself.class); // and the extension does not deregister it again (that would warn)
    }

    @Test
    void aLeakedIrpFailsTheTestNamingItsAllocationSite() {
        String message = failureOf(LeaksAnIrp.class).getMessage();
        assertContains(message, "IRP#", "still allocated", "allocated at", "LeaksAnIrp.leaksAnIrp(");
    }

    @org.wsk4j.logcheck.MaxLogLevel(value = "WARN", because = "the extension cannot deregister with a socket open:"
            + " closing the subsystem warns")
    @Test
    void anUnclosedSocketFailsTheTestNamingWhereItWasCreated() {
        String message = failureOf(LeaksASocket.class).getMessage();
        assertContains(message, "socket#", "[connection", "never closed", "created at", "LeaksASocket.leaksASocket(");
    }

    @Test
    void anUnusedFaultFailsTheTestUnlessAllowed() {
        assertContains(failureOf(LeavesAFaultUnused.class).getMessage(), "Refuse", "port 80", "never used");
        assertPasses(UnusedFaultsAllowed.class);
    }

    @Test
    void aVerifierViolationFailsTheTest() {
        assertContains(failureOf(BreaksARule.class).getMessage(), "IRP_DOUBLE_FREE", "freesTwice");
    }

    @Test
    void anUnreleasedCaptureFailsTheTest() {
        assertContains(failureOf(KeepsACapture.class).getMessage(), "1 provider NPI capture(s)", "not released");
    }

    @Test
    void theSeedIsInTheAfterTestFailure() {
        assertContains(failureOf(LeaksAnIrp.class).getMessage(), "wsk4j seed=0x2a (rerun with -Dwsk4j.seed=0x2a)");
    }

    @Test
    void theSeedIsAddedToATestFailureAsASuppressedException() {
        Throwable failure = failureOf(FailsAnAssertion.class);
        assertTrue(failure instanceof org.opentest4j.AssertionFailedError, "the original exception is rethrown");
        assertEquals(1, failure.getSuppressed().length, Arrays.toString(failure.getSuppressed()));
        assertEquals("wsk4j seed=0x2a (rerun with -Dwsk4j.seed=0x2a)", failure.getSuppressed()[0].getMessage());
    }

    @Test
    void withTheTracePropertyAFailedSimulatedTestWritesItsPacketCapture(@org.junit.jupiter.api.io.TempDir
                                                                       java.nio.file.Path dir) throws Exception {
        String old = System.getProperty(WskExtension.TRACE_PROPERTY);
        System.setProperty(WskExtension.TRACE_PROPERTY, dir.toString());
        Throwable failure;
        try {
            failure = failureOf(FailsAfterTraffic.class);
        } finally {
            if (old == null) {
                System.clearProperty(WskExtension.TRACE_PROPERTY);
            } else {
                System.setProperty(WskExtension.TRACE_PROPERTY, old);
            }
        }
        java.nio.file.Path file = dir.resolve("FailsAfterTraffic.failsAfterAConnect-0x2a.pcap");
        assertTrue(java.nio.file.Files.exists(file), () -> Arrays.toString(failure.getSuppressed()));
        assertEquals("wsk4j trace: 2 packets in " + file, failure.getSuppressed()[2].getMessage());
        java.nio.file.Path timeline = dir.resolve("FailsAfterTraffic.failsAfterAConnect-0x2a.trace.json");
        assertContains(failure.getSuppressed()[1].getMessage(), "IRP events in " + timeline);
        assertContains(java.nio.file.Files.readString(timeline), "\"traceEvents\"", "WskSocketConnect");
        byte[] pcap = java.nio.file.Files.readAllBytes(file);
        assertEquals(24 + 2 * 16 + 2 * 40, pcap.length, "a SYN and a RST, IPv4 + TCP headers, no payload");
    }

    @Test
    void theSeedComesFromThePropertyElseFromTheTestId() {
        SEEDS.clear();
        assertPasses(RecordsItsSeed.class);
        assertPasses(RecordsItsSeed.class);
        assertEquals(SEEDS.get(0), SEEDS.get(1), "derived from the unique id: stable");
        String old = System.getProperty(WskExtension.SEED_PROPERTY);
        System.setProperty(WskExtension.SEED_PROPERTY, "0xfedcba9876543210");
        try {
            assertPasses(RecordsItsSeed.class);
        } finally {
            if (old == null) {
                System.clearProperty(WskExtension.SEED_PROPERTY);
            } else {
                System.setProperty(WskExtension.SEED_PROPERTY, old);
            }
        }
        assertEquals(0xfedcba9876543210L, SEEDS.get(2));
        assertNotEquals(WskExtension.derivedSeed("[engine:junit-jupiter]/[class:A]/[method:a()]"),
                WskExtension.derivedSeed("[engine:junit-jupiter]/[class:A]/[method:b()]"));
    }

    @Test
    void registeringTwiceIsAConfigurationError() {
        assertContains(failureOf(RegisteredTwice.class).getMessage(), "registered twice");
    }

    @Test
    void testsInParallelGetSeparateSubsystems() {
        SEEN.clear();
        BOTH.reset();
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(RunsInParallel.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .execute();
        List<Throwable> failures = failures(results);
        assertTrue(failures.isEmpty(), () -> "unexpected failures: " + failures);
        assertEquals(2, results.testEvents().succeeded().count());
        Object[] first = SEEN.get("first");
        Object[] second = SEEN.get("second");
        for (int i = 0; i < 3; i++) {
            assertNotSame(first[i], second[i], "subsystem, network and I/O manager are per test");
        }
        assertSame(first[2], first[3], "each test thread is bound to its own I/O manager");
        assertSame(second[2], second[3]);
        assertEquals(1L, first[4], "each manager counts only its own test's IRPs");
        assertEquals(1L, second[4]);
    }

    @Test
    void onlyTheJunitPackageUsesJunit() throws java.io.IOException {
        java.nio.file.Path main = java.nio.file.Path.of("src/main/java/org/wsk4j");
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(main)) {
            List<String> users = files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.startsWith(main.resolve("junit")))
                    .filter(f -> {
                        try {
                            return java.nio.file.Files.readString(f).contains("org.junit");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(java.nio.file.Path::toString).collect(Collectors.toList());
            assertEquals(List.of(), users, "junit-jupiter-api is optional: only org.wsk4j.junit may use it");
        }
    }

    @Test
    void seedParsing() {
        assertEquals(42, WskExtension.parseSeed("42", "t"));
        assertEquals(42, WskExtension.parseSeed("0x2A", "t"));
        assertEquals(-1, WskExtension.parseSeed("0xffffffffffffffff", "t"));
        assertThrows(org.junit.jupiter.api.extension.ExtensionConfigurationException.class,
                () -> WskExtension.parseSeed("seven", "t"));
        assertEquals("wsk4j seed=0xffffffffffffffff (rerun with -Dwsk4j.seed=0xffffffffffffffff)",
                WskExtension.seedMessage(-1));
    }
}
