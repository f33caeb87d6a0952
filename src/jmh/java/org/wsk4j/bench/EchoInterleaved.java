package org.wsk4j.bench;

import java.io.IOException;
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
 * quartiles.
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
 *      [--impls nio,wsk-direct,netty,async] [--no-pin]
 * </pre>
 * The first contender is the baseline of the ratios. Pinning uses {@code taskset} (util-linux) and needs 2 CPUs or
 * more; without it the run says so and goes on unpinned.
 */
public final class EchoInterleaved {

    private static final String SERVER_THREAD = "bench-echo-server";

    private EchoInterleaved() {
    }

    public static void main(String[] args) throws Exception {
        int cycles = 60;
        long sliceMillis = 250;
        String rows = "1x1024,1x65536,16x1024,16x65536";
        String impls = "nio,wsk-direct,netty,async";
        boolean pin = true;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cycles" -> cycles = Integer.parseInt(args[++i]);
                case "--slice-ms" -> sliceMillis = Long.parseLong(args[++i]);
                case "--rows" -> rows = args[++i];
                case "--impls" -> impls = args[++i];
                case "--no-pin" -> pin = false;
                default -> throw new IllegalArgumentException("usage: EchoInterleaved [--cycles N] [--slice-ms M]"
                        + " [--rows 1x1024,16x65536] [--impls nio,wsk-direct,netty,async] [--no-pin]");
            }
        }
        String[] contenders = impls.split(",");
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
                + " (median, q1-q3) | ÷ netty (median, q1-q3) |");
        System.out.println("| --- | --- | ---: | ---: | ---: |");
        for (String row : rows.split(",")) {
            String[] cs = row.split("x");
            measureRow(Integer.parseInt(cs[0]), Integer.parseInt(cs[1]), contenders, cycles,
                    sliceMillis * 1_000_000L, pinned);
        }
    }

    private static void measureRow(int connections, int size, String[] impls, int cycles, long sliceNanos,
                                   boolean pin) throws Exception {
        int n = impls.length;
        EchoServer[] servers = new EchoServer[n];
        EchoClient[] clients = new EchoClient[n];
        try {
            for (int i = 0; i < n; i++) {
                servers[i] = new EchoServer();
                clients[i] = EchoClient.create(impls[i], servers[i].address(), connections, size);
            }
            if (pin) {
                pinServers();
            }
            for (int w = 0; w < BenchMain.ECHO_WARMUPS; w++) { // as a JMH fork's warm-up, for every contender
                for (int i = 0; i < n; i++) {
                    slice(clients[i], 1_000_000_000L);
                }
            }
            double[][] rate = new double[cycles][n];
            for (int c = 0; c < cycles; c++) {
                for (int k = 0; k < n; k++) {
                    int i = (c + k) % n;
                    rate[c][i] = slice(clients[i], sliceNanos);
                }
            }
            int netty = Arrays.asList(impls).indexOf("netty");
            for (int i = 0; i < n; i++) {
                double[] absolute = new double[cycles];
                double[] toBase = new double[cycles];
                double[] toNetty = new double[cycles];
                for (int c = 0; c < cycles; c++) {
                    absolute[c] = rate[c][i];
                    toBase[c] = rate[c][i] / rate[c][0];
                    toNetty[c] = netty < 0 ? Double.NaN : rate[c][i] / rate[c][netty];
                }
                System.out.printf(Locale.ROOT, "| %d x %d | %s | %,.0f | %s | %s |%n", connections, size, impls[i],
                        quartiles(absolute)[1], ratio(toBase, i == 0), ratio(toNetty, netty < 0 || i == netty));
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

    private static String ratio(double[] values, boolean self) {
        if (self) {
            return "";
        }
        double[] q = quartiles(values);
        return String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", q[1], q[0], q[2]);
    }

    /** First quartile, median, third quartile (nearest rank). */
    private static double[] quartiles(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return new double[] {sorted[n / 4], sorted[n / 2], sorted[Math.min(n - 1, 3 * n / 4)]};
    }

    /** Echo messages per second of {@code client} over at least {@code nanos} (whole 1,024-message invocations). */
    private static double slice(EchoClient client, long nanos) throws Exception {
        long start = System.nanoTime();
        long end = start + nanos;
        long messages = 0;
        long now;
        do {
            client.run(EchoBench.MESSAGES);
            messages += EchoBench.MESSAGES;
            now = System.nanoTime();
        } while (now < end);
        return messages * 1e9 / (now - start);
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
