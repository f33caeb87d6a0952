package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.WskProviderNpi;

/**
 * WskGetAddressInfo and WskGetNameInfo on the simulated network, waited for in the blocking style (KSOCKET's
 * KsGetAddrInfo): the resolution is a task of the network's executor, so the deterministic scheduler sees it and the
 * wait ends. (It used to run on a real resolver thread: the scheduler found the waiting test thread with nothing due
 * and reported DRIVER_THREADS_DEADLOCKED, or, racing the resolver thread, let it through.)
 */
@WskTest
class SimNameResolutionTest {

    /** An IRP whose completion routine sets a synchronization event, as KSOCKET's async context does. */
    private static final class Call {
        final KEvent done = new KEvent();
        final Irp irp = Io.allocateIrp(1, false);

        Call() {
            Ke.initializeEvent(done, SynchronizationEvent, false);
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                Ke.setEvent(done, Io.IO_NO_INCREMENT, false);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }

        NtStatus await(NtStatus returned) {
            assertEquals(STATUS_PENDING, returned);
            assertEquals(STATUS_SUCCESS, Ke.waitForSingleObject(done, Executive, KernelMode, false, null));
            NtStatus status = irp.ioStatus().status();
            Io.freeIrp(irp);
            return status;
        }
    }

    @Test
    void blockingWaitForGetAddressInfoEndsWithoutMovingVirtualTime(WskProviderNpi npi, SimNetwork network) {
        for (String node : new String[] {"127.0.0.1", "::1", "localhost"}) {
            for (int i = 0; i < 20; i++) { // a race with a real thread would show within a few rounds
                Call call = new Call();
                Ref<AddrInfoExW> result = new Ref<>();
                NtStatus status = call.await(npi.dispatch().wskGetAddressInfo(npi.client(), node, "80", NS_ALL, null,
                        null, result, null, null, call.irp));
                assertEquals(STATUS_SUCCESS, status, node);
                assertNotNull(result.get());
                assertEquals(80, result.get().addr().port());
                npi.dispatch().wskFreeAddressInfo(npi.client(), result.get());
            }
        }
        assertEquals(Duration.ZERO, network.executor().now(), "resolution takes no virtual time");
    }

    @Test
    void unresolvableNameFailsAndGetNameInfoCompletesToo(WskProviderNpi npi) {
        Call lookup = new Call();
        Ref<AddrInfoExW> result = new Ref<>();
        assertEquals(STATUS_NOT_FOUND, lookup.await(npi.dispatch().wskGetAddressInfo(npi.client(), "nowhere.invalid",
                null, NS_ALL, null, null, result, null, null, lookup.irp)));

        Call reverse = new Call();
        Ref<String> host = new Ref<>();
        Ref<String> service = new Ref<>();
        NtStatus status = reverse.await(npi.dispatch().wskGetNameInfo(npi.client(), SockAddrIn.loopback(80),
                SockAddrIn.SIZE, host, service, NI_NUMERICSERV, null, null, reverse.irp));
        assertEquals(STATUS_SUCCESS, status);
        assertEquals("80", service.get());
        assertNotNull(host.get());
    }
}
