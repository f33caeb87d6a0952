package org.wsk4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
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
 * Full run: 2 forks × (2 × 1 s warm-up, 3 × 1 s measurement), {@code -prof gc}. {@code --smoke} (or {@code -Dbench.smoke=true}): 1 fork, 1 × 1 s warm-up, 1 × 1 s measurement, no GC
 * profiler: proves every benchmark runs; its numbers are not judged. The exit code is non-zero only when a
 * benchmark fails (an error, not a slow number).
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = Boolean.getBoolean("bench.smoke");
        boolean memory = true;
        int sockets = 10_000;
        Path out = Path.of("target", "bench");
        List<String> includes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--include" -> includes.add(args[++i]);
                case "--sockets" -> sockets = Integer.parseInt(args[++i]);
                case "--no-memory" -> memory = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; use [--smoke] [--out DIR] [--include REGEX]... [--sockets N] [--no-memory]");
            }
        }
        Files.createDirectories(out);
        if (includes.isEmpty()) {
            includes.add("org\\.wsk4j\\.bench\\..*Bench\\..*");
        }
        ChainedOptionsBuilder options = new OptionsBuilder()
                .jvmArgs("-Xms1g", "-Xmx1g", "-XX:+UseG1GC", "-Dio.netty.leakDetection.level=disabled",
                        "-Dio.netty.eventLoopThreads=1")
                // smoke (CI): any error fails; full run: a failing benchmark is reported "not measured" and the
                // rest of the suite still runs
                .shouldFailOnError(smoke)
                .resultFormat(ResultFormatType.JSON)
                .result(out.resolve("jmh-result.json").toString())
                .param("open", "0", Integer.toString(sockets));
        for (String include : includes) {
            options.include(include);
        }
        if (smoke) {
            options.forks(1).warmupIterations(1).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(1).measurementTime(TimeValue.seconds(1));
        } else {
            // Shorter than the annotations' 3 + 5 iterations, so the whole suite stays near 10 minutes on 2 cores.
            options.forks(2).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(1)).addProfiler(GCProfiler.class);
        }
        long t0 = System.nanoTime();
        Collection<RunResult> results = new Runner(options.build()).run();
        String memoryJson = memory ? scaleMemory(out, sockets) : null;
        Report report = new Report(results, memoryJson, smoke, sockets, (System.nanoTime() - t0) / 1e9);
        report.write(out);
        System.out.println();
        System.out.println(report.markdown());
        System.out.println("Wrote " + out.toAbsolutePath() + "/{jmh-result.json,summary.json,summary.md,chart.svg}");
    }

    /** Runs {@link ScaleMemory} in its own fixed-heap JVM and returns its JSON line. */
    private static String scaleMemory(Path out, int sockets) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Path file = out.resolve("scale-memory.json");
        Process p = new ProcessBuilder(java, "-Xms512m", "-Xmx512m", "-XX:+UseSerialGC", "-cp",
                System.getProperty("java.class.path"), ScaleMemory.class.getName(), Integer.toString(sockets),
                file.toString()).inheritIO().start();
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IllegalStateException("ScaleMemory failed with exit code " + rc);
        }
        return Files.readString(file).trim();
    }
}
