package org.wsk4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and context switches per operation, for a loaded machine where wall-clock throughput says little: the
 * whole process's CPU time (client, peer, every wsk4j thread) and the context switches of all its threads (Linux
 * {@code /proc/self/task/}*{@code /status}), divided by the operations run. Same clients and peers as the JMH
 * benchmarks.
 *
 * <pre>
 * java -cp wsk4j-benchmarks.jar org.wsk4j.bench.CpuPerOp connect IMPL OPS
 * java -cp wsk4j-benchmarks.jar org.wsk4j.bench.CpuPerOp echo IMPL CONNECTIONS SIZE MESSAGES
 * </pre>
 * Prints one line: {@code workload impl cpu_us_per_op ctx_switches_per_op wall_us_per_op}; with
 * {@code -DcpuPerOp.threads=true} also each thread's CPU µs, context switches and read and write system calls per
 * operation (threads above 2 % of the process).
 */
public final class CpuPerOp {

    private CpuPerOp() {
    }

    public static void main(String[] args) throws Exception {
        // The raw NIO client runs on this thread. Linux names the JVM's main thread after the process ("java"), so
        // its counters were looked up under "main" and found nothing (sessions 9-11 printed 0 switches for it);
        // renaming the current thread renames it for Linux too.
        Thread.currentThread().setName("bench-client");
        String workload = args[0];
        String impl = args[1];
        if (workload.equals("connect")) {
            int ops = Integer.parseInt(args[2]);
            try (AcceptCloseServer server = new AcceptCloseServer();
                 ConnectClient client = ConnectClient.create(impl, server.address())) {
                for (int i = 0; i < ops / 5; i++) {
                    client.run(1, 1); // warm-up: sequential connect + close, as ConnectLatencyBench
                }
                measure("connect-sequential", impl, ops, () -> {
                    for (int i = 0; i < ops; i++) {
                        client.run(1, 1);
                    }
                });
            }
        } else {
            int connections = Integer.parseInt(args[2]);
            int size = Integer.parseInt(args[3]);
            int messages = Integer.parseInt(args[4]);
            try (EchoServer server = new EchoServer();
                 EchoClient client = EchoClient.create(impl, server.address(), connections, size)) {
                int rounds = messages / EchoBench.MESSAGES;
                for (int i = 0; i < Math.max(1, rounds / 5); i++) {
                    client.run(EchoBench.MESSAGES);
                }
                measure("echo-" + connections + "x" + size, impl, rounds * EchoBench.MESSAGES, () -> {
                    for (int i = 0; i < rounds; i++) {
                        client.run(EchoBench.MESSAGES);
                    }
                });
            }
        }
    }

    interface Body {
        void run() throws Exception;
    }

    private static void measure(String workload, String impl, int ops, Body body) throws Exception {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        java.util.Map<Long, Long> threadCpu = threadCpu();
        java.util.Map<String, long[]> countersBefore = threadCounters();
        long cpu = os.getProcessCpuTime();
        long wall = System.nanoTime();
        body.run();
        wall = System.nanoTime() - wall;
        cpu = os.getProcessCpuTime() - cpu;
        java.util.Map<String, long[]> countersAfter = threadCounters();
        long switches = total(countersAfter) - total(countersBefore);
        System.out.printf(java.util.Locale.ROOT, "%s %s %.2f %.3f %.2f%n", workload, impl, cpu / 1000.0 / ops,
                (double) switches / ops, wall / 1000.0 / ops);
        if (Boolean.getBoolean("cpuPerOp.threads")) {
            var threads = ManagementFactory.getThreadMXBean();
            long process = cpu;
            threadCpu().forEach((id, after) -> {
                long used = after - threadCpu.getOrDefault(id, 0L);
                if (used * 50 > process) { // threads above 2 % of the process's CPU
                    var info = threads.getThreadInfo(id);
                    String name = info == null ? "#" + id : info.getThreadName();
                    long[] before = countersBefore.getOrDefault(comm(name), new long[4]);
                    long[] now = countersAfter.getOrDefault(comm(name), new long[4]);
                    System.out.printf(java.util.Locale.ROOT, "  thread %s %.2f us, switches %.3f voluntary %.3f"
                            + " involuntary, read calls %.2f, write calls %.2f%n", name, used / 1000.0 / ops,
                            (double) (now[0] - before[0]) / ops, (double) (now[1] - before[1]) / ops,
                            (double) (now[2] - before[2]) / ops, (double) (now[3] - before[3]) / ops);
                }
            });
        }
    }

    /** CPU time of every live thread of this JVM, by thread id. */
    private static java.util.Map<Long, Long> threadCpu() {
        var threads = ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> cpu = new java.util.TreeMap<>();
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t >= 0) {
                cpu.put(id, t);
            }
        }
        return cpu;
    }

    /** A thread's name as Linux keeps it ({@code /proc/self/task/}*{@code /comm}: the first 15 bytes). */
    static String comm(String name) {
        return name.length() > 15 ? name.substring(0, 15) : name;
    }

    /**
     * Voluntary and involuntary context switches, then read and write system calls ({@code /proc/self/task/}*{@code
     * /io}: syscr and syscw, which count read/readv/recv-like and write/writev/send-like calls), of every live thread
     * of this process, by {@link #comm} name (threads of one name added up).
     */
    static java.util.Map<String, long[]> threadCounters() throws IOException {
        java.util.Map<String, long[]> switches = new java.util.HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    long[] counts = switches.computeIfAbsent(Files.readString(task.resolve("comm")).trim(),
                            name -> new long[4]);
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        int kind = line.startsWith("voluntary_ctxt_switches") ? 0
                                : line.startsWith("nonvoluntary_ctxt_switches") ? 1 : -1;
                        if (kind >= 0) {
                            counts[kind] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                    for (String line : Files.readAllLines(task.resolve("io"))) { // read(2)-like, write(2)-like calls
                        int kind = line.startsWith("syscr:") ? 2 : line.startsWith("syscw:") ? 3 : -1;
                        if (kind >= 0) {
                            counts[kind] += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return switches;
    }

    /** Voluntary + involuntary context switches of all the threads in {@code switches} (elements 0 and 1). */
    private static long total(java.util.Map<String, long[]> switches) {
        long total = 0;
        for (long[] counts : switches.values()) {
            total += counts[0] + counts[1];
        }
        return total;
    }
}
