package org.wsk4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.Wsk;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Zw;

/**
 * The production configuration (real sockets, the threaded completion executor, no test extension): a driver's system
 * thread makes KSOCKET-style blocking calls through the global functions, and its unload waits for the thread object.
 */
class KernelThreadedExecutorTest {

    private static NtStatus await(NtStatus status, KEvent event, Irp irp) {
        if (status == STATUS_PENDING) {
            Ke.waitForSingleObject(event, Executive, KernelMode, false, null);
            status = irp.ioStatus().status();
        }
        return status;
    }

    private static Irp reset(Irp irp, KEvent event) {
        Ke.resetEvent(event);
        Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, (device, i, context) -> {
            Ke.setEvent((KEvent) context, Io.IO_NO_INCREMENT, false);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, event, true, true, true);
        return irp;
    }

    @Test
    void aSystemThreadMakesBlockingCallsOnTheThreadedExecutor() {
        try (WskSubsystem wsk = WskSubsystem.builder().name("threaded-kernel").build();
             IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            Ref<NtStatus> created = new Ref<>();
            Ref<NtStatus> closed = new Ref<>();
            Ref<Handle> handle = new Ref<>();
            assertSame(STATUS_SUCCESS, Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, context -> {
                WskRegistration registration = new WskRegistration();
                WskProviderNpi npi = new WskProviderNpi();
                assertSame(STATUS_SUCCESS, Wsk.wskRegister(new WskClientNpi(null,
                        new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
                assertSame(STATUS_SUCCESS, Wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi));
                KEvent event = new KEvent(SynchronizationEvent, false);
                Irp irp = Io.allocateIrp(1, false);
                created.set(await(npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                        WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, reset(irp, event)), event, irp));
                WskSocket socket = (WskSocket) irp.ioStatus().informationObject();
                closed.set(await(socket.dispatch().wskCloseSocket(socket, reset(irp, event)), event, irp));
                Io.freeIrp(irp);
                Wsk.wskReleaseProviderNpi(registration);
                Wsk.wskDeregister(registration);
            }, null));
            Ref<Object> thread = new Ref<>();
            assertSame(STATUS_SUCCESS, Ob.referenceObjectByHandle(handle.get(), 0, Ps.PsThreadType, KernelMode, thread,
                    null));
            Zw.close(handle.get());
            assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(thread.get(), Executive, KernelMode, false, -300_000_000L),
                    "the thread ended within 30 s");
            Ob.dereferenceObject(thread.get());
            assertSame(STATUS_SUCCESS, created.get());
            assertSame(STATUS_SUCCESS, closed.get());
            assertEquals(0, wsk.ioManager().liveIrpCount());
            assertTrue(wsk.ioManager().routineFailures().isEmpty(), () -> wsk.ioManager().routineFailures().toString());
            assertTrue(wsk.registrations().isEmpty(), "registered on the bound subsystem, and deregistered");
        }
    }
}
