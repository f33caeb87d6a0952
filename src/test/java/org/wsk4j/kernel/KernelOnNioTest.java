package org.wsk4j.kernel;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.KTimer;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Kernel;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.nt.Zw;

/**
 * The real kernel model, on the NIO transport under the extension: the test method makes blocking KEVENT-style WSK
 * calls itself (its waits run the manual executor's completions), system threads are real threads, and a wait that
 * cannot end is bounded by the test's wait limit and reported.
 */
@WskTest(transport = WskTransport.NIO, waitLimitSeconds = 10)
class KernelOnNioTest {

    /** KSOCKET's pattern: a synchronization event set by the routine, a wait when the call returned PENDING. */
    private static NtStatus call(Irp irp, KEvent event, java.util.function.Function<Irp, NtStatus> wskCall) {
        Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        Ke.resetEvent(event);
        Io.setCompletionRoutine(irp, (device, i, context) -> {
            Ke.setEvent((KEvent) context, Io.IO_NO_INCREMENT, false);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, event, true, true, true);
        NtStatus status = wskCall.apply(irp);
        if (status == STATUS_PENDING) {
            Ke.waitForSingleObject(event, Executive, KernelMode, false, null);
            status = irp.ioStatus().status();
        }
        return status;
    }

    @Test
    void blockingCallsFromTheTestMethodGetTheirCompletions(WskProviderNpi npi, Kernel kernel) {
        assertFalse(kernel.isDeterministic());
        KEvent event = new KEvent(SynchronizationEvent, false);
        Irp irp = Io.allocateIrp(1, false);
        NtStatus created = call(irp, event, i -> npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM,
                IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, i));
        assertSame(STATUS_SUCCESS, created);
        WskSocket socket = (WskSocket) irp.ioStatus().informationObject();
        assertSame(STATUS_SUCCESS, call(irp, event, i -> socket.dispatch().wskCloseSocket(socket, i)));
        Io.freeIrp(irp);
    }

    @Test
    void systemThreadsAreRealThreadsAndTimersRunInRealTime() {
        KEvent done = new KEvent(NotificationEvent, false);
        AtomicReference<String> seen = new AtomicReference<>();
        Ref<Handle> handle = new Ref<>();
        assertSame(STATUS_SUCCESS, Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, context -> {
            KTimer timer = new KTimer();
            Ke.initializeTimer(timer);
            Ke.setTimer(timer, -100_000L, null); // 10 ms, real
            Ke.waitForSingleObject(timer, Executive, KernelMode, false, null);
            seen.set(Thread.currentThread().getName() + " bound to " + IoManager.current().name());
            done.set();
        }, null));
        Ref<Object> thread = new Ref<>();
        assertSame(STATUS_SUCCESS, Ob.referenceObjectByHandle(handle.get(), 0, Ps.PsThreadType, KernelMode, thread,
                null));
        Zw.close(handle.get());
        assertSame(STATUS_SUCCESS, Ke.waitForSingleObject(thread.get(), Executive, KernelMode, false, null));
        Ob.dereferenceObject(thread.get());
        assertTrue(done.readState());
        assertTrue(seen.get().startsWith("wsk4j-system-thread-"), seen.get());
        assertEquals(IoManager.current().name(), seen.get().substring(seen.get().indexOf(" bound to ") + 10));
    }

    @Test
    void aWaitThatCannotEndIsReportedWhenTheLimitRunsOut(Kernel kernel, IoManager io) {
        io.verifier().setMode(VerifierRule.WAIT_LIMIT_EXCEEDED, Verifier.Mode.LOG);
        kernel.setWaitLimit(Duration.ofMillis(200));
        KEvent never = new KEvent(SynchronizationEvent, false);
        assertSame(STATUS_TIMEOUT, Ke.waitForSingleObject(never, Executive, KernelMode, false, null));
        VerifierReport report = io.verifier().violations().get(0);
        assertSame(VerifierRule.WAIT_LIMIT_EXCEEDED, report.rule());
        assertTrue(report.message().contains("KeWaitForSingleObject on KEvent[SYNCHRONIZATION_EVENT, not signaled] did"
                + " not end within the wait limit PT0.2S"), report.message());
        io.verifier().clearViolations();
    }

    @Test
    void theWaitHelperNoticesInlineWorkAtOnce(Kernel kernel) {
        long start = System.nanoTime();
        assertTrue(kernel.waitUntil(() -> true, Duration.ofSeconds(10)));
        assertFalse(kernel.waitUntil(() -> false, Duration.ofMillis(20)));
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
    }
}
