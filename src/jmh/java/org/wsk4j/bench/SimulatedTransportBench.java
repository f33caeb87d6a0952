package org.wsk4j.bench;

import static org.wsk4j.Wsk.*;

import java.time.Duration;
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
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.Latency;
import org.wsk4j.sim.LinkProfile;
import org.wsk4j.sim.SimNetwork;

/**
 * Benchmark 4a: full WskSocket / WskBind / WskConnect / WskCloseSocket IRP cycles on the simulated network,
 * driven on the benchmark thread through the network's manual executor (virtual time: the 100 µs simulated
 * latencies cost nothing real). Target: ≥ 500,000 cycles/s with the verifier off. Each connect is answered by
 * the {@link Fault#accept()} fault, so no listener is needed. Recording (event log, attempt record) is off so
 * memory stays flat. Compare with {@link ConnectLatencyBench}, the same cycle on real sockets.
 *
 * <p>{@code verifier}: {@code off} = the verifier's bookkeeping off (live-IRP tracking off, stack capture OFF), the
 * configuration of the 500,000/s target; {@code sampled} and {@code always} = live-IRP tracking on and stack
 * capture {@link Verifier.StackCapture#SAMPLED SAMPLED} (one object in 64) or
 * {@link Verifier.StackCapture#ALWAYS ALWAYS} (the default). The rule checks themselves (modes FAIL) are on in all
 * three. The report prints off ÷ sampled and off ÷ always against issue 6's "at most 2x slower".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SimulatedTransportBench {

    @Param({"off", "sampled", "always"})
    public String verifier;

    /**
     * A simulation feature switched on, to measure what it costs (issue 19; run with
     * {@code -p verifier=off -p feature=none,capture,trace,remote,jitter,held,resolve}): {@code none} = every feature
     * off (the default, the configuration of the target); {@code capture} = a packet capture running;
     * {@code trace} = an IRP timeline recording; {@code remote} = the connect goes to another host
     * ({@code server}, 10.0.0.2) instead of loopback, the baseline for {@code jitter} = that link with an
     * exponential latency profile both ways; {@code held} = a held link between two other hosts; {@code resolve} =
     * each cycle first resolves {@code "server"} with WskGetAddressInfo and frees the answer (a cycle plus a lookup).
     * Capture and timeline are restarted every {@link #RESTART_EVERY} cycles so their memory stays bounded.
     */
    @Param({"none"})
    public String feature;

    /** How many cycles a capture or timeline records before it is replaced by a fresh one. */
    static final int RESTART_EVERY = 1_000;
    private int cycles;

    private SimNetwork network;
    private WskSubsystem wsk;
    private ManualCompletionExecutor executor;
    private IoManager.Binding binding;
    private final WskRegistration registration = new WskRegistration();
    private final WskProviderNpi npi = new WskProviderNpi();
    private final SockAddrIn local = SockAddrIn.any(0);
    private SockAddrIn remote = SockAddrIn.loopback(80);
    private final Ref<AddrInfoExW> lookup = new Ref<>();

    /** Where the completion routine leaves the result (the benchmark thread reads it after running the executor). */
    private static final class Slot {
        NtStatus status;
        Object information;
    }

    private final Slot slot = new Slot();
    private static final IoCompletionRoutine ROUTINE = SimulatedTransportBench::complete;

    private static NtStatus complete(DeviceObject device, Irp irp, Object context) {
        Slot slot = (Slot) context;
        slot.status = irp.ioStatus().status();
        slot.information = irp.ioStatus().informationObject();
        Io.freeIrp(irp);
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    @Setup(Level.Trial)
    public void setUp() {
        network = SimNetwork.create(1).setRecording(false);
        network.onConnect(80).always(Fault.accept());
        network.addHost("server", "10.0.0.2");
        wsk = network.newSubsystem();
        executor = network.executor();
        switch (feature) {
            case "none", "capture", "trace", "resolve" -> { }
            case "remote" -> remote = server();
            case "jitter" -> {
                remote = server();
                LinkProfile jitter = LinkProfile.NORMAL.withLatency(
                        Latency.exponential(Duration.ofNanos(50_000), Duration.ofMillis(1)));
                network.setLink(SimNetwork.LOCALHOST, "server", jitter).setLink("server", SimNetwork.LOCALHOST, jitter);
            }
            case "held" -> network.addHost("a", "10.0.0.3").addHost("b", "10.0.0.4").hold("a", "b");
            default -> throw new IllegalArgumentException("feature=" + feature);
        }
        restartRecorders();
        switch (verifier) {
            case "off" -> WskHost.configure(wsk.ioManager(), false);
            case "sampled" -> {
                wsk.ioManager().setTrackLiveIrps(true);
                wsk.ioManager().verifier().setStackCapture(Verifier.StackCapture.SAMPLED);
            }
            case "always" -> WskHost.configure(wsk.ioManager(), true);
            default -> throw new IllegalArgumentException("verifier=" + verifier);
        }
        binding = wsk.bindToCurrentThread();
        WskHost.check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                registration), "WskRegister");
        WskHost.check(wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi), "WskCaptureProviderNPI");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        long live = wsk.ioManager().liveIrpCount();
        binding.close();
        wsk.close();
        if (live != 0) {
            throw new IllegalStateException("IRPs leaked: " + live);
        }
    }

    private Irp irp() {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, ROUTINE, slot, true, true, true);
        return irp;
    }

    private void expect(NtStatus status, String what) {
        executor.runUntilIdle();
        if (slot.status != status) {
            throw new IllegalStateException(what + " completed with " + slot.status);
        }
    }

    private static SockAddrIn server() {
        try {
            return new SockAddrIn((java.net.Inet4Address) java.net.InetAddress.getByAddress(new byte[] {10, 0, 0, 2}), 80);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the capture or timeline the feature records, so its memory stays bounded. */
    private void restartRecorders() {
        if ("capture".equals(feature)) {
            network.startCapture();
        } else if ("trace".equals(feature)) {
            wsk.ioManager().startTimeline(executor::nanoTime);
        }
    }

    /** One cycle: socket, bind, connect, close; every IRP completes and is freed. */
    @Benchmark
    public Object socketBindConnectClose() {
        if (++cycles == RESTART_EVERY) {
            cycles = 0;
            restartRecorders();
        }
        if ("resolve".equals(feature)) {
            npi.dispatch().wskGetAddressInfo(npi.client(), "server", "80", NS_ALL, null, null, lookup, null, null,
                    irp());
            expect(NtStatus.STATUS_SUCCESS, "WskGetAddressInfo");
            npi.dispatch().wskFreeAddressInfo(npi.client(), lookup.get());
        }
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                null, null, null, null, irp());
        expect(NtStatus.STATUS_SUCCESS, "WskSocket");
        WskSocket socket = (WskSocket) slot.information;
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
        dispatch.wskBind(socket, local, 0, irp());
        expect(NtStatus.STATUS_SUCCESS, "WskBind");
        dispatch.wskConnect(socket, remote, 0, irp());
        expect(NtStatus.STATUS_SUCCESS, "WskConnect");
        dispatch.wskCloseSocket(socket, irp());
        expect(NtStatus.STATUS_SUCCESS, "WskCloseSocket");
        return socket;
    }
}
