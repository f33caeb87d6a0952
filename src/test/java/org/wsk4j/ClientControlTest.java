package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** WskControlClient: every control code, the IRP rules, sizes, and the per-registration state it keeps. */
@WskTest(transport = org.wsk4j.junit.WskTransport.NIO)
class ClientControlTest {

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

    private NtStatus control(int code, long inputSize, Object input, long outputSize, Object output,
                             Ref<Long> returned, Completion completion) {
        return npi.dispatch().wskControlClient(npi.client(), code, inputSize, input, outputSize, output, returned,
                completion == null ? null : completion.irp);
    }

    private NtStatus setStatic(int mask) {
        return control(WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE,
                new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, mask), 0, null, null, null);
    }

    private ClientServices services() {
        return wsk.provider().clientServices;
    }

    // ---- WSK_TRANSPORT_LIST_QUERY ---------------------------------------------------------------------

    @Test
    void transportListSizeQueryReturnsBufferOverflowAndTheBytesNeeded() {
        Ref<Long> needed = new Ref<>();
        assertEquals(STATUS_BUFFER_OVERFLOW, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 0, null, needed, null));
        assertEquals(4L * WskTransport.SIZE, needed.get());
        assertEquals(96L, needed.get());
        // without a size holder the answer is the same status
        assertEquals(STATUS_BUFFER_OVERFLOW, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 0, null, null, null));
    }

    @Test
    void transportListFillsAnArrayOfTheQueriedSize() {
        Ref<Long> size = new Ref<>();
        control(WSK_TRANSPORT_LIST_QUERY, 0, null, 0, null, size, null);
        WskTransport[] transports = new WskTransport[(int) (size.get() / WskTransport.SIZE)];
        Ref<Long> written = new Ref<>();
        assertEquals(STATUS_SUCCESS, control(WSK_TRANSPORT_LIST_QUERY, 0, null, size.get(), transports, written,
                null));
        assertEquals(96L, written.get());
        UUID provider = WskTransport.WSK4J_PROVIDER_ID;
        assertArrayEquals(new WskTransport[] {
                new WskTransport(0x0100, SOCK_STREAM, IPPROTO_TCP, AF_INET, provider),
                new WskTransport(0x0100, SOCK_DGRAM, IPPROTO_UDP, AF_INET, provider),
                new WskTransport(0x0100, SOCK_STREAM, IPPROTO_TCP, AF_INET6, provider),
                new WskTransport(0x0100, SOCK_DGRAM, IPPROTO_UDP, AF_INET6, provider)}, transports);
    }

    @Test
    void transportListBufferTooSmallReturnsOverflowAndLeavesTheBufferAlone() {
        Ref<Long> needed = new Ref<>();
        WskTransport[] small = new WskTransport[2];
        assertEquals(STATUS_BUFFER_OVERFLOW, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 2L * WskTransport.SIZE,
                small, needed, null));
        assertEquals(96L, needed.get());
        assertNull(small[0]);
        // a large array with a too small OutputSize is too small as well
        WskTransport[] large = new WskTransport[8];
        needed.set(null);
        assertEquals(STATUS_BUFFER_OVERFLOW, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 95, large, needed, null));
        assertEquals(96L, needed.get());
        assertNull(large[0]);
        // and a null buffer with a non-zero size is malformed
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 96, null, null, null));
        // so is an output of an unsupported type
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 96, new byte[96], null,
                null));
    }

    @Test
    void transportListIntoARefHolderGetsTheWholeList() {
        Ref<WskTransport[]> holder = new Ref<>();
        Ref<Long> written = new Ref<>();
        assertEquals(STATUS_SUCCESS, control(WSK_TRANSPORT_LIST_QUERY, 0, null, 0, holder, written, null));
        assertEquals(4, holder.get().length);
        assertEquals(96L, written.get());
        holder.get()[0] = null; // a copy: the provider's list is not affected
        Ref<WskTransport[]> again = new Ref<>();
        control(WSK_TRANSPORT_LIST_QUERY, 0, null, 0, again, null, null);
        assertNotNull(again.get()[0]);
    }

    // ---- IRP rules, unknown codes, bad clients --------------------------------------------------------

    @ParameterizedTest
    @ValueSource(ints = {WSK_TRANSPORT_LIST_QUERY, WSK_CACHE_SD, WSK_RELEASE_SD, WSK_TDI_DEVICENAME_MAPPING,
            WSK_SET_STATIC_EVENT_CALLBACKS, WSK_TDI_BEHAVIOR})
    void codesThatTakeNoIrpCompleteAGivenIrpWithInvalidParameter(int code) {
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, control(code, WskEventCallbackControl.SIZE,
                new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT), 0, null, new Ref<>(), c));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_PARAMETER, c.status);
        assertEquals(0, c.information);
        assertEquals(0, registration.staticEventMask(), "nothing was applied");
    }

    @Test
    void unknownControlCodeIsInvalidParameterReturnedOrCompleted() {
        assertEquals(STATUS_INVALID_PARAMETER, control(99, 0, null, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(1, 0, null, 0, null, null, null));
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, control(99, 0, null, 0, null, null, c));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_PARAMETER, c.status);
    }

    @Test
    void nullClientIsInvalidHandleReturnedOrCompleted() {
        WskProviderDispatch dispatch = npi.dispatch();
        assertEquals(STATUS_INVALID_HANDLE, dispatch.wskControlClient(null, WSK_TRANSPORT_LIST_QUERY, 0, null, 0,
                null, new Ref<>(), null));
        Completion c = new Completion();
        assertEquals(STATUS_INVALID_HANDLE, dispatch.wskControlClient(null, WSK_TRANSPORT_LIST_CHANGE, 0, null, 0,
                null, null, c.irp));
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_INVALID_HANDLE, c.status);
    }

    @Test
    void staleClientOfAReRegisteredBlockIsInvalidHandle() {
        WskClient stale = npi.client();
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(MAKE_WSK_VERSION(1, 0)), registration));
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        assertEquals(STATUS_INVALID_HANDLE, npi.dispatch().wskControlClient(stale, WSK_TRANSPORT_LIST_QUERY, 0, null,
                0, null, null, null));
    }

    // ---- WSK_SET_STATIC_EVENT_CALLBACKS ---------------------------------------------------------------

    @Test
    void staticEventCallbacksAreStoredOnce() {
        int mask = WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE | WSK_EVENT_DISCONNECT;
        assertEquals(STATUS_SUCCESS, setStatic(mask));
        assertEquals(mask, registration.staticEventMask());
        assertEquals(STATUS_INVALID_DEVICE_STATE, setStatic(WSK_EVENT_SEND_BACKLOG), "static callbacks are fixed");
        assertEquals(mask, registration.staticEventMask());
    }

    @Test
    void staticEventCallbacksAcceptEveryAllowedEvent() {
        assertEquals(STATUS_SUCCESS, setStatic(WSK_EVENT_ACCEPT | WSK_EVENT_RECEIVE_FROM | WSK_EVENT_RECEIVE
                | WSK_EVENT_DISCONNECT | WSK_EVENT_SEND_BACKLOG));
    }

    @Test
    void staticEventCallbacksRejectMalformedInput() {
        assertEquals(STATUS_INVALID_PARAMETER, setStatic(WSK_EVENT_ACCEPT | WSK_EVENT_DISABLE));
        assertEquals(STATUS_INVALID_PARAMETER, setStatic(WSK_EVENT_DISABLE));
        assertEquals(STATUS_INVALID_PARAMETER, setStatic(0x1)); // not an event
        assertEquals(STATUS_INVALID_PARAMETER, setStatic(0));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE,
                new WskEventCallbackControl(UUID.randomUUID(), WSK_EVENT_ACCEPT), 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_SET_STATIC_EVENT_CALLBACKS, 8,
                new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT), 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE,
                null, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE,
                Integer.valueOf(WSK_EVENT_ACCEPT), 0, null, null, null));
        assertEquals(STATUS_SUCCESS, setStatic(WSK_EVENT_ACCEPT), "failed calls set nothing");
    }

    @Test
    void staticEventCallbacksAfterASocketWasCreatedAreTooLate() {
        WskSocket socket = nio.createConnectionSocket(AF_INET);
        try {
            assertEquals(STATUS_INVALID_DEVICE_STATE, setStatic(WSK_EVENT_RECEIVE));
        } finally {
            nio.close(socket);
        }
        assertEquals(STATUS_INVALID_DEVICE_STATE, setStatic(WSK_EVENT_RECEIVE), "also once it is closed again");
        assertEquals(0, registration.staticEventMask());
    }

    @Test
    void reRegistrationAllowsStaticEventCallbacksAgain() {
        assertEquals(STATUS_SUCCESS, setStatic(WSK_EVENT_ACCEPT));
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        assertEquals(STATUS_SUCCESS, wsk.wskRegister(clientNpi(MAKE_WSK_VERSION(1, 0)), registration));
        assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        assertEquals(STATUS_SUCCESS, setStatic(WSK_EVENT_RECEIVE));
    }

    // ---- WSK_CACHE_SD / WSK_RELEASE_SD ----------------------------------------------------------------

    @Test
    void cachedSecurityDescriptorIsTrackedUntilReleasedOnce() {
        SecurityDescriptor original = new SecurityDescriptor("D:(A;;GA;;;SY)");
        Ref<SecurityDescriptor> cached = new Ref<>();
        Ref<Long> written = new Ref<>();
        assertEquals(STATUS_SUCCESS, control(WSK_CACHE_SD, 8, original, 8, cached, written, null));
        assertNotNull(cached.get());
        assertNotSame(original, cached.get());
        assertTrue(cached.get().isCached());
        assertFalse(original.isCached());
        assertEquals("D:(A;;GA;;;SY)", cached.get().description());
        assertEquals(8L, written.get());
        assertEquals(1, services().cachedSecurityDescriptorCount(registration));

        assertEquals(STATUS_SUCCESS, control(WSK_RELEASE_SD, 8, cached.get(), 0, null, null, null));
        assertTrue(cached.get().isReleased());
        assertEquals(0, services().cachedSecurityDescriptorCount(registration));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_RELEASE_SD, 8, cached.get(), 0, null, null, null),
                "double release");
    }

    @Test
    void securityDescriptorMisuseIsInvalidParameter() {
        SecurityDescriptor original = new SecurityDescriptor(null);
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_RELEASE_SD, 8, original, 0, null, null, null),
                "an uncached descriptor cannot be released");
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_RELEASE_SD, 8, null, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_CACHE_SD, 8, original, 8, null, null, null),
                "no output holder");
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_CACHE_SD, 8, "sd", 8, new Ref<>(), null, null));
        Ref<SecurityDescriptor> cached = new Ref<>();
        assertEquals(STATUS_SUCCESS, control(WSK_CACHE_SD, 8, original, 8, cached, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_CACHE_SD, 8, cached.get(), 8, new Ref<>(), null, null),
                "a cached descriptor is not cached again");
        assertEquals(STATUS_SUCCESS, control(WSK_RELEASE_SD, 8, cached.get(), 0, null, null, null));
    }

    // ---- WSK_TDI_BEHAVIOR / WSK_TDI_DEVICENAME_MAPPING ------------------------------------------------

    @Test
    void tdiBehaviorAcceptsOnlyBypassTdiBeforeTheFirstSocket() {
        assertEquals(STATUS_SUCCESS, control(WSK_TDI_BEHAVIOR, 4, WSK_TDI_BEHAVIOR_BYPASS_TDI, 0, null, null, null));
        assertEquals(STATUS_SUCCESS, control(WSK_TDI_BEHAVIOR, 8, (long) WSK_TDI_BEHAVIOR_BYPASS_TDI, 0, null, null,
                null));
        assertEquals(STATUS_SUCCESS, control(WSK_TDI_BEHAVIOR, 4, 0, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TDI_BEHAVIOR, 4, 2, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TDI_BEHAVIOR, 4, null, 0, null, null, null));
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TDI_BEHAVIOR, 2, WSK_TDI_BEHAVIOR_BYPASS_TDI, 0, null,
                null, null));
        WskSocket socket = nio.createConnectionSocket(AF_INET6);
        nio.close(socket);
        assertEquals(STATUS_INVALID_DEVICE_STATE, control(WSK_TDI_BEHAVIOR, 4, WSK_TDI_BEHAVIOR_BYPASS_TDI, 0, null,
                null, null));
    }

    @Test
    void tdiDeviceNameMappingIsNotSupported() {
        assertEquals(STATUS_NOT_SUPPORTED, control(WSK_TDI_DEVICENAME_MAPPING, 16, new Object(), 0, null, null,
                null));
    }

    // ---- WSK_TRANSPORT_LIST_CHANGE ----------------------------------------------------------------------

    @Test
    void transportListChangeWithoutIrpIsInvalidParameter() {
        assertEquals(STATUS_INVALID_PARAMETER, control(WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, null));
    }

    @Test
    void transportListChangeStaysPendingUntilCancelled() {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, control(WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, c));
        executor.runPending();
        assertFalse(c.done(), "the transport list never changes");
        assertEquals(1, services().pendingTransportListChangeCount(registration));

        assertTrue(Io.cancelIrp(c.irp));
        executor.runPending();
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_CANCELLED, c.status);
        assertEquals(0, c.information);
        assertTrue(c.pendingReturned);
        assertEquals(0, services().pendingTransportListChangeCount(registration));
    }

    @Test
    void transportListChangeOnAnIrpCancelledBeforehandCompletesCancelled() {
        Completion c = new Completion();
        Io.cancelIrp(c.irp); // no cancel routine yet: only the flag is set
        assertEquals(STATUS_PENDING, control(WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, c));
        executor.runPending();
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_CANCELLED, c.status);
        assertEquals(0, services().pendingTransportListChangeCount(registration));
    }

    @Test
    void wskDeregisterCancelsQueuedTransportListChangesBeforeItReturns() {
        Completion first = new Completion();
        Completion second = new Completion();
        assertEquals(STATUS_PENDING, control(WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, first));
        assertEquals(STATUS_PENDING, control(WSK_TRANSPORT_LIST_CHANGE, 0, null, 0, null, null, second));
        executor.runPending();
        assertFalse(first.done());

        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration); // no executor run needed: the completions ran inside

        for (Completion c : new Completion[] {first, second}) {
            assertEquals(1, c.runs.get());
            assertEquals(STATUS_CANCELLED, c.status);
            assertEquals(0, c.information);
        }
        assertFalse(registration.isActive());
        assertEquals(0, services().pendingTransportListChangeCount(registration));
    }
}
