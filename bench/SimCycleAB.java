import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * Interleaved A/B of the simulated socket/bind/connect/close cycle ({@code SimulatedTransportBench}) in one JVM, for a
 * machine shared with other work (docs/performance.md, issue 17 session 7): each benchmarks jar is loaded by its own
 * class loader, all are warmed up, then short batches alternate (A B, B A, ...) and each batch is timed by the
 * benchmark thread's CPU time. Load that comes and goes hits every jar alike, which separate JVMs run one after the
 * other do not ensure. Prints each jar's median ns of CPU per cycle and, per jar after the first, the median and
 * quartiles of its per-round ratio to the first.
 *
 * <pre>java -Xms2g -Xmx2g -XX:+AlwaysPreTouch bench/SimCycleAB.java off|sampled|always BATCH ROUNDS base.jar new.jar [more.jar...]</pre>
 * (for example {@code off 200000 24}; build each jar with {@code mvn -Pbench package -DskipTests}).
 *
 * <p>{@code -XX:+AlwaysPreTouch}: the CPU time of a thread includes the kernel's zeroing of heap pages it touches
 * first, and with G1 the eden moves through the whole heap before it reuses a page; without pre-touching, the first
 * seconds of a run (warm-up and early rounds) measured up to 3x slower (session 9).
 *
 * <p>A jar may carry a verifier setting of its own, {@code SETTING:JAR}, which replaces the first argument's for it:
 * {@code off}, {@code sampled} (the defaults), {@code always}, or one half of the defaults, {@code trackonly} (live-IRP
 * tracking, stack capture off) or {@code captureonly} (sampled stack capture, tracking off). So one jar against itself
 * in several settings tells what the verifier's bookkeeping costs and of what it is made (issue 17 session 9), for
 * example {@code sampled 100000 20 off:a.jar sampled:a.jar trackonly:a.jar captureonly:a.jar}. Each argument gets a
 * class loader of its own, which this needs: two benchmark instances in one class loader on one thread share the
 * thread's I/O-manager binding (the second {@code setUp} binds its own), so both would measure the second's setting.
 *
 * <p>With {@code dp-defaults}, {@code dp-off} or {@code dp-sampled} (the library's whole default: tracking and sampled
 * stack capture on) in place of the verifier setting it compares wsk4j's own cost per echo
 * message instead ({@code DataPathOverheadBench.echoMessage}, IRPs reused, that verifier setting), the same way
 * (issue 17 session 8; for example {@code dp-defaults 500000 12}).
 *
 * <p>Allocation per cycle is not reported here (the per-thread counter mixes in the class loaders' own work): use
 * bench/AllocCensus.java.
 */
public final class SimCycleAB {

    public static void main(String[] args) throws Exception {
        String verifier = args[0];
        boolean dataPath = verifier.startsWith("dp-");
        int batch = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        int n = args.length - 3;
        Object[] benches = new Object[n];
        Method[] cycles = new Method[n];
        String[] labels = new String[n];
        for (int j = 0; j < n; j++) {
            String jar = args[3 + j];
            String setting = verifier;
            int colon = jar.indexOf(':');
            if (colon > 0 && SETTINGS.contains(jar.substring(0, colon))) {
                if (dataPath) {
                    throw new IllegalArgumentException("a setting per jar is for the simulated cycle only: " + jar);
                }
                setting = jar.substring(0, colon);
                jar = jar.substring(colon + 1);
            }
            boolean half = setting.equals("trackonly") || setting.equals("captureonly");
            labels[j] = (setting.equals(verifier) ? "" : setting + ":") + Path.of(jar).getFileName();
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> type = loader.loadClass(dataPath ? "org.wsk4j.bench.DataPathOverheadBench"
                    : "org.wsk4j.bench.SimulatedTransportBench");
            Object bench = type.getConstructor().newInstance();
            type.getField("verifier").set(bench, dataPath ? verifier.substring("dp-".length())
                    : half ? "sampled" : setting);
            try {
                type.getField(dataPath ? "irps" : "feature").set(bench, dataPath ? "reuse" : "none");
            } catch (NoSuchFieldException e) {
                // an older jar: the plain cycle
            }
            type.getMethod("setUp").invoke(bench);
            if (half) {
                splitDefaults(loader, type, bench, setting);
            }
            benches[j] = bench;
            cycles[j] = type.getMethod(dataPath ? "echoMessage" : "socketBindConnectClose");
        }
        var threads = ManagementFactory.getThreadMXBean();
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
            double median = sorted[rounds / 2];
            System.out.printf("%s %s: median %.0f ns/cycle (%,.0f cycles per CPU-second), min %.0f%n", verifier,
                    labels[j], median, 1e9 / median, sorted[0]);
        }
        for (int j = 1; j < n; j++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = ns[j][r] / ns[0][r];
            }
            Arrays.sort(ratio);
            System.out.printf("%s %s / %s: median ratio %.3f (quartiles %.3f..%.3f)%n", verifier,
                    labels[j], labels[0], ratio[rounds / 2],
                    ratio[rounds / 4], ratio[3 * rounds / 4]);
        }
        for (int j = 0; j < n; j++) {
            benches[j].getClass().getMethod("tearDown").invoke(benches[j]);
        }
        System.exit(0); // the jars' watchdog threads are daemons, but their executors may linger
    }

    /** The per-jar settings ({@code SETTING:JAR}). */
    private static final Set<String> SETTINGS = Set.of("off", "sampled", "always", "trackonly", "captureonly");

    /** One half of the defaults on a bench set up with them: stack capture off, or live-IRP tracking off. */
    private static void splitDefaults(ClassLoader loader, Class<?> type, Object bench, String setting)
            throws Exception {
        Field field = type.getDeclaredField("wsk");
        field.setAccessible(true);
        Object wsk = field.get(bench);
        Object io = wsk.getClass().getMethod("ioManager").invoke(wsk);
        if (setting.equals("trackonly")) {
            Object verifierObject = io.getClass().getMethod("verifier").invoke(io);
            Class<?> capture = loader.loadClass("org.wsk4j.nt.Verifier$StackCapture");
            verifierObject.getClass().getMethod("setStackCapture", capture).invoke(verifierObject,
                    capture.getField("OFF").get(null));
        } else {
            io.getClass().getMethod("setTrackLiveIrps", boolean.class).invoke(io, false);
        }
    }

    private static void run(Method cycle, Object bench, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            cycle.invoke(bench);
        }
    }
}
