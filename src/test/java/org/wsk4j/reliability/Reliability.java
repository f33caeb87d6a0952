package org.wsk4j.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Test support for the reliability suites: their size parameters (CI size by default, full size through system
 * properties, see {@code docs/reliability.md}), resource counters ({@code /proc/self/fd}, live threads) with
 * bounded waits, and the result files the report is generated from ({@code target/reliability/<section>.json}
 * and {@code .md}; {@code bench/reliability.sh} assembles {@code docs/reliability.md} from the Markdown
 * fragments).
 */
final class Reliability {

    private Reliability() {
    }

    /** Where the result files go (Maven runs tests with the project directory as working directory). */
    static final Path RESULTS = Path.of(System.getProperty("wsk4j.reliability.dir", "target/reliability"));

    /** An integer size parameter: {@code -Dname=value}, else the CI default. */
    static int size(String property, int ciDefault) {
        return Integer.getInteger(property, ciDefault);
    }

    /** The seed: {@code -Dwsk4j.seed=N} (decimal or 0x hex), else the suite's default. */
    static long seed(long otherwise) {
        String value = System.getProperty("wsk4j.seed");
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        value = value.trim();
        return value.startsWith("0x") || value.startsWith("0X") ? Long.parseUnsignedLong(value.substring(2), 16)
                : Long.parseLong(value);
    }

    static String hex(long seed) {
        return "0x" + Long.toHexString(seed);
    }

    /** Open file descriptors of this process (Linux), or -1 where /proc/self/fd does not exist. */
    static long openFds() {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return -1;
        }
        try (var files = Files.list(fds)) {
            return files.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static long liveThreads() {
        return Thread.activeCount();
    }

    /**
     * Waits (real time, bounded) until {@code counter} is at most {@code limit}. A closed channel's descriptor is
     * released by the selector thread just after the close IRP completes (docs/mapping.md), and executor threads
     * end just after close() returns, so the counts settle a moment later.
     *
     * @return the last value read
     */
    static long settle(LongSupplier counter, long limit, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long value = counter.getAsLong();
        while (value > limit && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
            value = counter.getAsLong();
        }
        return value;
    }

    /** One section of the report: key figures (JSON) and a Markdown fragment. */
    static final class Section {
        final String id;
        final String title;
        final Map<String, Object> figures = new LinkedHashMap<>();
        final List<String> lines = new ArrayList<>();

        Section(String id, String title) {
            this.id = id;
            this.title = title;
        }

        Section figure(String key, Object value) {
            figures.put(key, value);
            return this;
        }

        Section line(String markdown) {
            lines.add(markdown);
            return this;
        }

        /** Writes {@code <id>.json} and {@code <id>.md} under {@link #RESULTS}. */
        void write() {
            try {
                Files.createDirectories(RESULTS);
                StringBuilder json = new StringBuilder("{\n  \"section\": ").append(quote(id)).append(",\n  \"title\": ")
                        .append(quote(title));
                for (Map.Entry<String, Object> e : figures.entrySet()) {
                    Object v = e.getValue();
                    json.append(",\n  ").append(quote(e.getKey())).append(": ")
                            .append(v instanceof Number || v instanceof Boolean ? v.toString() : quote(String.valueOf(v)));
                }
                json.append("\n}\n");
                Files.writeString(RESULTS.resolve(id + ".json"), json, StandardCharsets.UTF_8);
                StringBuilder md = new StringBuilder("## ").append(title).append("\n\n");
                for (String line : lines) {
                    md.append(line).append('\n');
                }
                Files.writeString(RESULTS.resolve(id + ".md"), md.append('\n'), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String quote(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"': b.append("\\\""); break;
                    case '\\': b.append("\\\\"); break;
                    case '\n': b.append("\\n"); break;
                    default:
                        if (c < 0x20) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                }
            }
            return b.append('"').toString();
        }
    }
}
