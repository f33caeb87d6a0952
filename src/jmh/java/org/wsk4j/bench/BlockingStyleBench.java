package org.wsk4j.bench;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.SimNetwork;

/**
 * Issue 14's cost check: one client cycle on the simulated network — WskSocketConnect, WskSend of 64 bytes, WskReceive of
 * the 64 echoed bytes, WskCloseSocket — written two ways against the same callback-style echo server on the same
 * network:
 * <ul>
 *   <li>{@code callback}: completion routines record the result; the benchmark thread drives the executor by hand
 *       ({@code runUntilIdle}) after each call, as {@link SimulatedTransportBench} does;</li>
 *   <li>{@code blocking}: KSOCKET's style: one IRP reused with IoReuseIrp, a routine that sets a synchronization KEVENT,
 *       and {@code KeWaitForSingleObject} when the call returns STATUS_PENDING — the benchmark thread is a driver thread
 *       of the simulated kernel, and its waits run the completions.</li>
 * </ul>
 * Target: blocking costs at most 1.5x callback (callback ÷ blocking throughput ≤ 1.5). Verifier bookkeeping off in both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BlockingStyleBench {

    static final int PORT = 7;
    static final int SIZE = 64;

    private SimNetwork network;
    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private IoManager.Binding binding;
    private final WskRegistration registration = new WskRegistration();
    private final WskProviderNpi npi = new WskProviderNpi();
    private WskSocket listener;
    private final SockAddrIn remote = SockAddrIn.loopback(PORT);
    private final ByteBuffer sendBytes = ByteBuffer.allocate(SIZE);
    private final ByteBuffer receiveBytes = ByteBuffer.allocate(SIZE);
    private Mdl sendMdl;
    private Mdl receiveMdl;
    private WskBuf sendBuf;
    private WskBuf receiveBuf;

    // ---- the client's two styles ---------------------------------------------------------------------------------

    /** Where a callback-style routine leaves the result. */
    private static final class Slot {
        NtStatus status;
        Object information;
    }

    private final Slot slot = new Slot();
    private static final IoCompletionRoutine RECORD = (device, irp, context) -> {
        Slot slot = (Slot) context;
        slot.status = irp.ioStatus().status();
        slot.information = irp.ioStatus().informationObject();
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    };
    private Irp callbackIrp;

    private final KEvent event = new KEvent(SynchronizationEvent, false);
    private static final IoCompletionRoutine SIGNAL = (device, irp, context) -> {
        Ke.setEvent((KEvent) context, Io.IO_NO_INCREMENT, false);
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    };
    private Irp blockingIrp;

    @Setup(Level.Trial)
    public void setUp() {
        network = SimNetwork.create(1).setRecording(false);
        wsk = network.newSubsystem();
        executor = network.executor();
        WskHost.configure(wsk.ioManager(), false);
        binding = wsk.bindToCurrentThread();
        WskHost.check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                registration), "WskRegister");
        WskHost.check(wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi), "WskCaptureProviderNPI");
        sendMdl = Io.allocateMdl(sendBytes);
        receiveMdl = Io.allocateMdl(receiveBytes);
        sendBuf = new WskBuf(sendMdl, 0, SIZE);
        receiveBuf = new WskBuf(receiveMdl, 0, SIZE);
        callbackIrp = Io.allocateIrp(1, false);
        blockingIrp = Io.allocateIrp(1, false);
        startServer();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        Irp irp = WskHost.irp(RECORD, slot);
        listener.dispatch().wskCloseSocket(listener, irp);
        executor.runUntilIdle();
        Io.freeIrp(irp);
        Io.freeIrp(callbackIrp);
        Io.freeIrp(blockingIrp);
        Io.freeMdl(sendMdl);
        Io.freeMdl(receiveMdl);
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        binding.close();
        wsk.close();
        executor.close();
    }

    private void expect(NtStatus status, String what) {
        executor.runUntilIdle();
        if (slot.status != status) {
            throw new IllegalStateException(what + " completed with " + slot.status);
        }
    }

    /** The callback style with the executor driven by hand. */
    @Benchmark
    public Object callback() {
        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0), remote, 0, null,
                null, null, null, null, WskHost.reuse(callbackIrp, RECORD, slot));
        expect(NtStatus.STATUS_SUCCESS, "WskSocketConnect");
        WskSocket socket = (WskSocket) slot.information;
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
        dispatch.wskSend(socket, sendBuf, 0, WskHost.reuse(callbackIrp, RECORD, slot));
        expect(NtStatus.STATUS_SUCCESS, "WskSend");
        dispatch.wskReceive(socket, receiveBuf, WSK_FLAG_WAITALL, WskHost.reuse(callbackIrp, RECORD, slot));
        expect(NtStatus.STATUS_SUCCESS, "WskReceive");
        dispatch.wskCloseSocket(socket, WskHost.reuse(callbackIrp, RECORD, slot));
        expect(NtStatus.STATUS_SUCCESS, "WskCloseSocket");
        return socket;
    }

    /** KSOCKET's blocking style: reuse the IRP, call, wait on the KEVENT if pending. */
    private NtStatus await(NtStatus status) {
        if (status == NtStatus.STATUS_PENDING) {
            Ke.waitForSingleObject(event, Executive, KernelMode, false, null);
            status = blockingIrp.ioStatus().status();
        }
        return status;
    }

    private Irp reset() {
        Ke.resetEvent(event);
        return WskHost.reuse(blockingIrp, SIGNAL, event);
    }

    /** The blocking style: the benchmark thread is a driver thread; its waits run the completions. */
    @Benchmark
    public Object blocking() {
        WskHost.check(await(npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                remote, 0, null, null, null, null, null, reset())), "WskSocketConnect");
        WskSocket socket = (WskSocket) blockingIrp.ioStatus().informationObject();
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
        WskHost.check(await(dispatch.wskSend(socket, sendBuf, 0, reset())), "WskSend");
        WskHost.check(await(dispatch.wskReceive(socket, receiveBuf, WSK_FLAG_WAITALL, reset())), "WskReceive");
        WskHost.check(await(dispatch.wskCloseSocket(socket, reset())), "WskCloseSocket");
        return socket;
    }

    // ---- the echo server, callback style (the same for both) -------------------------------------------------------

    private void startServer() {
        Irp irp = WskHost.irp(RECORD, slot);
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null, null,
                null, null, null, irp);
        expect(NtStatus.STATUS_SUCCESS, "WskSocket (listen)");
        listener = (WskSocket) slot.information;
        ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.any(PORT), 0,
                WskHost.reuse(irp, RECORD, slot));
        expect(NtStatus.STATUS_SUCCESS, "WskBind (listen)");
        Io.freeIrp(irp);
        accept(Io.allocateIrp(1, false));
    }

    private void accept(Irp irp) {
        ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null,
                WskHost.reuse(irp, this::accepted, null));
    }

    private NtStatus accepted(DeviceObject device, Irp irp, Object context) {
        if (irp.ioStatus().status() != NtStatus.STATUS_SUCCESS) {
            Io.freeIrp(irp); // the listener closed
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }
        Connection connection = new Connection((WskSocket) irp.ioStatus().informationObject());
        accept(irp);
        connection.receive();
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** One accepted connection: receive, echo, until the client closes. */
    private static final class Connection {
        final WskSocket socket;
        final WskProviderConnectionDispatch dispatch;
        final ByteBuffer bytes = ByteBuffer.allocate(SIZE);
        final Mdl mdl = Io.allocateMdl(bytes);
        final Irp irp = Io.allocateIrp(1, false);

        Connection(WskSocket socket) {
            this.socket = socket;
            this.dispatch = (WskProviderConnectionDispatch) socket.dispatch();
        }

        void receive() {
            dispatch.wskReceive(socket, new WskBuf(mdl, 0, SIZE), 0, WskHost.reuse(irp, this::received, null));
        }

        NtStatus received(DeviceObject device, Irp completed, Object context) {
            long n = completed.ioStatus().information();
            if (completed.ioStatus().status() != NtStatus.STATUS_SUCCESS || n == 0) {
                dispatch.wskCloseSocket(socket, WskHost.reuse(irp, this::closed, null));
            } else {
                dispatch.wskSend(socket, new WskBuf(mdl, 0, n), 0, WskHost.reuse(irp, this::sent, null));
            }
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        NtStatus sent(DeviceObject device, Irp completed, Object context) {
            receive();
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        NtStatus closed(DeviceObject device, Irp completed, Object context) {
            Io.freeIrp(completed);
            Io.freeMdl(mdl);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }
    }
}
