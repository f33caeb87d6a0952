import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What the verifier's bookkeeping costs in the simulated socket/bind/connect/close cycle ({@code SimulatedTransportBench})
 * and of what it is made (issue 17 session 9): like bench/SimCycleAB.java, batches alternate in one JVM and are timed by
 * the benchmark thread's CPU time, but each argument is a verifier setting and a jar, {@code SETTING:JAR}, each in a
 * class loader of its own. Settings: {@code off}, {@code sampled} (the defaults), {@code always}, and two halves of
 * the defaults: {@code trackonly} (live-IRP tracking, stack capture off) and {@code captureonly} (sampled stack
 * capture, tracking off). Prints each median and each ratio to the first argument.
 *
 * <pre>java -Xms2g -Xmx2g -XX:+AlwaysPreTouch bench/VerifierCostAB.java 100000 20 off:a.jar sampled:a.jar trackonly:a.jar captureonly:a.jar</pre>
 *
 * <p>One class loader per setting matters: two benchmark instances in one class loader on one thread share the
 * thread's I/O-manager binding (the second {@code setUp} binds its own), so both would allocate their IRPs from the
 * second one's I/O manager and measure its verifier setting.
 */
public final class VerifierCostAB {

    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        int n = args.length - 2;
        Object[] benches = new Object[n];
        Method[] cycles = new Method[n];
        for (int j = 0; j < n; j++) {
            String[] spec = args[2 + j].split(":", 2);
            String setting = spec[0];
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(spec[1]).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> type = loader.loadClass("org.wsk4j.bench.SimulatedTransportBench");
            Object bench = type.getConstructor().newInstance();
            boolean half = setting.equals("trackonly") || setting.equals("captureonly");
            type.getField("verifier").set(bench, half ? "sampled" : setting);
            type.getField("feature").set(bench, "none");
            type.getMethod("setUp").invoke(bench);
            if (half) {
                Field field = type.getDeclaredField("wsk");
                field.setAccessible(true);
                Object wsk = field.get(bench);
                Object io = wsk.getClass().getMethod("ioManager").invoke(wsk);
                if (setting.equals("trackonly")) {
                    Object verifier = io.getClass().getMethod("verifier").invoke(io);
                    Class<?> capture = loader.loadClass("org.wsk4j.nt.Verifier$StackCapture");
                    verifier.getClass().getMethod("setStackCapture", capture).invoke(verifier,
                            capture.getField("OFF").get(null));
                } else {
                    io.getClass().getMethod("setTrackLiveIrps", boolean.class).invoke(io, false);
                }
            }
            benches[j] = bench;
            cycles[j] = type.getMethod("socketBindConnectClose");
        }
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int warm = 0; warm < 4; warm++) {
            for (int j = 0; j < n; j++) {
                run(cycles[j], benches[j], batch);
            }
        }
        double[][] ns = new double[n][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < n; k++) {
                int j = r % 2 == 0 ? k : n - 1 - k;
                long t0 = threads.getCurrentThreadCpuTime();
                run(cycles[j], benches[j], batch);
                ns[j][r] = (threads.getCurrentThreadCpuTime() - t0) / (double) batch;
            }
        }
        for (int j = 0; j < n; j++) {
            double[] sorted = ns[j].clone();
            Arrays.sort(sorted);
            System.out.printf("%-30s median %.0f ns/cycle (%,.0f cycles per CPU-second)%n", args[2 + j],
                    sorted[rounds / 2], 1e9 / sorted[rounds / 2]);
        }
        for (int j = 1; j < n; j++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = ns[j][r] / ns[0][r];
            }
            Arrays.sort(ratio);
            System.out.printf("%s / %s: median ratio %.3f (quartiles %.3f..%.3f)%n", args[2 + j], args[2],
                    ratio[rounds / 2], ratio[rounds / 4], ratio[3 * rounds / 4]);
        }
        System.exit(0);
    }

    private static void run(Method cycle, Object bench, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            cycle.invoke(bench);
        }
    }
}
