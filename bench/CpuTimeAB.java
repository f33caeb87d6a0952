import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of the benchmark thread per operation, for A/B comparisons on a shared, noisy machine (docs/performance.md,
 * issue 15): wall-clock JMH scores there move with other processes' load, a thread's CPU time much less. Both
 * benchmarks run on one thread. Run it against a benchmarks jar ({@code mvn -Pbench package -DskipTests}), alternating
 * the jars of A and B, one JVM per run:
 *
 * <pre>java -Xms1g -Xmx1g -XX:+UseG1GC -cp target/wsk4j-benchmarks.jar bench/CpuTimeAB.java dp|sim</pre>
 *
 * Prints the benchmark's name and five measurements in ns of CPU per operation.
 */
public class CpuTimeAB {
    public static void main(String[] args) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        boolean dp = args[0].equals("dp");
        org.wsk4j.bench.DataPathOverheadBench d = null;
        org.wsk4j.bench.SimulatedTransportBench s = null;
        if (dp) {
            d = new org.wsk4j.bench.DataPathOverheadBench();
            d.verifier = "defaults";
            d.irps = "reuse";
            d.setUp();
        } else {
            s = new org.wsk4j.bench.SimulatedTransportBench();
            s.verifier = "off";
            s.setUp();
        }
        int warm = dp ? 6_000_000 : 1_500_000;
        int batch = dp ? 2_000_000 : 400_000;
        for (int i = 0; i < warm; i++) {
            if (dp) {
                d.echoMessage();
            } else {
                s.socketBindConnectClose();
            }
        }
        StringBuilder out = new StringBuilder(args[0]);
        for (int r = 0; r < 5; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < batch; i++) {
                if (dp) {
                    d.echoMessage();
                } else {
                    s.socketBindConnectClose();
                }
            }
            out.append(' ').append(String.format("%.1f", (mx.getCurrentThreadCpuTime() - t0) / (double) batch));
        }
        System.out.println(out);
        if (dp) {
            d.tearDown();
        } else {
            s.tearDown();
        }
    }
}
