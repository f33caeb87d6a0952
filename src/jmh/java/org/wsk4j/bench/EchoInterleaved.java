package org.wsk4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The echo rows measured paired: every contender of a row in one JVM, warmed up together, then measured in short
 * slices that alternate between the contenders ({@code CYCLES} cycles, each contender one slice per cycle, the order
 * rotated every cycle), with the echo server threads on one vCPU and everything else on the others. The ratio of two
 * contenders is taken within each cycle, seconds apart at most, and the median over the cycles is reported with its
 * quartiles. Next to the rates, the CPU time per message of the client side (every Java thread of the process but the
 * echo servers': the benchmark thread and the contender's own threads; the other contenders' are idle) and of the
 * echo server threads, from {@link ThreadMXBean#getThreadCpuTime} over each slice, the client's split into user and
 * kernel time ({@link ThreadMXBean#getThreadUserTime}; Linux charges the two by the scheduler tick, so the split is a
 * sample, meaningful where the user share is more than a few per cent), and how often per message each side
 * went to sleep (voluntary context switches, {@code /proc/self/task}; blank where there is no {@code /proc}): whether a
 * contender's rate is its own cost or the pace it sets for the server.
 *
 * <p>Why, next to the JMH rounds ({@link BenchMain}): on the project's 2-vCPU VM one contender's throughput on 16
 * connections moves by 2x between 250 ms slices (the client and server threads' placement, and the phase of their
 * pipelines), and JMH measures the contenders of a row one after the other, tens of seconds apart, in forks placed
 * anew each time. Pinning removes the placement flips, pairing cancels the drift. What it does not model: a JMH
 * fork's clean profile per contender (here the JDK's socket code is shared by all, as in any application that
 * embeds several of them).
 *
 * <pre>
 * java -cp wsk4j-benchmarks.jar org.wsk4j.bench.EchoInterleaved [--cycles N] [--slice-ms M] [--rows 1x1024,16x65536]
 *      [--impls nio,wsk-direct,netty,async,nio+200ns,wsk-direct:other-build.jar] [--versus CONTENDER] [--no-pin]
 * </pre>
 * The first contender is the baseline of the ratios. Pinning uses {@code taskset} (util-linux) and needs 2 CPUs or
 * more; without it the run says so and goes on unpinned.
 *
 * <p>A contender may name a benchmarks jar, {@code IMPL:JAR} (for example {@code wsk-direct:/tmp/base.jar}): its
 * client is then loaded from that jar by a class loader of its own (with the wsk4j and Netty classes in it), so two
 * builds of the library run side by side in one JVM, paired as any two contenders are. That is the A/B for a change
 * to the data path: {@code --impls nio,wsk-direct:base.jar,wsk-direct:new.jar}, the client CPU column against raw
 * NIO for each, and one jar against itself for the instrument's own spread. With {@code --versus wsk-direct:base.jar}
 * (a contender of the list, by name or 0-based index) a last column gives each contender's rate divided by that one's
 * within each cycle, its median and the median's 95 % confidence interval (distribution-free, by order statistics of
 * the per-cycle ratios): a change's effect read directly, not as the difference of two ratios to raw NIO, each with
 * its own spread. An interval that contains 1 means the run does not resolve the change.
 *
 * <p>The contender {@code nio+NNNns} (for example {@code nio+170ns}) is raw NIO with NNN ns of pure CPU work added to
 * every message: run next to {@code nio} and {@code wsk-direct}, it says how the row's ratio answers to a client's
 * extra work per message on the machine of the run, so a ratio reads as nanoseconds and a change's saving as a
 * ratio. {@code nio+NNloads} adds NN dependent loads from a 256 KiB pool instead: the ratio in cache lines touched.
 * {@code nio+NNcode} runs NN distinct generated methods per message ({@link ColdCode}, about 1.5 KiB of machine code
 * each, their hot-loop cost printed to stderr when the client is made): the ratio in code a message runs, so the
 * price of a per-message path's size reads beside the price of its work.
 */
public final class EchoInterleaved {

    private static final String SERVER_THREAD = "bench-echo-server";

    private EchoInterleaved() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = 60;
        long sliceMillis = 250;
        String rows = "1x1024,1x65536,16x1024,16x65536";
        String impls = "nio,wsk-direct,netty,async,nio+200ns"; // the last: the calibration line (see the class doc)
        boolean pin = true;
        String versus = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cycles" -> cycles = Integer.parseInt(args[++i]);
                case "--slice-ms" -> sliceMillis = Long.parseLong(args[++i]);
                case "--rows" -> rows = args[++i];
                case "--impls" -> impls = args[++i];
                case "--no-pin" -> pin = false;
                case "--versus" -> versus = args[++i];
                default -> throw new IllegalArgumentException("usage: EchoInterleaved [--cycles N] [--slice-ms M]"
                        + " [--rows 1x1024,16x65536] [--impls nio,wsk-direct,netty,async,IMPL:JAR] [--versus CONTENDER]"
                        + " [--no-pin]");
            }
        }
        String[] contenders = impls.split(",");
        int reference = versus == null ? -1 : contenderIndex(contenders, versus);
        boolean pinned = false;
        String pinning = "off (--no-pin)";
        if (pin) {
            try {
                pinning = "server threads on CPU 0, client threads on CPU " + pinClient();
                pinned = true;
            } catch (IOException | RuntimeException e) {
                pinning = "off (" + e.getMessage() + ")";
            }
        }
        System.out.printf("paired echo rows: %d cycles of %d ms slices per contender, order rotated each cycle;"
                + " pinning: %s%n", cycles, sliceMillis, pinning);
        System.out.println("| row | contender | messages/s (median) | ÷ " + contenders[0]
                + " (median, q1-q3) | ÷ netty (median, q1-q3) | client CPU µs/msg (median) | client CPU ÷ "
                + contenders[0] + " (median, q1-q3) | client user / kernel µs/msg (median) | client kernel ÷ "
                + contenders[0] + " (median, q1-q3) | server CPU µs/msg (median) | client sleeps/msg (median) |"
                + " server sleeps/msg (median) |" + (reference < 0 ? ""
                : " ÷ " + contenders[reference] + " (median, 95 % confidence interval) |"));
        System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
                + (reference < 0 ? "" : " ---: |"));
        for (String row : rows.split(",")) {
            String[] cs = row.split("x");
            measureRow(Integer.parseInt(cs[0]), Integer.parseInt(cs[1]), contenders, cycles,
                    sliceMillis * 1_000_000L, pinned, reference);
        }
    }

    /** The contender {@code --versus} names: one of the list, by name or 0-based index. */
    static int contenderIndex(String[] contenders, String versus) {
        int at = Arrays.asList(contenders).indexOf(versus);
        if (at >= 0) {
            return at;
        }
        try {
            at = Integer.parseInt(versus);
        } catch (NumberFormatException e) {
            at = -1;
        }
        if (at < 0 || at >= contenders.length) {
            throw new IllegalArgumentException("--versus " + versus + ": not one of the contenders "
                    + String.join(",", contenders));
        }
        return at;
    }

    private static void measureRow(int connections, int size, String[] impls, int cycles, long sliceNanos,
                                   boolean pin, int reference) throws Exception {
        int n = impls.length;
        EchoServer[] servers = new EchoServer[n];
        Client[] clients = new Client[n];
        try {
            for (int i = 0; i < n; i++) {
                servers[i] = new EchoServer();
                clients[i] = Client.create(impls[i], servers[i].address(), connections, size);
            }
            if (pin) {
                pinServers();
            }
            for (int w = 0; w < BenchMain.ECHO_WARMUPS; w++) { // as a JMH fork's warm-up, for every contender
                for (int i = 0; i < n; i++) {
                    slice(clients[i], 1_000_000_000L);
                }
            }
            double[][][] measured = new double[cycles][n][]; // [cycle][contender][one of slice's fields]
            for (int c = 0; c < cycles; c++) {
                for (int k = 0; k < n; k++) {
                    int i = (c + k) % n;
                    measured[c][i] = slice(clients[i], sliceNanos);
                }
            }
            int netty = Arrays.asList(impls).indexOf("netty");
            for (int i = 0; i < n; i++) {
                System.out.printf(Locale.ROOT,
                        "| %d x %d | %s | %,.0f | %s | %s | %.2f | %s | %.2f / %.2f | %s | %.2f | %s | %s |%s%n",
                        connections, size, impls[i], median(measured, i, RATE), ratio(measured, i, 0, RATE),
                        ratio(measured, i, netty, RATE), median(measured, i, CLIENT_CPU),
                        ratio(measured, i, 0, CLIENT_CPU), median(measured, i, CLIENT_USER),
                        median(measured, i, CLIENT_KERNEL), ratio(measured, i, 0, CLIENT_KERNEL),
                        median(measured, i, SERVER_CPU), sleeps(measured, i, CLIENT_SLEEPS),
                        sleeps(measured, i, SERVER_SLEEPS),
                        reference < 0 ? "" : " " + ratioInterval(perCycle(measured, i, reference, RATE)) + " |");
            }
        } finally {
            for (int i = 0; i < n; i++) {
                if (clients[i] != null) {
                    clients[i].close();
                }
                if (servers[i] != null) {
                    servers[i].close();
                }
            }
        }
    }

    /** The median over the cycles of contender {@code i}'s {@code field} (one of {@link #slice}'s). */
    private static double median(double[][][] measured, int i, int field) {
        return quartiles(column(measured, i, field))[1];
    }

    /** {@link #median} as a column of sleeps per message: blank when unknown (no {@code /proc}). */
    private static String sleeps(double[][][] measured, int i, int field) {
        double median = median(measured, i, field);
        return Double.isNaN(median) ? "" : String.format(Locale.ROOT, "%.3f", median);
    }

    /**
     * Contender {@code i}'s {@code field} divided by contender {@code base}'s within each cycle: median and quartiles;
     * blank for the base itself or a base that is not there (negative).
     */
    private static String ratio(double[][][] measured, int i, int base, int field) {
        if (i == base || base < 0) {
            return "";
        }
        double[] q = quartiles(perCycle(measured, i, base, field));
        return String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", q[1], q[0], q[2]);
    }

    /** Contender {@code i}'s {@code field} divided by contender {@code base}'s, one value per cycle. */
    private static double[] perCycle(double[][][] measured, int i, int base, int field) {
        double[] values = new double[measured.length];
        for (int c = 0; c < measured.length; c++) {
            values[c] = measured[c][i][field] / measured[c][base][field];
        }
        return values;
    }

    /**
     * The median of per-cycle ratios and its 95 % confidence interval: the order statistics at ranks
     * n/2 ± 1.96·√n/2, which cover the true median with about 95 % probability whatever the ratios' distribution
     * (for cycles independent of each other; the pairing within a cycle is what cancels the VM's drift).
     * "1.000 (1.000-1.000)" for the reference itself.
     */
    static String ratioInterval(double[] ratios) {
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double half = 1.96 * Math.sqrt(n) / 2;
        int low = Math.max(0, (int) Math.floor(n / 2.0 - half));
        int high = Math.min(n - 1, (int) Math.ceil(n / 2.0 + half));
        return String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", sorted[n / 2], sorted[low], sorted[high]);
    }

    private static double[] column(double[][][] measured, int i, int field) {
        double[] values = new double[measured.length];
        for (int c = 0; c < measured.length; c++) {
            values[c] = measured[c][i][field];
        }
        return values;
    }

    /** First quartile, median, third quartile (nearest rank). */
    private static double[] quartiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return new double[] {sorted[n / 4], sorted[n / 2], sorted[Math.min(n - 1, 3 * n / 4)]};
    }

    /** The fields of a {@link #slice}'s result. */
    private static final int RATE = 0;
    private static final int CLIENT_CPU = 1;
    private static final int SERVER_CPU = 2;
    private static final int CLIENT_SLEEPS = 3;
    private static final int SERVER_SLEEPS = 4;
    private static final int CLIENT_USER = 5;
    private static final int CLIENT_KERNEL = 6;

    /**
     * {@code client} over at least {@code nanos} (whole 1,024-message invocations): echo messages per second
     * ({@link #RATE}), the client side's and the echo servers' CPU microseconds per message ({@link #cpu}), their
     * voluntary context switches per message ({@link #sleeps()}; NaN without {@code /proc}), and the client side's
     * CPU split into user-mode and kernel microseconds per message.
     */
    private static double[] slice(Client client, long nanos) throws Exception {
        long[] sleptBefore = sleeps();
        long[] cpuBefore = cpu();
        long start = System.nanoTime();
        long end = start + nanos;
        long messages = 0;
        long now;
        do {
            client.run(EchoBench.MESSAGES);
            messages += EchoBench.MESSAGES;
            now = System.nanoTime();
        } while (now < end);
        long[] cpuAfter = cpu();
        long[] sleptAfter = sleeps();
        double clientCpu = (cpuAfter[0] - cpuBefore[0]) / 1e3 / messages;
        double clientUser = (cpuAfter[2] - cpuBefore[2]) / 1e3 / messages;
        return new double[] {messages * 1e9 / (now - start), clientCpu, (cpuAfter[1] - cpuBefore[1]) / 1e3 / messages,
                perMessage(sleptBefore[0], sleptAfter[0], messages),
                perMessage(sleptBefore[1], sleptAfter[1], messages), clientUser, clientCpu - clientUser};
    }

    private static double perMessage(long before, long after, long messages) {
        return before < 0 || after < 0 ? Double.NaN : (after - before) / (double) messages;
    }

    /**
     * Voluntary context switches so far ({@link CpuPerOp#threadCounters}): [0] every thread of this process but the
     * echo servers', [1] the echo servers'; both -1 (so NaN per message) where {@code /proc/self/task} cannot be read.
     * Read outside the timed part of a slice.
     */
    private static long[] sleeps() {
        try {
            long client = 0;
            long server = 0;
            for (var entry : CpuPerOp.threadCounters().entrySet()) {
                if (entry.getKey().equals(CpuPerOp.comm(SERVER_THREAD))) {
                    server += entry.getValue()[0];
                } else {
                    client += entry.getValue()[0];
                }
            }
            return new long[] {client, server};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /**
     * CPU nanoseconds so far of this process's live Java threads: [0] the client side (all but the echo servers'),
     * [1] the echo server threads, [2] the client side's user-mode part (the rest of [0] is kernel time). A thread that
     * ends within a slice takes its time with it (none does while the clients run); the JIT compiler and GC threads are
     * not Java threads and not counted.
     */
    private static long[] cpu() {
        long[] ids = THREADS.getAllThreadIds();
        ThreadInfo[] infos = THREADS.getThreadInfo(ids);
        long client = 0;
        long server = 0;
        long clientUser = 0;
        for (int i = 0; i < ids.length; i++) {
            long time = infos[i] == null ? -1 : THREADS.getThreadCpuTime(ids[i]);
            long user = time < 0 ? -1 : THREADS.getThreadUserTime(ids[i]);
            if (time < 0 || user < 0) {
                continue; // ended since getAllThreadIds
            }
            if (infos[i].getThreadName().equals(SERVER_THREAD)) {
                server += time;
            } else {
                client += time;
                clientUser += user;
            }
        }
        return new long[] {client, server, clientUser};
    }

    /** A contender's client: from this class loader's {@link EchoClient}, or from a jar's ({@code IMPL:JAR}). */
    private interface Client extends AutoCloseable {

        void run(int messages) throws Exception;

        static Client create(String contender, InetSocketAddress target, int connections, int size) throws Exception {
            int colon = contender.indexOf(':');
            if (colon < 0) {
                EchoClient client = EchoClient.create(contender, target, connections, size);
                return new Client() {
                    @Override
                    public void run(int messages) throws Exception {
                        client.run(messages);
                    }

                    @Override
                    public void close() throws Exception {
                        client.close();
                    }
                };
            }
            URL jar = Path.of(contender.substring(colon + 1)).toUri().toURL();
            URLClassLoader loader = new URLClassLoader(new URL[] {jar}, ClassLoader.getPlatformClassLoader());
            Class<?> type = Class.forName(EchoClient.class.getName(), true, loader);
            Method create = type.getDeclaredMethod("create", String.class, InetSocketAddress.class, int.class,
                    int.class);
            Method run = type.getDeclaredMethod("run", int.class);
            Method close = type.getMethod("close");
            create.setAccessible(true); // package-private, in the jar's own unnamed module (open to all)
            run.setAccessible(true);
            close.setAccessible(true);
            Object client = invoke(create, null, contender.substring(0, colon), target, connections, size);
            return new Client() {
                @Override
                public void run(int messages) throws Exception {
                    invoke(run, client, messages);
                }

                @Override
                public void close() throws Exception {
                    try {
                        invoke(close, client);
                    } finally {
                        loader.close();
                    }
                }
            };
        }

        private static Object invoke(Method method, Object target, Object... args) throws Exception {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof Exception cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }

    // ---- pinning through taskset: the echo servers on CPU 0, every other thread on the rest ------------------------

    /**
     * Pins every thread of this process (and so the threads they start) to CPUs 1..n-1.
     *
     * @return those CPUs, as taskset lists them
     * @throws IOException when there is one CPU only, or taskset is missing or fails
     */
    private static String pinClient() throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (cpus < 2) {
            throw new IOException("1 CPU");
        }
        String clientCpus = cpus == 2 ? "1" : "1-" + (cpus - 1);
        for (String tid : tasks(null)) {
            taskset(clientCpus, tid);
        }
        return clientCpus;
    }

    private static void pinServers() throws IOException {
        for (String tid : tasks(SERVER_THREAD)) {
            taskset("0", tid);
        }
    }

    /** This process's thread ids, or those of the threads named {@code name} (compared as Linux keeps names). */
    private static List<String> tasks(String name) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String comm = Files.readString(task.resolve("comm")).trim();
                if (name == null || comm.equals(CpuPerOp.comm(name))) {
                    ids.add(task.getFileName().toString());
                }
            }
        }
        return ids;
    }

    private static void taskset(String cpus, String tid) throws IOException {
        Process p = new ProcessBuilder("taskset", "-p", "-c", cpus, tid).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException("taskset failed: " + output.trim());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
