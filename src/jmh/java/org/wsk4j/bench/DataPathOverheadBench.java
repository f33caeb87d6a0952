package org.wsk4j.bench;

import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;
import static org.wsk4j.Wsk.WSK_FLAG_WAITALL;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;

/**
 * Benchmark 3b: what wsk4j itself costs per echo message, without system calls: one message is a WskReceive
 * (WAITALL) and a WskSend of 1 KiB on a connection of {@link LoopbackTransport}, each IRP completed through a
 * routine, the receive completed from a readiness callback, with the direct executor, as {@link EchoBench}'s
 * {@code wsk-direct} client does over real sockets. The echo benchmark's
 * gap to raw java.nio is this cost (plus its cache effects); {@code verifier=defaults} keeps the verifier's rules
 * on (the library default) with stack capture and IRP tracking off; {@code off} turns every rule off;
 * {@code sampled} is the library's whole default, as a driver that configures nothing gets it and as the echo
 * benchmark's wsk4j contenders run: the rules, live-IRP tracking and
 * {@link Verifier.StackCapture#SAMPLED SAMPLED} stack capture (this benchmark's two IRPs
 * are among the first sampled, so each reused IRP's first {@link Verifier#SAMPLED_HANDOVERS} hand-overs capture a
 * stack, then none).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 5, time = 1)
public class DataPathOverheadBench {

    static final int SIZE = 1024;

    @Param({"defaults", "off", "sampled"})
    public String verifier;

    /** {@code reuse}: two IRPs reused for every message (IoReuseIrp), as the echo client does; {@code allocate}:
     * an IRP allocated and freed per operation. */
    @Param({"reuse", "allocate"})
    public String irps;

    private LoopbackTransport transport;
    private WskHost host;
    private IoManager.Binding binding;
    private WskSocket socket;
    private WskProviderConnectionDispatch dispatch;
    private WskBuf out;
    private WskBuf in;
    private int completed;
    private Irp receiveIrp;
    private Irp sendIrp;
    private boolean reuse;
    private final IoCompletionRoutine onDone = this::onDone;

    @Setup(Level.Trial)
    public void setUp() {
        transport = new LoopbackTransport();
        host = new WskHost(WskHost.Completions.DIRECT, switch (verifier) {
            case "defaults" -> WskHost.Bookkeeping.OFF; // the rules only
            case "off" -> WskHost.Bookkeeping.NONE;
            case "sampled" -> WskHost.Bookkeeping.LIBRARY_DEFAULT;
            default -> throw new IllegalArgumentException("verifier=" + verifier);
        }, transport);
        binding = host.bind();
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> NtStatus.STATUS_MORE_PROCESSING_REQUIRED, null,
                true, true, true);
        host.npi.dispatch().wskSocketConnect(host.npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                SockAddrIn.loopback(7), 0, null, null, null, null, null, irp);
        DirectCompletionExecutor.runQueued(); // the connect completed on this thread
        if (irp.ioStatus().status() != NtStatus.STATUS_SUCCESS) {
            throw new IllegalStateException("WskSocketConnect failed: " + irp.ioStatus().status());
        }
        socket = (WskSocket) irp.ioStatus().informationObject();
        Io.freeIrp(irp);
        dispatch = (WskProviderConnectionDispatch) socket.dispatch();
        out = new WskBuf(Io.allocateMdl(ByteBuffer.allocateDirect(SIZE), 0, SIZE), 0, SIZE);
        in = new WskBuf(Io.allocateMdl(ByteBuffer.allocateDirect(SIZE), 0, SIZE), 0, SIZE);
        reuse = irps.equals("reuse");
        receiveIrp = Io.allocateIrp(1, false);
        sendIrp = Io.allocateIrp(1, false);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        dispatch.wskCloseSocket(socket, WskHost.irp(onDone, null));
        DirectCompletionExecutor.runQueued();
        Io.freeIrp(receiveIrp);
        Io.freeIrp(sendIrp);
        binding.close();
        host.close();
        if (completed < 0) {
            throw new IllegalStateException("an operation failed");
        }
    }

    /** The IRP for the next operation: {@code reused} made ready again, or a new one. */
    private Irp irp(Irp reused) {
        return reuse ? WskHost.reuse(reused, onDone, null) : WskHost.irp(onDone, null);
    }

    private NtStatus onDone(DeviceObject device, Irp irp, Object context) {
        if (irp.ioStatus().status() != NtStatus.STATUS_SUCCESS) {
            completed = Integer.MIN_VALUE;
        } else {
            completed++;
        }
        if (irp != receiveIrp && irp != sendIrp) {
            Io.freeIrp(irp);
        }
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** One echo message: receive posted, send written (completes), readiness delivers the echo (completes). */
    @Benchmark
    public int echoMessage() {
        int before = completed;
        dispatch.wskReceive(socket, in, WSK_FLAG_WAITALL, irp(receiveIrp));
        dispatch.wskSend(socket, out, 0, irp(sendIrp));
        DirectCompletionExecutor.runQueued(); // the send completed on this thread
        transport.poll();
        if (completed != before + 2) {
            throw new IllegalStateException("message did not complete: " + (completed - before));
        }
        return completed;
    }
}
