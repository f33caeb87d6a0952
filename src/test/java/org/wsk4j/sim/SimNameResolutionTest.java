package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Completion;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.NtStatus;

/**
 * WskGetAddressInfo / WskGetNameInfo on a simulated host: answered from the simulated hosts, in virtual time,
 * without resolver threads or DNS, and scriptable with {@link SimNetwork#onResolve(String)}.
 */
class SimNameResolutionTest extends SimTestBase {

    private static final long RTT_NS = 200_000;
    /** The server's IPv6 address as InetAddress prints it. */
    private static final String V6 = SimNetwork.literal(SERVER_V6).getHostAddress();

    /** One WskGetAddressInfo call on the "localhost" client. */
    private final class Lookup {
        final Completion completion = new Completion();
        final Ref<AddrInfoExW> result = new Ref<>();
        final NtStatus returned;

        Lookup(String node, String service, AddrInfoExW hints) {
            returned = npi.dispatch().wskGetAddressInfo(npi.client(), node, service, NS_ALL, null, hints, result,
                    null, null, completion.irp);
        }

        NtStatus await() {
            assertEquals(STATUS_PENDING, returned);
            SimNameResolutionTest.this.await(completion);
            assertEquals(1, completion.runs.get());
            assertEquals(0, completion.information);
            return completion.status;
        }

        List<String> addresses() {
            List<String> texts = new ArrayList<>();
            for (AddrInfoExW entry = result.get(); entry != null; entry = entry.next()) {
                texts.add(entry.addr().address().getHostAddress() + " " + entry.addr().port());
            }
            return texts;
        }

        void free() {
            npi.dispatch().wskFreeAddressInfo(npi.client(), result.get());
        }
    }

    /** One WskGetNameInfo call (host and service) on the "localhost" client. */
    private final class NameLookup {
        final Completion completion = new Completion();
        final Ref<String> node = new Ref<>();
        final Ref<String> service = new Ref<>();

        NameLookup(SockAddr address, int flags) {
            assertEquals(STATUS_PENDING, npi.dispatch().wskGetNameInfo(npi.client(), address, address.length(),
                    node, service, flags, null, null, completion.irp));
        }

        NtStatus await() {
            SimNameResolutionTest.this.await(completion);
            return completion.status;
        }
    }

    private static AddrInfoExW hints(int flags, int family) {
        return new AddrInfoExW(flags, family, SOCK_STREAM, IPPROTO_TCP, null, null, null);
    }

    private List<String> resolveOk(String node, AddrInfoExW hints) {
        Lookup lookup = new Lookup(node, "80", hints);
        assertEquals(STATUS_SUCCESS, lookup.await());
        List<String> addresses = lookup.addresses();
        lookup.free();
        return addresses;
    }

    private static void assertNoResolverThread() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            assertFalse(thread.getName().startsWith("sim-") && thread.getName().contains("-resolver"),
                    "a simulated lookup started a resolver thread: " + thread.getName());
        }
    }

    // ---- forward ------------------------------------------------------------------------------------

    @Test
    void aHostNameResolvesToItsAddressesAfterOneRoundTripOfVirtualTime() {
        Lookup lookup = new Lookup("server", "http", hints(AI_CANONNAME, AF_UNSPEC));
        assertEquals(STATUS_PENDING, lookup.returned);
        executor.runPending();
        assertFalse(lookup.completion.done(), "answered before the round trip");
        executor.advanceTimeBy(Duration.ofNanos(RTT_NS - 1));
        assertFalse(lookup.completion.done());
        executor.advanceTimeBy(Duration.ofNanos(1));
        assertTrue(lookup.completion.done());
        assertEquals(STATUS_SUCCESS, lookup.completion.status);
        assertEquals(List.of(SERVER_V4 + " 80", V6 + " 80"), lookup.addresses());
        AddrInfoExW first = lookup.result.get();
        assertEquals("server", first.canonName());
        assertEquals(SOCK_STREAM, first.sockType());
        assertEquals(AF_INET, first.family());
        assertNull(first.next().canonName());
        lookup.free();
        assertNoResolverThread();
        assertTrue(network.eventLog().stream().anyMatch(line -> line.contains("localhost resolve server")),
                network.eventLog()::toString);
    }

    @Test
    void hintsSelectTheFamilyAndNamesIgnoreCaseAndTheTrailingDot() {
        assertEquals(List.of(SERVER_V4 + " 80"), resolveOk("SERVER.", hints(0, AF_INET)));
        assertEquals(List.of(V6 + " 80"), resolveOk("Server", hints(0, AF_INET6)));
        network.addHost("v4only", "10.0.0.7");
        assertEquals(STATUS_NOT_FOUND, new Lookup("v4only", "80", hints(0, AF_INET6)).await());
        assertEquals(STATUS_NOT_FOUND, new Lookup("server", "80", hints(AI_NUMERICHOST, AF_UNSPEC)).await());
    }

    @Test
    void anUnknownNameIsNotFoundAfterOneRoundTrip() {
        Lookup lookup = new Lookup("nowhere.example", "80", null);
        assertEquals(STATUS_NOT_FOUND, lookup.await());
        assertNull(lookup.result.get());
        assertEquals(RTT_NS, executor.nanoTime());
    }

    @Test
    void numericHostsAndLocalhostNeedNoLookupAndNoVirtualTime() {
        assertEquals(List.of("10.1.2.3 80"), resolveOk("10.1.2.3", null));
        assertEquals(List.of("0:0:0:0:0:0:0:1 80", "127.0.0.1 80"), resolveOk("localhost", null));
        assertEquals(0, executor.nanoTime());
        assertFalse(network.eventLog().stream().anyMatch(line -> line.contains(" resolve ")));
        assertNoResolverThread();
    }

    @Test
    void scriptedNotFoundServerFailureDelayAndTimeout() {
        network.onResolve("server").thenFault(Fault.failWith(STATUS_NOT_FOUND), Fault.failWith(STATUS_UNSUCCESSFUL),
                Fault.delay(Duration.ofSeconds(3)), Fault.blackHole());
        assertEquals(STATUS_NOT_FOUND, new Lookup("server", "80", null).await());
        assertEquals(STATUS_UNSUCCESSFUL, new Lookup("server", "80", null).await());

        long start = executor.nanoTime();
        Lookup delayed = new Lookup("server", "80", null);
        assertEquals(STATUS_SUCCESS, delayed.await());
        assertEquals(Duration.ofSeconds(3).toNanos() + RTT_NS, executor.nanoTime() - start);
        delayed.free();

        start = executor.nanoTime();
        assertEquals(STATUS_IO_TIMEOUT, new Lookup("server", "80", null).await());
        assertEquals(SimNetwork.RESOLVE_TIMEOUT.toNanos(), executor.nanoTime() - start);
        assertTrue(network.unusedFaults().isEmpty());
    }

    @Test
    void theAnswerCanChangeBetweenTwoLookups() {
        network.onResolve("server").thenFault(Fault.answer("10.0.0.9"));
        assertEquals(List.of("10.0.0.9 80"), resolveOk("server", null));
        assertEquals(List.of(SERVER_V4 + " 80", V6 + " 80"), resolveOk("server", null));
        network.onResolve("server").always(Fault.answer("fd00::9"));
        assertEquals(List.of("fd00:0:0:0:0:0:0:9 80"), resolveOk("server", null));
        assertEquals(STATUS_NOT_FOUND, new Lookup("server", "80", hints(0, AF_INET)).await());
    }

    @Test
    void aFaultThatDoesNotFitAResolveHookIsRejected() {
        FaultScript script = network.onResolve("server");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> script.thenFault(Fault.refuse()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> script.thenFault(Fault.delay(Duration.ofSeconds(1), Fault.abort())));
        network.onResolve("server").thenFault(Fault.blackHole());
        assertEquals(List.of(new UnusedFault("resolve server", Fault.blackHole())), network.unusedFaults());
        network.onResolve("server").thenFault(); // no-op
        assertEquals(STATUS_IO_TIMEOUT, new Lookup("server", "80", null).await());
    }

    @Test
    void aCancelledLookupCompletesCancelledAndItsLateAnswerIsDropped() {
        network.onResolve("server").thenFault(Fault.delay(Duration.ofSeconds(1)));
        Lookup lookup = new Lookup("server", "80", null);
        executor.runPending();
        assertTrue(Io.cancelIrp(lookup.completion.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, lookup.completion.status);
        executor.runUntilIdle();
        assertEquals(1, lookup.completion.runs.get());
        assertNull(lookup.result.get(), "the late answer was published");
    }

    @Test
    void closingTheSubsystemCancelsAPendingLookup() {
        SimHosts.Client other = new SimHosts.Client(network, SimNetwork.LOCALHOST);
        Completion completion = new Completion();
        Ref<AddrInfoExW> result = new Ref<>();
        assertEquals(STATUS_PENDING, other.npi.dispatch().wskGetAddressInfo(other.npi.client(), "server", "80",
                NS_ALL, null, null, result, null, null, completion.irp));
        executor.runPending();
        other.stop();
        executor.runPending();
        assertEquals(STATUS_CANCELLED, completion.status);
        executor.runUntilIdle();
        assertEquals(1, completion.runs.get());
        assertNull(result.get());
    }

    // ---- reverse ------------------------------------------------------------------------------------

    @Test
    void reverseLookupsNameTheSimulatedHost() {
        NameLookup lookup = new NameLookup(addr(SERVER_V4, 443), 0);
        assertEquals(STATUS_SUCCESS, lookup.await());
        assertEquals("server", lookup.node.get());
        assertEquals("https", lookup.service.get());
        assertEquals(RTT_NS, executor.nanoTime());

        NameLookup v6 = new NameLookup(addr(SERVER_V6, 22), NI_NUMERICSERV);
        assertEquals(STATUS_SUCCESS, v6.await());
        assertEquals("server", v6.node.get());
        assertEquals("22", v6.service.get());

        NameLookup loopback = new NameLookup(addr("127.0.0.1", 1), 0);
        assertEquals(STATUS_SUCCESS, loopback.await());
        assertEquals(SimNetwork.LOCALHOST, loopback.node.get(), "loopback names the asking host");
    }

    @Test
    void anUnknownAddressGivesItsNumericTextOrNotFoundWithNameRequired() {
        NameLookup lookup = new NameLookup(addr("10.9.9.9", 80), 0);
        assertEquals(STATUS_SUCCESS, lookup.await());
        assertEquals("10.9.9.9", lookup.node.get());
        NameLookup required = new NameLookup(addr("10.9.9.9", 80), NI_NAMEREQD);
        assertEquals(STATUS_NOT_FOUND, required.await());
        assertNull(required.node.get());
    }

    @Test
    void reverseLookupsAreScriptable() {
        network.onResolve(SERVER_V4).thenFault(Fault.answerName("db.example.test"), Fault.blackHole(),
                Fault.blackHole());
        NameLookup renamed = new NameLookup(addr(SERVER_V4, 80), NI_NOFQDN);
        assertEquals(STATUS_SUCCESS, renamed.await());
        assertEquals("db", renamed.node.get());
        NameLookup timedOut = new NameLookup(addr(SERVER_V4, 80), 0);
        assertEquals(STATUS_SUCCESS, timedOut.await());
        assertEquals(SERVER_V4, timedOut.node.get(), "a failed reverse lookup falls back to the numeric text");
        NameLookup required = new NameLookup(addr(SERVER_V4, 80), NI_NAMEREQD);
        assertEquals(STATUS_IO_TIMEOUT, required.await());
    }

    // ---- owner and determinism ----------------------------------------------------------------------

    @Test
    void aThreadWithoutItsProcessIsInvalid() {
        Completion completion = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetAddressInfo(npi.client(), "server", "80", NS_ALL,
                null, null, new Ref<>(), null, Thread.currentThread(), completion.irp));
        executor.runPending();
        assertEquals(STATUS_INVALID_PARAMETER, completion.status);

        Completion names = new Completion();
        SockAddr address = addr(SERVER_V4, 80);
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetNameInfo(npi.client(), address,
                address.length(), new Ref<>(), null, 0, null, Thread.currentThread(), names.irp));
        executor.runPending();
        assertEquals(STATUS_INVALID_PARAMETER, names.status);

        Ref<AddrInfoExW> result = new Ref<>();
        Completion owned = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskGetAddressInfo(npi.client(), "server", "80", NS_ALL, null,
                null, result, new Object(), Thread.currentThread(), owned.irp));
        await(owned);
        assertEquals(STATUS_SUCCESS, owned.status);
        npi.dispatch().wskFreeAddressInfo(npi.client(), result.get());
    }

    @Test
    void theSameScriptGivesTheSameEventLog() {
        List<String> first = scriptedRun();
        restartNetwork(SimNetwork.Config.defaults());
        assertEquals(first, scriptedRun());
    }

    private List<String> scriptedRun() {
        network.onResolve("server").thenFault(Fault.delay(Duration.ofMillis(5)), Fault.answer("10.0.0.5"),
                Fault.failWith(STATUS_NOT_FOUND));
        List<Lookup> lookups = new ArrayList<>();
        for (String name : new String[] {"server", "server", "nowhere", "server", "server"}) {
            lookups.add(new Lookup(name, "80", null));
        }
        NameLookup reverse = new NameLookup(addr(SERVER_V6, 80), 0);
        executor.runUntilIdle();
        List<String> outcome = new ArrayList<>(network.eventLog());
        for (Lookup lookup : lookups) {
            outcome.add(lookup.completion.status + " " + lookup.addresses());
            if (lookup.result.get() != null) {
                lookup.free();
            }
        }
        outcome.add(reverse.completion.status + " " + reverse.node.get());
        return outcome;
    }

}
