package org.wsk4j.bench;

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
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * Benchmark 4b: the nt layer alone. One IRP life: IoAllocateIrp, IoSetCompletionRoutine,
 * IoSetNextIrpStackLocation (what a WSK function does on accepting it), the status set by the "driver",
 * IoCompleteRequest running a routine that returns STATUS_MORE_PROCESSING_REQUIRED, then IoFreeIrp by the
 * owner. {@code verifier=off}: stack capture OFF and live-IRP tracking off (the benchmark setting);
 * {@code verifier=on}: the defaults (stack capture ALWAYS, tracking on).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class IrpCostBench {

    @Param({"off", "on"})
    public String verifier;

    private IoManager manager;
    private IoManager.Binding binding;
    private final IoCompletionRoutine routine = IrpCostBench::complete;

    private static NtStatus complete(DeviceObject device, Irp irp, Object context) {
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    @Setup(Level.Trial)
    public void setUp() {
        manager = IoManager.create("irp-bench");
        WskHost.configure(manager, verifier.equals("on"));
        binding = manager.bindToCurrentThread();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        binding.close();
        if (manager.liveIrpCount() != 0) {
            throw new IllegalStateException("IRPs leaked: " + manager.liveIrpCount());
        }
    }

    @Benchmark
    public Irp allocateCompleteFree() {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, routine, null, true, true, true);
        Io.setNextIrpStackLocation(irp);
        irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS).setInformation(0);
        Io.completeRequest(irp);
        Io.freeIrp(irp);
        return irp;
    }
}
