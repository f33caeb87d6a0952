package org.example.consumer;

import static org.wsk4j.Wsk.AF_INET;
import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;
import static org.wsk4j.Wsk.WSK_FLAG_CONNECTION_SOCKET;
import static org.wsk4j.nt.NtStatus.STATUS_MORE_PROCESSING_REQUIRED;

import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** Driver code under test: creates a connection socket and closes it, each through an IRP. */
public final class Sockets {

    private Sockets() {
    }

    /**
     * WskSocket then WskCloseSocket.
     *
     * @param npi      the captured provider NPI
     * @param executor runs the completions (the test's manual executor)
     * @return the close's status, or the creation's when it failed
     */
    public static NtStatus createAndClose(WskProviderNpi npi, ManualCompletionExecutor executor) {
        Object[] created = call(executor, irp -> npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM,
                IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp));
        if (!((NtStatus) created[0]).isSuccess()) {
            return (NtStatus) created[0];
        }
        WskSocket socket = (WskSocket) created[1];
        return (NtStatus) call(executor, irp -> socket.dispatch().wskCloseSocket(socket, irp))[0];
    }

    /** Runs one WSK call on a new IRP; returns {status, information object}, read before the IRP is freed. */
    private static Object[] call(ManualCompletionExecutor executor, java.util.function.Consumer<Irp> wskCall) {
        Object[] result = new Object[2];
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> {
            result[0] = done.ioStatus().status();
            result[1] = done.ioStatus().informationObject();
            Io.freeIrp(done);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        wskCall.accept(irp);
        executor.runPending();
        return result;
    }
}
