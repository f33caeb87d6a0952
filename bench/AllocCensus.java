import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one simulated socket/bind/connect/close cycle allocates, class by class (docs/performance.md, issue 17 session
 * 7): runs the cycle with the Epsilon collector (nothing is ever freed) and without TLABs, takes a class histogram of
 * the whole heap before and after N cycles ({@code jcmd PID GC.class_histogram -all}) and prints the difference per
 * cycle. Objects that escape analysis removed are not counted, as they cost nothing.
 *
 * <pre>java -Xms6g -Xmx6g -XX:+UnlockExperimentalVMOptions -XX:+UseEpsilonGC -XX:-UseTLAB \
 *     -cp target/wsk4j-benchmarks.jar bench/AllocCensus.java off 300000 100000</pre>
 *
 * (verifier off, sampled or always; warm-up cycles; counted cycles). Needs {@code jcmd} on the PATH.
 */
public final class AllocCensus {

    public static void main(String[] args) throws Exception {
        var bench = new org.wsk4j.bench.SimulatedTransportBench();
        bench.verifier = args[0];
        bench.feature = "none";
        int warm = Integer.parseInt(args[1]);
        int cycles = Integer.parseInt(args[2]);
        bench.setUp();
        for (int i = 0; i < warm; i++) {
            bench.socketBindConnectClose();
        }
        Map<String, long[]> before = histogram();
        for (int i = 0; i < cycles; i++) {
            bench.socketBindConnectClose();
        }
        Map<String, long[]> after = histogram();
        List<Object[]> rows = new ArrayList<>();
        long total = 0;
        for (var entry : after.entrySet()) {
            long[] was = before.getOrDefault(entry.getKey(), new long[2]);
            long count = entry.getValue()[0] - was[0];
            long bytes = entry.getValue()[1] - was[1];
            if (count > 0) {
                total += bytes;
                rows.add(new Object[] {count / (double) cycles, bytes / (double) cycles, entry.getKey()});
            }
        }
        rows.sort((a, b) -> Double.compare((double) b[1], (double) a[1]));
        System.out.printf("%.1f B per cycle%n", total / (double) cycles);
        for (Object[] row : rows) {
            if ((double) row[0] >= 0.5) {
                System.out.printf("%8.2f objects %8.1f B  %s%n", row);
            }
        }
        bench.tearDown();
    }

    private static Map<String, long[]> histogram() throws Exception {
        Process jcmd = new ProcessBuilder("jcmd", Long.toString(ProcessHandle.current().pid()), "GC.class_histogram",
                "-all").redirectErrorStream(true).start();
        Map<String, long[]> counts = new HashMap<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(jcmd.getInputStream()))) {
            String line;
            while ((line = lines.readLine()) != null) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length >= 4 && fields[0].endsWith(":")) {
                    counts.put(fields[3], new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[2])});
                }
            }
        }
        jcmd.waitFor();
        return counts;
    }
}
