package org.wsk4j.guide;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.Zw;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * The code of the "Blocking-style drivers" chapter of {@code docs/testing-guide.md} (checked by
 * {@link ConnectGuideTest#theGuideShowsThisFilesCode()}): blocking KEVENT wrappers called straight from the test
 * method, on the simulated network.
 */
// tag::blocking-class[]
@WskTest(seed = "0xb10c")
class BlockingGuideTest {
    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.2", 80);
    // end::blocking-class[]

    // tag::blocking-driver[]
    /** KSOCKET's pattern: one IRP, reused; a routine that sets a KEVENT; a wait when the call pends. */
    static final class BlockingSocket {
        final KEvent done = new KEvent();
        final Irp irp = Io.allocateIrp(1, false);
        WskSocket socket;

        BlockingSocket() {
            Ke.initializeEvent(done, SynchronizationEvent, false);
        }

        private Irp reset() {
            Ke.resetEvent(done);
            Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
            Io.setCompletionRoutine(irp, (device, i, event) -> {
                Ke.setEvent((KEvent) event, Io.IO_NO_INCREMENT, false);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, done, true, true, true);
            return irp;
        }

        private NtStatus await(NtStatus status) {
            if (status == STATUS_PENDING) {
                Ke.waitForSingleObject(done, Executive, KernelMode, false, null);
                status = irp.ioStatus().status();
            }
            return status;
        }

        NtStatus connect(WskProviderNpi npi, SockAddr remote) {
            NtStatus status = await(npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP,
                    SockAddrIn.any(0), remote, 0, null, null, null, null, null, reset()));
            if (status == STATUS_SUCCESS) {
                socket = (WskSocket) irp.ioStatus().informationObject();
            }
            return status;
        }

        NtStatus close() {
            NtStatus status = socket == null ? STATUS_SUCCESS : await(socket.dispatch().wskCloseSocket(socket, reset()));
            Io.freeIrp(irp);
            return status;
        }
    }
    // end::blocking-driver[]

    // tag::blocking-refused[]
    @Test
    void refused(SimNetwork network, WskProviderNpi npi) {
        network.onConnect(SERVER).thenFault(Fault.refuse());
        BlockingSocket s = new BlockingSocket();

        assertEquals(STATUS_CONNECTION_REFUSED, s.connect(npi, SockAddr.of(SERVER))); // blocks, in virtual time

        s.close();
    }
    // end::blocking-refused[]

    // tag::blocking-timeout[]
    @Test
    void timesOutAfter21VirtualSeconds(SimNetwork network, WskProviderNpi npi, ManualCompletionExecutor executor) {
        network.onConnect(SERVER).thenFault(Fault.blackHole());
        BlockingSocket s = new BlockingSocket();

        assertEquals(STATUS_IO_TIMEOUT, s.connect(npi, SockAddr.of(SERVER)));
        assertEquals(Duration.ofSeconds(21), executor.now()); // virtual: the test took milliseconds

        s.close();
    }
    // end::blocking-timeout[]

    // tag::blocking-cancel[]
    @Test
    void aSecondDriverThreadCancelsTheHangingConnect(SimNetwork network, WskProviderNpi npi) {
        network.onConnect(SERVER).thenFault(Fault.blackHole());
        BlockingSocket s = new BlockingSocket();
        Ref<Handle> canceller = new Ref<>();
        Ps.createSystemThread(canceller, Ps.THREAD_ALL_ACCESS, null, null, null, context -> {
            Ke.delayExecutionThread(KernelMode, false, -10_000_000L); // 1 virtual second
            Io.cancelIrp(s.irp);
        }, null);
        Zw.close(canceller.get());

        assertEquals(STATUS_CANCELLED, s.connect(npi, SockAddr.of(SERVER)));

        s.close();
    }
    // end::blocking-cancel[]

    // tag::blocking-deadlock[]
    @Test
    void aDeadlockIsAReportNotAHang(IoManager io) {
        io.verifier().setMode(VerifierRule.DRIVER_THREADS_DEADLOCKED, Verifier.Mode.LOG);
        KEvent workerReady = new KEvent(NotificationEvent, false);
        KEvent mainReady = new KEvent(NotificationEvent, false);
        Ref<Handle> handle = new Ref<>();
        Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, context -> {
            Ke.waitForSingleObject(mainReady, Executive, KernelMode, false, null); // waits for main...
            workerReady.set();
        }, null);
        Ref<Object> worker = new Ref<>();
        Ob.referenceObjectByHandle(handle.get(), Ps.THREAD_ALL_ACCESS, Ps.PsThreadType, KernelMode, worker, null);
        Zw.close(handle.get());

        VerifierError error = assertThrows(VerifierError.class, // ...which waits for the worker
                () -> Ke.waitForSingleObject(workerReady, Executive, KernelMode, false, null));

        assertEquals(VerifierRule.DRIVER_THREADS_DEADLOCKED, error.rule());
        assertTrue(error.getMessage().contains("wsk4j-system-thread-1 (system): waiting in KeWaitForSingleObject"));
        Ob.dereferenceObject(worker.get());
        io.verifier().clearViolations(); // asserted: the extension would otherwise report it after the test
    }
    // end::blocking-deadlock[]
}
