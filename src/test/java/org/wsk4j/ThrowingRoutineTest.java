package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.ThreadedCompletionExecutor;

/**
 * Issue 15, finding 1: a completion routine or event callback that throws a {@link VirtualMachineError} (here
 * {@link StackOverflowError}, or an {@link OutOfMemoryError}) is recorded like any other exception, the executor
 * keeps all its threads, and the socket's serial queue goes on: the next receive completes, and WskCloseSocket and
 * WskDeregister return. Real loopback, threaded executor of two threads.
 */
class ThrowingRoutineTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    @ParameterizedTest
    @ValueSource(strings = {"StackOverflowError", "OutOfMemoryError", "InternalError"})
    void virtualMachineErrorFromARoutineWedgesNothing(String kind) throws Exception {
        Supplier<VirtualMachineError> error = switch (kind) {
            case "StackOverflowError" -> () -> new StackOverflowError("attack");
            case "OutOfMemoryError" -> () -> new OutOfMemoryError("attack");
            default -> () -> new InternalError("attack");
        };
        String prefix = "attack-" + kind;
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor(prefix, 2);
             WskSubsystem wsk = WskSubsystem.builder().executor(executor).build();
             IoManager.Binding ignored = wsk.bindToCurrentThread();
             ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            wsk.ioManager().verifier().setSink(org.wsk4j.nt.VerifierSink.recording()); // the failure is asserted below
            WskRegistration registration = new WskRegistration();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                    new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            Completion created = new Completion();
            npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                    null, null, null, null, created.irp);
            assertEquals(STATUS_SUCCESS, created.signaled.waitFor(WAIT));
            WskSocket socket = created.socket();
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
            Completion bind = new Completion();
            dispatch.wskBind(socket, SockAddrIn.any(0), 0, bind.irp);
            assertEquals(STATUS_SUCCESS, bind.signaled.waitFor(WAIT));
            Completion connect = new Completion();
            dispatch.wskConnect(socket, SockAddrIn.loopback(server.getLocalPort()), 0, connect.irp);
            assertEquals(STATUS_SUCCESS, connect.signaled.waitFor(WAIT));
            assertEquals(STATUS_SUCCESS, connect.status);
            try (Socket peer = server.accept()) {
                // A receive whose completion routine throws the error.
                Irp throwing = Io.allocateIrp(1, false);
                KEvent entered = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
                Io.setCompletionRoutine(throwing, (device, irp, context) -> {
                    entered.set();
                    throw error.get();
                }, null, true, true, true);
                assertEquals(STATUS_PENDING, dispatch.wskReceive(socket, buffer(1), 0, throwing));
                peer.getOutputStream().write(1);
                assertEquals(STATUS_SUCCESS, entered.waitFor(WAIT));

                // The socket's queue goes on: the next receive completes.
                Completion next = new Completion();
                assertEquals(STATUS_PENDING, dispatch.wskReceive(socket, buffer(1), 0, next.irp));
                peer.getOutputStream().write(2);
                assertEquals(STATUS_SUCCESS, next.signaled.waitFor(WAIT), "the socket's serial queue is wedged");
                assertEquals(STATUS_SUCCESS, next.status);
                assertEquals(1, next.information);
                Io.freeIrp(throwing); // the routine threw: the IRP stayed with its owner

                assertEquals(1, wsk.ioManager().routineFailures().size(), "the error is recorded");
                assertEquals(kind, wsk.ioManager().routineFailures().get(0).getClass().getSimpleName());
                long workers = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith(prefix + "-completion-") && t.isAlive()).count();
                assertEquals(2, workers, "no executor thread is lost");

                Completion close = new Completion();
                assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, close.irp));
                assertEquals(STATUS_SUCCESS, close.signaled.waitFor(WAIT), "WskCloseSocket returns");
            }
            wsk.wskReleaseProviderNpi(registration);
            assertTimeoutPreemptively(WAIT, () -> wsk.wskDeregister(registration), "WskDeregister returns");
            assertEquals(0, wsk.ioManager().liveIrpCount(), () -> "IRPs leaked: " + wsk.ioManager().liveIrps());
        }
    }

    /** The same for a throwing task on the executor itself (a DPC-like task posted by the driver). */
    @Test
    void virtualMachineErrorFromAnExecutorTaskKeepsTheWorker() throws Exception {
        try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("attack-task", 1)) {
            IoManager attacked = IoManager.create("attack-task");
            attacked.verifier().setSink(org.wsk4j.nt.VerifierSink.recording());
            executor.bindIoManager(attacked);
            executor.execute(() -> {
                throw new StackOverflowError("attack");
            });
            KEvent ran = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
            executor.execute(ran::set);
            assertEquals(STATUS_SUCCESS, ran.waitFor(WAIT), "the only worker survived the error");
            assertEquals(1, attacked.routineFailures().size(), "the error is recorded");
        }
    }

    private static WskBuf buffer(int size) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size), 0, size), 0, size);
    }
}
