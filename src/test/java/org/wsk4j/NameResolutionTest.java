package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;

/**
 * WskGetAddressInfo, WskFreeAddressInfo and WskGetNameInfo on numeric addresses, localhost and names that
 * cannot resolve (no test depends on external DNS).
 */
@WskTest(transport = WskTransport.NIO)
class NameResolutionTest {

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

    /** One WskGetAddressInfo call: its return, its completion and its result. */
    private final class Lookup {
        final Completion completion = new Completion();
        final Ref<AddrInfoExW> result = new Ref<>();
        final NtStatus returned;

        Lookup(String node, String service, AddrInfoExW hints) {
            returned = npi.dispatch().wskGetAddressInfo(npi.client(), node, service, NS_ALL, null, hints, result,
                    null, null, completion.irp);
        }

        /** Asserts the pending return, waits for the completion, asserts Information 0, returns the status. */
        NtStatus await() {
            assertEquals(STATUS_PENDING, returned);
            nio.await(completion);
            assertEquals(1, completion.runs.get());
            assertEquals(0, completion.information, "Information is 0 (observed)");
            assertTrue(completion.pendingReturned);
            return completion.status;
        }

        List<AddrInfoExW> entries() {
            List<AddrInfoExW> list = new ArrayList<>();
            for (AddrInfoExW entry = result.get(); entry != null; entry = entry.next()) {
                list.add(entry);
            }
            return list;
        }

        void free() {
            npi.dispatch().wskFreeAddressInfo(npi.client(), result.get());
        }
    }

    private static AddrInfoExW hints(int flags, int family, int sockType, int protocol) {
        return new AddrInfoExW(flags, family, sockType, protocol, null, null, null);
    }

    private List<AddrInfoExW> resolveOk(String node, String service, AddrInfoExW hints) {
        Lookup lookup = new Lookup(node, service, hints);
        assertEquals(STATUS_SUCCESS, lookup.await());
        List<AddrInfoExW> entries = lookup.entries();
        lookup.free();
        return entries;
    }

    private ClientServices services() {
        return wsk.provider().clientServices;
    }

    private static List<String> addresses(List<AddrInfoExW> entries) {
        List<String> texts = new ArrayList<>();
        for (AddrInfoExW entry : entries) {
            texts.add(NameResolver.numericHost(entry.addr()));
        }
        return texts;
    }

    // ---- WskGetAddressInfo --------------------------------------------------------------------------

    @Test
    void numericIpv4HostAndPort() {
        Lookup lookup = new Lookup("127.0.0.1", "12345", null);
        assertFalse(lookup.completion.done(), "STATUS_PENDING was returned before the completion");
        assertEquals(STATUS_SUCCESS, lookup.await());
        List<AddrInfoExW> entries = lookup.entries();
        assertEquals(1, entries.size());
        AddrInfoExW entry = entries.get(0);
        assertEquals(AF_INET, entry.family());
        SockAddrIn addr = assertInstanceOf(SockAddrIn.class, entry.addr());
        assertEquals(SockAddrIn.SIZE, addr.length());
        assertEquals(SockAddrIn.loopback(12345), addr);
        assertEquals(0, entry.sockType());
        assertEquals(0, entry.protocol());
        assertNull(entry.canonName());
        assertEquals(1, services().outstandingAddressInfoCount(registration));
        lookup.free();
        assertEquals(0, services().outstandingAddressInfoCount(registration));
    }

    @Test
    void numericIpv6HostAndPort() {
        List<AddrInfoExW> entries = resolveOk("::1", "80", null);
        assertEquals(1, entries.size());
        assertEquals(AF_INET6, entries.get(0).family());
        SockAddrIn6 addr = assertInstanceOf(SockAddrIn6.class, entries.get(0).addr());
        assertEquals(SockAddrIn6.loopback(80), addr);
        assertEquals(SockAddrIn6.SIZE, addr.length());
    }

    @Test
    void ipv4MappedLiteralStaysIpv6AndScopeIdIsKept() {
        List<AddrInfoExW> mapped = resolveOk("::ffff:10.1.2.3", "1", null);
        assertEquals(AF_INET6, mapped.get(0).family());
        assertEquals("::ffff:10.1.2.3", NameResolver.numericHost(mapped.get(0).addr()));
        List<AddrInfoExW> scoped = resolveOk("fe80::1%7", null, hints(0, AF_INET6, 0, 0));
        assertEquals(7, ((SockAddrIn6) scoped.get(0).addr()).scopeId());
    }

    @Test
    void localhostResolvesToBothLoopbacksWithoutNetwork() {
        List<AddrInfoExW> entries = resolveOk("localhost", "8080", null);
        assertEquals(List.of("::1", "127.0.0.1"), addresses(entries));
        for (AddrInfoExW entry : entries) {
            assertEquals(8080, entry.addr().port());
        }
        assertEquals(List.of("127.0.0.1"), addresses(resolveOk("LOCALHOST", "1", hints(0, AF_INET, 0, 0))));
        assertEquals(List.of("::1"), addresses(resolveOk("localhost", "1", hints(0, AF_INET6, 0, 0))));
    }

    @Test
    void invalidTldDoesNotResolve() {
        Lookup lookup = new Lookup("nonexistent.invalid", "80", null);
        assertEquals(STATUS_NOT_FOUND, lookup.await());
        assertNull(lookup.result.get());
        assertEquals(0, services().outstandingAddressInfoCount(registration));
    }

    @Test
    void malformedIpv6LiteralDoesNotResolve() {
        assertEquals(STATUS_NOT_FOUND, new Lookup("1:2:3:4:5:6:7:8:9", null, null).await());
        assertEquals(STATUS_NOT_FOUND, new Lookup("fe80::1%eth0", null, null).await());
    }

    @Test
    void numericHostFlagRejectsNamesWithoutResolving() {
        Lookup lookup = new Lookup("localhost", "80", hints(AI_NUMERICHOST, AF_UNSPEC, 0, 0));
        assertEquals(STATUS_NOT_FOUND, lookup.await());
        assertNull(lookup.result.get());
        assertEquals(1, resolveOk("127.0.0.1", "80", hints(AI_NUMERICHOST, AF_UNSPEC, 0, 0)).size());
    }

    @Test
    void passiveWithoutNodeGivesWildcards() {
        List<AddrInfoExW> entries = resolveOk(null, "8080", hints(AI_PASSIVE, AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(List.of("::", "0.0.0.0"), addresses(entries));
        assertTrue(entries.get(0).addr().isWildcard());
        assertEquals(8080, entries.get(1).addr().port());
        assertEquals(List.of("0.0.0.0"), addresses(resolveOk(null, "1", hints(AI_PASSIVE, AF_INET, 0, 0))));
        // without AI_PASSIVE a null node means loopback
        assertEquals(List.of("::1", "127.0.0.1"), addresses(resolveOk(null, "1", null)));
    }

    @Test
    void familyHintFilters() {
        Lookup lookup = new Lookup("127.0.0.1", "80", hints(0, AF_INET6, 0, 0));
        assertEquals(STATUS_NOT_FOUND, lookup.await(), "no address of the hinted family");
        Lookup v6 = new Lookup("::1", "80", hints(0, AF_INET, 0, 0));
        assertEquals(STATUS_NOT_FOUND, v6.await());
        assertEquals(AF_INET6, resolveOk("::1", "80", hints(0, AF_INET6, 0, 0)).get(0).family());
    }

    @Test
    void socketTypeAndProtocolAreCopied() {
        List<AddrInfoExW> entries = resolveOk("localhost", "53", hints(0, AF_UNSPEC, SOCK_DGRAM, IPPROTO_UDP));
        assertEquals(2, entries.size());
        for (AddrInfoExW entry : entries) {
            assertEquals(SOCK_DGRAM, entry.sockType());
            assertEquals(IPPROTO_UDP, entry.protocol());
        }
    }

    @Test
    void serviceTable() {
        assertEquals(80, resolveOk("127.0.0.1", "http", null).get(0).addr().port());
        assertEquals(443, resolveOk("127.0.0.1", "HTTPS", null).get(0).addr().port());
        assertEquals(21, resolveOk("127.0.0.1", "ftp", null).get(0).addr().port());
        assertEquals(22, resolveOk("127.0.0.1", "ssh", null).get(0).addr().port());
        assertEquals(25, resolveOk("127.0.0.1", "smtp", null).get(0).addr().port());
        assertEquals(53, resolveOk("127.0.0.1", "domain", null).get(0).addr().port());
        assertEquals(0, resolveOk("127.0.0.1", null, null).get(0).addr().port());
        assertEquals(65535, resolveOk("127.0.0.1", "65535", null).get(0).addr().port());
        assertEquals(STATUS_NOT_FOUND, new Lookup("127.0.0.1", "nosuchservice", null).await());
        assertEquals(STATUS_NOT_FOUND, new Lookup("127.0.0.1", "65536", null).await());
        assertEquals(STATUS_NOT_FOUND, new Lookup("127.0.0.1", "http", hints(AI_NUMERICSERV, 0, 0, 0)).await());
    }

    @Test
    void serviceOnlyResolvesToLoopback() {
        List<AddrInfoExW> entries = resolveOk(null, "http", hints(0, AF_INET, 0, 0));
        assertEquals(SockAddrIn.loopback(80), entries.get(0).addr());
    }

    @Test
    void canonicalNameIsInTheFirstEntryOnly() {
        List<AddrInfoExW> entries = resolveOk("localhost", null, hints(AI_CANONNAME, AF_UNSPEC, 0, 0));
        assertEquals("localhost", entries.get(0).canonName());
        assertNull(entries.get(1).canonName());
        assertEquals("127.0.0.1", resolveOk("127.0.0.1", null, hints(AI_CANONNAME, 0, 0, 0)).get(0).canonName());
    }

    @Test
    void noNodeAndNoServiceIsInvalidParameterCompleted() {
        for (String empty : new String[] {null, ""}) {
            Lookup lookup = new Lookup(empty, empty, null);
            assertEquals(STATUS_INVALID_PARAMETER, lookup.returned);
            assertEquals(1, lookup.completion.runs.get());
            assertEquals(STATUS_INVALID_PARAMETER, lookup.completion.status);
        }
    }

    @Test
    void malformedArgumentsAreInvalidParameterCompleted() {
        AddrInfoExW[] bad = {
                hints(0, 99, 0, 0),
                new AddrInfoExW(0, AF_INET, 0, 0, "name", null, null),
                new AddrInfoExW(0, AF_INET, 0, 0, null, SockAddrIn.loopback(1), null),
                hints(AI_CANONNAME, AF_UNSPEC, 0, 0)}; // AI_CANONNAME needs a node
        for (AddrInfoExW hints : bad) {
            Lookup lookup = new Lookup(null, "80", hints);
            assertEquals(STATUS_INVALID_PARAMETER, lookup.returned, String.valueOf(hints));
            assertEquals(STATUS_INVALID_PARAMETER, lookup.completion.status);
        }
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetAddressInfo(npi.client(), "::1", null, NS_NLA_ID,
                null, null, new Ref<>(), null, null, c.irp));
        assertEquals(1, c.runs.get());
        Completion noResult = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetAddressInfo(npi.client(), "::1", null, NS_DNS,
                null, null, null, null, null, noResult.irp));
        assertEquals(1, noResult.runs.get());
    }

    private static final int NS_NLA_ID = 15;

    @Test
    void anOwningThreadWithoutItsProcessIsInvalidParameter() {
        // WDK: OwningThread may be non-NULL only if OwningProcess is non-NULL.
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetAddressInfo(npi.client(), "127.0.0.1", "80",
                NS_ALL, null, null, new Ref<>(), null, Thread.currentThread(), c.irp));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_PARAMETER, c.status);
        Completion names = new Completion();
        SockAddr address = SockAddrIn.loopback(80);
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetNameInfo(npi.client(), address, address.length(),
                new Ref<>(), null, NI_NUMERICHOST, null, Thread.currentThread(), names.irp));
        assertEquals(1, names.runs.get());
        Ref<AddrInfoExW> result = new Ref<>();
        Completion owned = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskGetAddressInfo(npi.client(), "127.0.0.1", "80", NS_ALL, null,
                null, result, new Object(), Thread.currentThread(), owned.irp));
        nio.await(owned);
        assertEquals(STATUS_SUCCESS, owned.status);
        npi.dispatch().wskFreeAddressInfo(npi.client(), result.get());
    }

    @Test
    void nullIrpIsInvalidParameterAndNothingCompletes() {
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetAddressInfo(npi.client(), "127.0.0.1", "80",
                NS_ALL, null, null, new Ref<>(), null, null, null));
        assertEquals(0, executor.runPending());
    }

    @Test
    void nullClientIsInvalidHandleCompleted() {
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_HANDLE, npi.dispatch().wskGetAddressInfo(null, "127.0.0.1", "80", NS_ALL, null,
                null, new Ref<>(), null, null, c.irp));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_HANDLE, c.status);
    }

    @Test
    void resolutionRunsOnADaemonResolverThread() {
        Lookup lookup = new Lookup("127.0.0.1", "1", null);
        assertEquals(STATUS_SUCCESS, lookup.await());
        lookup.free();
        Thread resolverThread = services().lastResolverThread();
        assertNotNull(resolverThread);
        assertNotEquals(Thread.currentThread(), resolverThread, "not the caller's (nor the executor's) thread");
        assertTrue(resolverThread.isDaemon());
        assertTrue(resolverThread.getName().startsWith(wsk.name() + "-resolver-"), resolverThread.getName());
    }

    @Test
    void cancelledResolutionCompletesExactlyOnce() {
        Lookup lookup = new Lookup("localhost", "80", null);
        Io.cancelIrp(lookup.completion.irp); // races with the resolver thread: either outcome is legal
        NtStatus status = lookup.await();
        if (status == STATUS_SUCCESS) {
            assertNotNull(lookup.result.get());
            lookup.free();
        } else {
            assertEquals(STATUS_CANCELLED, status);
            assertNull(lookup.result.get(), "a cancelled resolution publishes nothing");
        }
        assertEquals(0, services().outstandingAddressInfoCount(registration));
    }

    @Test
    void getAddressInfoAtDispatchLevelIsAVerifierViolationBeforeTheIrpIsAccepted() {
        Completion c = new Completion();
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        VerifierError error;
        try {
            error = assertThrows(VerifierError.class, () -> npi.dispatch().wskGetAddressInfo(npi.client(),
                    "127.0.0.1", "80", NS_ALL, null, null, new Ref<>(), null, null, c.irp));
        } finally {
            Ke.lowerIrql(old);
        }
        assertEquals(VerifierRule.IRQL_NOT_PASSIVE, error.rule());
        assertFalse(c.irp.isInFlight(), "the IRP was not accepted");
        assertEquals(0, c.runs.get());
        Io.freeIrp(c.irp);
        wsk.ioManager().verifier().clearViolations();
    }

    // ---- WskFreeAddressInfo -------------------------------------------------------------------------

    @Test
    void doubleFreeIsAVerifierViolation() {
        Lookup lookup = new Lookup("127.0.0.1", "80", null);
        assertEquals(STATUS_SUCCESS, lookup.await());
        lookup.free();
        VerifierError error = assertThrows(VerifierError.class, lookup::free);
        assertEquals(VerifierRule.ADDRINFO_BAD_FREE, error.rule());
        assertEquals(0xC4, error.rule().bugCheckCode());
        wsk.ioManager().verifier().clearViolations();
    }

    @Test
    void freeingAListNotFromThisProviderIsAVerifierViolation() {
        AddrInfoExW forged = new AddrInfoExW(0, AF_INET, 0, 0, null, SockAddrIn.loopback(80), null);
        VerifierError error = assertThrows(VerifierError.class,
                () -> npi.dispatch().wskFreeAddressInfo(npi.client(), forged));
        assertEquals(VerifierRule.ADDRINFO_BAD_FREE, error.rule());
        wsk.ioManager().verifier().clearViolations();

        Lookup lookup = new Lookup("localhost", "80", null); // two entries
        assertEquals(STATUS_SUCCESS, lookup.await());
        AddrInfoExW second = lookup.result.get().next();
        error = assertThrows(VerifierError.class, () -> npi.dispatch().wskFreeAddressInfo(npi.client(), second));
        assertEquals(VerifierRule.ADDRINFO_BAD_FREE, error.rule(), "only the head of a list can be freed");
        wsk.ioManager().verifier().clearViolations();
        lookup.free();

        npi.dispatch().wskFreeAddressInfo(npi.client(), null); // nothing to free, no violation
    }

    @Test
    void outstandingListsAreCountedPerRegistration() {
        Lookup first = new Lookup("127.0.0.1", "80", null);
        Lookup second = new Lookup("::1", "80", null);
        assertEquals(STATUS_SUCCESS, first.await());
        assertEquals(STATUS_SUCCESS, second.await());
        assertEquals(2, services().outstandingAddressInfoCount(registration));
        // two equal lists are still two lists: tracking is by identity
        Lookup third = new Lookup("127.0.0.1", "80", null);
        assertEquals(STATUS_SUCCESS, third.await());
        assertEquals(first.result.get(), third.result.get());
        assertEquals(3, services().outstandingAddressInfoCount(registration));
        first.free();
        second.free();
        third.free();
        assertEquals(0, services().outstandingAddressInfoCount(registration));
    }

    // ---- WskGetNameInfo -----------------------------------------------------------------------------

    /** One WskGetNameInfo call. */
    private final class NameLookup {
        final Completion completion = new Completion();
        final Ref<String> node = new Ref<>();
        final Ref<String> service = new Ref<>();
        final NtStatus returned;

        NameLookup(SockAddr address, int length, int flags, boolean wantNode, boolean wantService) {
            returned = npi.dispatch().wskGetNameInfo(npi.client(), address, length, wantNode ? node : null,
                    wantService ? service : null, flags, null, null, completion.irp);
        }

        NameLookup(SockAddr address, int flags) {
            this(address, address.length(), flags, true, true);
        }

        NtStatus await() {
            assertEquals(STATUS_PENDING, returned);
            nio.await(completion);
            assertEquals(0, completion.information);
            return completion.status;
        }
    }

    private static SockAddrIn6 v6(String literal, int port, int scope) throws Exception {
        return new SockAddrIn6((Inet6Address) InetAddress.getByName(literal), port, 0, scope);
    }

    @Test
    void numericHostAndService() throws Exception {
        NameLookup v4 = new NameLookup(SockAddrIn.loopback(80), NI_NUMERICHOST | NI_NUMERICSERV);
        assertEquals(STATUS_SUCCESS, v4.await());
        assertEquals("127.0.0.1", v4.node.get());
        assertEquals("80", v4.service.get());

        NameLookup named = new NameLookup(SockAddrIn6.loopback(443), NI_NUMERICHOST);
        assertEquals(STATUS_SUCCESS, named.await());
        assertEquals("::1", named.node.get());
        assertEquals("https", named.service.get());

        NameLookup unknownPort = new NameLookup(SockAddrIn.loopback(12345), NI_NUMERICHOST | NI_DGRAM);
        assertEquals(STATUS_SUCCESS, unknownPort.await());
        assertEquals("12345", unknownPort.service.get());

        NameLookup scoped = new NameLookup(v6("fe80::1", 22, 3), NI_NUMERICHOST);
        assertEquals(STATUS_SUCCESS, scoped.await());
        assertEquals("fe80::1%3", scoped.node.get());
        assertEquals("ssh", scoped.service.get());

        NameLookup compressed = new NameLookup(v6("2001:db8:0:0:1:0:0:1", 0, 0), NI_NUMERICHOST);
        assertEquals(STATUS_SUCCESS, compressed.await());
        assertEquals("2001:db8::1:0:0:1", compressed.node.get());
        assertEquals("0", compressed.service.get());
    }

    @Test
    void serviceOnlyNeedsNoHostAndStorageIsAccepted() {
        NameLookup lookup = new NameLookup(new SockAddrStorage().set(SockAddrIn.loopback(25)), SockAddrStorage.SIZE,
                0, false, true);
        assertEquals(STATUS_SUCCESS, lookup.await());
        assertEquals("smtp", lookup.service.get());
        assertNull(lookup.node.get());
    }

    @Test
    void reverseLookupOfLoopbackGivesSomeName() {
        NameLookup lookup = new NameLookup(SockAddrIn.loopback(80), 0);
        assertEquals(STATUS_SUCCESS, lookup.await());
        assertNotNull(lookup.node.get());
        assertFalse(lookup.node.get().isEmpty()); // "localhost" or the numeric fallback: whatever the machine says
        assertEquals("http", lookup.service.get());
        assertNotNull(services().lastResolverThread());
    }

    @Test
    void getNameInfoRejectsMalformedArguments() {
        Object[][] cases = {
                {SockAddrIn.loopback(80), 16, true, true, 0x20}, // unknown flag
                {SockAddrIn.loopback(80), 16, false, false, 0},  // neither output
                {SockAddrIn.loopback(80), 129, true, true, 0},   // longer than SOCKADDR_STORAGE
                {SockAddrIn.loopback(80), 8, true, true, 0},     // shorter than SOCKADDR_IN
                {SockAddrIn6.loopback(80), 16, true, true, 0},   // shorter than SOCKADDR_IN6
                {new SockAddrStorage(), 128, true, true, 0},     // no family
                {null, 16, true, true, 0}};
        for (Object[] args : cases) {
            NameLookup lookup = new NameLookup((SockAddr) args[0], (Integer) args[1], (Integer) args[4],
                    (Boolean) args[2], (Boolean) args[3]);
            assertEquals(STATUS_INVALID_PARAMETER, lookup.returned, java.util.Arrays.toString(args));
            assertEquals(1, lookup.completion.runs.get());
            assertEquals(STATUS_INVALID_PARAMETER, lookup.completion.status);
        }
        // the largest length is fine
        assertEquals(STATUS_SUCCESS, new NameLookup(SockAddrIn.loopback(80), 128, NI_NUMERICHOST, true, true).await());
    }

    @Test
    void getNameInfoWithoutIrpIsInvalidParameterAndNothingCompletes() {
        assertEquals(STATUS_INVALID_PARAMETER, npi.dispatch().wskGetNameInfo(npi.client(), SockAddrIn.loopback(80),
                16, new Ref<>(), new Ref<>(), NI_NUMERICHOST, null, null, null));
        assertEquals(0, executor.runPending());
    }

    @Test
    void getNameInfoAtDispatchLevelIsAVerifierViolation() {
        Completion c = new Completion();
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        VerifierError error;
        try {
            error = assertThrows(VerifierError.class, () -> npi.dispatch().wskGetNameInfo(npi.client(),
                    SockAddrIn.loopback(80), 16, new Ref<>(), null, NI_NUMERICHOST, null, null, c.irp));
        } finally {
            Ke.lowerIrql(old);
        }
        assertEquals(VerifierRule.IRQL_NOT_PASSIVE, error.rule());
        assertFalse(c.irp.isInFlight());
        Io.freeIrp(c.irp);
        wsk.ioManager().verifier().clearViolations();
    }

    @Test
    void ipv6FormattingFollowsRfc5952() {
        assertEquals("::", NameResolver.formatIpv6(new byte[16]));
        byte[] bytes = new byte[16];
        bytes[1] = 1;   // 1:0:...
        bytes[15] = 1;  // ...:1
        assertEquals("1::1", NameResolver.formatIpv6(bytes));
        byte[] single = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
        assertEquals("2001:db8:0:1:1:1:1:1", NameResolver.formatIpv6(single), "one zero group is not compressed");
        byte[] tie = {0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1};
        assertEquals("1::1:0:0:1:1", NameResolver.formatIpv6(tie), "the first of equal runs is compressed");
    }
}
