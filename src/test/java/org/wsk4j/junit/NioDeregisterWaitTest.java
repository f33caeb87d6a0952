package org.wsk4j.junit;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.Wsk;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * WskDeregister called from a test method on real sockets (the extension's manual executor) while the close of the
 * registration's last socket is still to complete: the wait runs the executor's completions and returns. (It waited
 * on the registration's monitor, which nothing would ever notify: the close completion sat in the manual executor.)
 */
@WskTest(transport = WskTransport.NIO, waitLimitSeconds = 10)
class NioDeregisterWaitTest {

    /** An IRP whose completion routine records the status and frees it. */
    private static Irp recordingIrp(Ref<NtStatus> status, Ref<Object> information) {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> {
            status.set(done.ioStatus().status());
            information.set(done.ioStatus().informationObject());
            Io.freeIrp(done);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        return irp;
    }

    @Test
    void deregisterRunsThePendingCloseCompletionAndReturns(ManualCompletionExecutor executor) {
        WskRegistration registration = new WskRegistration();
        assertEquals(STATUS_SUCCESS, Wsk.wskRegister(new WskClientNpi(null,
                new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
        WskProviderNpi npi = new WskProviderNpi();
        assertEquals(STATUS_SUCCESS, Wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        Ref<NtStatus> created = new Ref<>();
        Ref<Object> socket = new Ref<>();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                null, null, null, null, recordingIrp(created, socket));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, created.get());
        Wsk.wskReleaseProviderNpi(registration);

        Ref<NtStatus> closed = new Ref<>();
        WskSocket wskSocket = (WskSocket) socket.get();
        assertEquals(STATUS_PENDING, wskSocket.dispatch().wskCloseSocket(wskSocket, recordingIrp(closed, new Ref<>())));
        assertNull(closed.get(), "the close completes in the manual executor, not yet run");

        Wsk.wskDeregister(registration); // returns once the close completed: it ran the executor meanwhile
        assertEquals(STATUS_SUCCESS, closed.get());
        assertEquals(0, registration.openSocketCount());
    }
}
