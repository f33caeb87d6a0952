import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;

/**
 * The simulated socket/bind/connect/close cycle of {@code SimulatedTransportBench} timed by the benchmark thread's CPU
 * time instead of the wall clock, for a machine shared with other work (where JMH's throughput measures how much of a
 * core the thread got): cycles per CPU-second, per heap byte allocated. Run with the benchmarks jar on the class path:
 * {@code java -XX:+AlwaysPreTouch -cp target/wsk4j-benchmarks.jar bench/SimCycleCpu.java FEATURE [CYCLES]} (pre-touch:
 * the thread's CPU time includes the kernel zeroing heap pages touched first, and G1's eden moves over the whole heap
 * before it reuses one; with -Xms2g and G1 a run measured 240,000 cycles/CPU-s without it, 650,000-770,000 with it)
 * (FEATURE: none, capture,
 * trace, remote, jitter, held, resolve; a jar without the feature parameter runs the plain cycle). Verifier off.
 * bench/sim-feature-cost.sh runs it interleaved against a base commit.
 */
public final class SimCycleCpu {

    public static void main(String[] args) throws Exception {
        String feature = args.length > 0 ? args[0] : "none";
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 300_000;
        Class<?> type = Class.forName("org.wsk4j.bench.SimulatedTransportBench");
        Object bench = type.getConstructor().newInstance();
        type.getField("verifier").set(bench, "off");
        try {
            Field field = type.getField("feature");
            field.set(bench, feature);
        } catch (NoSuchFieldException e) {
            if (!feature.equals("none")) {
                throw new IllegalArgumentException("this jar has no feature parameter", e);
            }
        }
        type.getMethod("setUp").invoke(bench);
        var cycle = type.getMethod("socketBindConnectClose");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean allocation = (com.sun.management.ThreadMXBean) threads;
        long id = Thread.currentThread().getId();
        for (int i = 0; i < cycles; i++) { // warm-up: the same number of cycles
            cycle.invoke(bench);
        }
        long cpu0 = threads.getCurrentThreadCpuTime();
        long bytes0 = allocation.getThreadAllocatedBytes(id);
        for (int i = 0; i < cycles; i++) {
            cycle.invoke(bench);
        }
        long cpu = threads.getCurrentThreadCpuTime() - cpu0;
        long bytes = allocation.getThreadAllocatedBytes(id) - bytes0;
        type.getMethod("tearDown").invoke(bench);
        System.out.printf("%s %,.0f cycles/CPU-s %,d B/cycle%n", feature, cycles * 1e9 / cpu, bytes / cycles);
    }
}
