package org.wsk4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.NoBenchmarksException;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole benchmark suite and writes under {@code target/bench/}: {@code jmh-result.json} (JMH's
 * JSON), {@code scale-memory.json}, {@code summary.json} (ratios against the baselines of the same run and
 * the targets), {@code summary.md} and {@code chart.svg}.
 *
 * <pre>
 * java -jar target/wsk4j-benchmarks.jar [--smoke] [--out DIR] [--include REGEX]... [--sockets N] [--no-memory]
 * </pre>
 * Full run: 2 forks × (2 × 1 s warm-up, 3 × 1 s measurement), {@code -prof gc}; DataPathOverheadBench
 * {@value #STEADY_WARMUPS} × 1 s warm-up (written to {@code jmh-result-steady.json}); the simulated cycle
 * {@value #SIMULATED_FORKS} forks × ({@value #SIMULATED_WARMUPS} × 1 s warm-up, 3 × 1 s) ({@code jmh-result-sim.json});
 * the rows whose targets are ratios of contenders measured seconds apart, the echo rows (EchoBench and the C
 * contender's CEpollEchoBench) and the sequential connect latencies (ConnectLatencyBench), in {@code --rounds} rounds
 * (default {@value #ROUNDS}), each round measuring every contender of one row one after the other in one fork each
 * (echo {@value #ECHO_WARMUPS} × 1 s warm-up, 3 × 1 s; latency 2 × 1 s warm-up, 3 × 1 s), so that they meet the same
 * machine state: the report takes the median of the per-round ratios ({@code jmh-result-round-rR-latency.json} and
 * {@code jmh-result-round-rR-cC-sS.json} per round and row; {@code --rounds 0} measures them with the rest, 2 forks
 * each, one contender after the other). {@code --smoke} (or {@code -Dbench.smoke=true}): 1 fork, 1 × 1 s warm-up,
 * 1 × 1 s measurement, no GC profiler, the echo rows with the rest: proves every benchmark runs; its numbers are not
 * judged. The exit code is non-zero only when a benchmark fails (an error, not a slow number).
 */
public final class BenchMain {

    /** The benchmark measured in the old-generation steady state (a longer warm-up in the full run), and its regex. */
    private static final String STEADY_STATE_BENCHMARK = DataPathOverheadBench.class.getName() + ".echoMessage";
    private static final String STEADY_STATE = Pattern.quote(STEADY_STATE_BENCHMARK);
    /** Warm-up iterations (1 s each) of {@link #STEADY_STATE_BENCHMARK} in a full run (2 forks). */
    static final int STEADY_WARMUPS = 8;
    /** The simulated cycle, measured with a longer warm-up and more forks in a full run, and its regex. */
    private static final String SIMULATED_BENCHMARK = SimulatedTransportBench.class.getName()
            + ".socketBindConnectClose";
    private static final String SIMULATED = Pattern.quote(SIMULATED_BENCHMARK);
    /**
     * Warm-up iterations (1 s each) and forks of the simulated cycle in a full run. A fork of it reaches its steady
     * rate only in its third to fourth second (the JIT compiles the cycle's many small methods, then recompiles
     * some: 2 s of warm-up left the first measured second of a fork up to 20 % below the next ones), and its forks
     * differ from each other by up to 20 % on this 2-vCPU machine, so 2 forks after 2 s gave errors of ±50 %
     * (session 12, docs/performance.md).
     */
    static final int SIMULATED_WARMUPS = 5;
    static final int SIMULATED_FORKS = 3;
    /** The sequential connect latency benchmark, measured in the rounds in a full run. */
    private static final String LATENCY_BENCHMARK = ConnectLatencyBench.class.getName() + ".connectClose";
    /** The C epoll contender's benchmarks (excluded when the program was not built). */
    private static final String C_EPOLL = "org\\.wsk4j\\.bench\\.CEpoll.*";
    /** The benchmarks the full run measures in interleaved rounds: the echo rows and the connect latencies. */
    private static final String ROUNDED = "org\\.wsk4j\\.bench\\.((CEpoll)?EchoBench|ConnectLatencyBench)\\..*";
    /**
     * Rounds of the rows measured in rounds in a full run (issue 17: several rounds, the median reported). Session 9
     * found the sequential connect latency's ratio at 1.23x when its two contenders' forks ran a minute apart, and at
     * 0.99-1.07x in interleaved runs right after: so it is measured in the rounds too since session 10. Five since
     * session 12: one round's ratio of two echo contenders moves by ±10-20 % on this 2-vCPU machine (16 x 64 KiB:
     * 0.72-1.10 in one run), and the median of three still moved a row across its target from one run to the next.
     */
    static final int ROUNDS = 5;
    /**
     * Warm-up iterations (1 s each) of an echo fork. Five, not the suite's two: on two cores the JIT compiler thread
     * takes a core from the client and the echo server while it works, and for wsk4j's deeper call paths it was
     * still compiling (C2 busy for 0.4-0.6 s of a measured second) in the first measured iteration of about a third
     * of the forks after a 2 s warm-up, never for raw NIO's loop (docs/performance.md, session 9).
     */
    static final int ECHO_WARMUPS = 5;
    /**
     * Cycles of the paired echo measurement ({@link EchoInterleaved}) after the rounds: 60 x 5 contenders (raw NIO,
     * wsk4j, Netty, AsynchronousSocketChannel, and raw NIO + 200 ns as the calibration line) x 250 ms per row, about 7
     * minutes for the four rows with their warm-ups. Session 13: with 100 cycles the median ratio of the same two
     * contenders repeated within about ±3 % on 16 x 64 KiB.
     */
    static final int PAIRED_CYCLES = 60;

    private BenchMain() {
    }

    /** The suite's JMH options, but for what to include and where to write the results. */
    private static ChainedOptionsBuilder options(boolean smoke, int sockets, int warmups) {
        Path cEpoll = CEpollClient.program();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .jvmArgs("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dio.netty.leakDetection.level=disabled",
                        "-Dio.netty.eventLoopThreads=1",
                        "-D" + CEpollClient.PROPERTY + "=" + (cEpoll == null ? "" : cEpoll.toAbsolutePath()))
                // smoke (CI): any error fails; full run: a failing benchmark is reported "not measured" and the
                // rest of the suite still runs
                .shouldFailOnError(smoke)
                .resultFormat(ResultFormatType.JSON)
                .param("open", "0", Integer.toString(sockets));
        if (smoke) {
            return options.forks(1).warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(1).measurementTime(TimeValue.seconds(1));
        }
        // Shorter than the annotations' iterations, so the whole suite stays near 10 minutes on 2 cores.
        return options.forks(2).warmupIterations(warmups).warmupTime(TimeValue.seconds(1))
                .measurementIterations(3).measurementTime(TimeValue.seconds(1)).addProfiler(GCProfiler.class);
    }

    /** Whether any include pattern selects {@code benchmark} (as JMH matches them: find()). */
    private static boolean selected(List<String> includes, String benchmark) {
        return includes.stream().anyMatch(include -> Pattern.compile(include).matcher(benchmark).find());
    }

    /**
     * Measures the benchmarks {@code regex} selects with a runner of their own ({@code warmups} × 1 s warm-up,
     * {@code forks} forks, results in {@code result}) and excludes them from the suite's main run ({@code main}).
     */
    private static Collection<RunResult> runApart(ChainedOptionsBuilder main, String regex, int sockets, int warmups,
                                                  int forks, Path result) throws RunnerException {
        main.exclude(regex);
        return new Runner(options(false, sockets, warmups).forks(forks).include(regex).result(result.toString())
                .build()).run();
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = Boolean.getBoolean("bench.smoke");
        boolean memory = true;
        int sockets = 10_000;
        int rounds = ROUNDS;
        int pairedCycles = PAIRED_CYCLES;
        Path out = Path.of("target", "bench");
        List<String> includes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--include" -> includes.add(args[++i]);
                case "--sockets" -> sockets = Integer.parseInt(args[++i]);
                case "--no-memory" -> memory = false;
                case "--rounds", "--echo-rounds" -> rounds = Integer.parseInt(args[++i]); // the old name still works
                case "--paired-cycles" -> pairedCycles = Integer.parseInt(args[++i]);
                case "--help", "-h" -> {
                    System.out.println("bench/run.sh [--smoke] [--out DIR] [--include REGEX]... [--sockets N]"
                            + " [--no-memory] [--rounds N]\n  --smoke       1 fork, 1 x 1 s warm-up + 1 x 1 s: proves"
                            + " every benchmark runs\n  --include RE  only the benchmarks matching RE (repeatable)\n  --sockets N"
                            + "   sockets held open by the scale benchmarks (default 10000)\n  --no-memory   skip"
                            + " the heap-per-socket measurement\n  --rounds N    rounds of the echo rows and the connect"
                            + " latencies, each contender of a row one after the other, the median of the per-round"
                            + " ratios reported (default " + ROUNDS + "; 0: 2 forks each with the rest)\n  --paired-cycles N"
                            + " cycles of the paired echo measurement (EchoInterleaved, after the rounds; default "
                            + PAIRED_CYCLES + "; 0: skip it)\n  --out DIR     results"
                            + " directory (default target/bench)\nThe C epoll contender runs when -D"
                            + CEpollClient.PROPERTY + "=PATH names its program (bench/run.sh builds it with gcc).");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use [--smoke] [--out DIR] [--include REGEX]... [--sockets N] [--no-memory]"
                        + " [--rounds N] [--paired-cycles N]");
            }
        }
        Files.createDirectories(out);
        if (includes.isEmpty()) {
            includes.add("org\\.wsk4j\\.bench\\..*Bench\\..*");
        }
        ChainedOptionsBuilder options = options(smoke, sockets, 2).result(out.resolve("jmh-result.json").toString());
        for (String include : includes) {
            options.include(include);
        }
        String cSkipped = null;
        if (CEpollClient.program() == null) {
            cSkipped = System.getProperty(CEpollClient.PROPERTY + ".skipped",
                    "not built (bench/run.sh builds bench/c/epoll_client.c when gcc exists)");
            options.exclude(C_EPOLL);
            System.out.println("The C epoll contender is skipped: " + cSkipped);
        }
        long t0 = System.nanoTime();
        Collection<RunResult> results = new ArrayList<>();
        boolean ranApart = false; // benchmarks measured by a runner of their own, below
        if (!smoke && selected(includes, STEADY_STATE_BENCHMARK)) {
            ranApart = true;
            // Its socket and IRPs reach the old generation only after ~15 young collections (~6 s): measured after
            // 2 s it would report the young state, cheaper than a long-running connection (see the benchmark).
            results.addAll(runApart(options, STEADY_STATE, sockets, STEADY_WARMUPS, 2,
                    out.resolve("jmh-result-steady.json")));
        }
        if (!smoke && selected(includes, SIMULATED_BENCHMARK)) {
            ranApart = true;
            results.addAll(runApart(options, SIMULATED, sockets, SIMULATED_WARMUPS, SIMULATED_FORKS,
                    out.resolve("jmh-result-sim.json")));
        }
        boolean inRounds = !smoke && rounds > 0 && (selected(includes, EchoBench.class.getName() + ".echo")
                || selected(includes, CEpollEchoBench.class.getName() + ".echo")
                || selected(includes, LATENCY_BENCHMARK));
        if (inRounds) {
            options.exclude(ROUNDED);
        }
        try {
            results.addAll(new Runner(options.build()).run());
        } catch (NoBenchmarksException onlyApart) {
            if (!inRounds && !ranApart) {
                throw onlyApart;
            } // else the includes select only benchmarks measured apart: above, or in the rounds below
        }
        List<Collection<RunResult>> roundResults = new ArrayList<>();
        if (inRounds) {
            for (int round = 1; round <= rounds; round++) {
                roundResults.add(round(includes, cSkipped == null, sockets, out, "jmh-result-round-r" + round));
            }
        }
        double[] cLatency = null;
        if (cSkipped == null && selected(includes, LATENCY_BENCHMARK)) {
            try (AcceptCloseServer server = new AcceptCloseServer()) {
                cLatency = CEpollClient.latency(server.address(), smoke ? 2_000 : 20_000);
            }
        }
        String paired = inRounds && pairedCycles > 0 && selected(includes, EchoBench.class.getName() + ".echo")
                ? echoPaired(out, pairedCycles) : null;
        String memoryJson = memory ? scaleMemory(out, sockets) : null;
        Report report = new Report(results, memoryJson, smoke, sockets, (System.nanoTime() - t0) / 1e9, cLatency,
                cSkipped, roundResults);
        report.pairedEcho(paired);
        report.write(out);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("Wrote " + out.toAbsolutePath() + "/{jmh-result.json,summary.json,summary.md,chart.svg}");
    }

    /**
     * One round: the sequential connect latencies (every contender one after the other, one fork each, 2 × 1 s
     * warm-up, 3 × 1 s), then for each echo row (connections × size) every selected contender of that row one after
     * the other, one fork each ({@value #ECHO_WARMUPS} × 1 s warm-up, 3 × 1 s), so a row's ratios compare measurements
     * seconds apart.
     */
    private static Collection<RunResult> round(List<String> includes, boolean cEpoll, int sockets, Path out,
                                               String name) throws RunnerException {
        Collection<RunResult> round = new ArrayList<>();
        if (selected(includes, LATENCY_BENCHMARK)) {
            round.addAll(new Runner(options(false, sockets, 2).forks(1)
                    .result(out.resolve(name + "-latency.json").toString())
                    .include(Pattern.quote(LATENCY_BENCHMARK)).build()).run());
        }
        for (String connections : new String[] {"1", "16"}) {
            for (String size : new String[] {"1024", "65536"}) {
                ChainedOptionsBuilder row = options(false, sockets, ECHO_WARMUPS).forks(1)
                        .result(out.resolve(name + "-c" + connections + "-s" + size + ".json").toString())
                        .param("connections", connections).param("size", size);
                boolean any = false;
                for (String bench : new String[] {EchoBench.class.getName(), CEpollEchoBench.class.getName()}) {
                    if (selected(includes, bench + ".echo") && (cEpoll || !bench.contains("CEpoll"))) {
                        row.include(Pattern.quote(bench + ".echo"));
                        any = true;
                    }
                }
                if (any) { // a runner without an include would run every benchmark
                    round.addAll(new Runner(row.build()).run());
                }
            }
        }
        return round;
    }

    /**
     * Runs {@link EchoInterleaved} (the echo rows paired: every contender in one JVM, alternating slices, pinned) in
     * its own JVM with {@code cycles} cycles; returns its table, also written to {@code echo-paired.md}.
     */
    private static String echoPaired(Path out, int cycles) throws Exception {
        Path file = out.resolve("echo-paired.md");
        Process p = childJvm(List.of("-Xms256m", "-Xmx256m"), EchoInterleaved.class, "--cycles",
                Integer.toString(cycles)).redirectOutput(file.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        int rc = p.waitFor();
        if (rc != 0) { // the rest of the run is still worth its report
            return "The paired measurement failed (EchoInterleaved exit code " + rc + "); see the run's output.";
        }
        return Files.readString(file);
    }

    /**
     * A JVM of its own on this one's class path: this JVM's {@code java}, {@code options}, {@code main}, {@code args}.
     */
    private static ProcessBuilder childJvm(List<String> options, Class<?> main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command);
    }

    /** Runs {@link ScaleMemory} in its own fixed-heap JVM and returns its JSON line. */
    private static String scaleMemory(Path out, int sockets) throws Exception {
        Path file = out.resolve("scale-memory.json");
        Process p = childJvm(List.of("-Xms512m", "-Xmx512m", "-XX:+UseSerialGC"), ScaleMemory.class,
                Integer.toString(sockets), file.toString()).inheritIO().start();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException("ScaleMemory failed with exit code " + rc);
        }
        return Files.readString(file).trim();
    }
}
