package org.wsk4j.nt;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A timeline of the IRPs of one {@link IoManager}, written as Chrome / Perfetto trace-event JSON (the "Trace Event
 * Format": open it in {@code ui.perfetto.dev} or {@code chrome://tracing}). Each IRP is an async span from
 * {@code IoAllocateIrp} to {@code IoFreeIrp} (category {@code irp}, id = the IRP's id) with instant marks for the
 * hand-over to WSK (the function's name), {@code IoMarkIrpPending} and the completion; on the thread that ran it,
 * each completion routine is a complete event with its duration, and every other step an instant event. Threads
 * are named after the Java threads.
 *
 * <p>Start one with {@link IoManager#startTimeline(LongSupplier)} (the clock: virtual time from a
 * {@link ManualCompletionExecutor} for deterministic timestamps, or {@code System::nanoTime}); stop it with
 * {@link IoManager#stopTimeline()}. Works on either transport. Thread-safe: events are recorded from any thread
 * under a private lock; recording costs nothing while no timeline runs.
 */
public final class IrpTimeline {

    /** One event: its phase, name, time, thread, IRP id and extra fields. */
    private record Event(char phase, String name, long nanos, long tid, long irp, long durationNanos, String detail) {
    }

    private final LongSupplier clock;
    private final Object lock = new Object();
    // Guarded by lock.
    private final List<Event> events = new ArrayList<>();
    private final Map<Long, String> threads = new LinkedHashMap<>();

    IrpTimeline(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private void add(char phase, String name, Irp irp, long nanos, long durationNanos, String detail) {
        Thread thread = Thread.currentThread();
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
        long tid = thread.getId();
        synchronized (lock) {
            threads.putIfAbsent(tid, thread.getName());
            events.add(new Event(phase, name, nanos, tid, irp == null ? -1 : irp.id(), durationNanos, detail));
        }
    }

    void allocated(Irp irp) {
        long now = clock.getAsLong();
        add('b', "IRP#" + irp.id(), irp, now, 0, null);
        add('i', "IoAllocateIrp IRP#" + irp.id(), irp, now, 0, null);
    }

    /**
     * Records that an IRP was handed to WSK by a provider function (called by the WSK provider).
     *
     * @param irp      the IRP
     * @param function the WSK function, for example {@code "WskSend"}
     */
    public void handedOver(Irp irp, String function) {
        long now = clock.getAsLong();
        add('n', function, irp, now, 0, null);
        add('i', function + " IRP#" + irp.id(), irp, now, 0, null);
    }

    void pending(Irp irp) {
        long now = clock.getAsLong();
        add('n', "IoMarkIrpPending", irp, now, 0, null);
        add('i', "IoMarkIrpPending IRP#" + irp.id(), irp, now, 0, null);
    }

    /** A completion routine is about to run; returns its start time for {@link #routineRan}. */
    long completing(Irp irp, NtStatus status) {
        long now = clock.getAsLong();
        add('n', "completion " + status.name(), irp, now, 0, null);
        return now;
    }

    /** A completion routine returned (the IRP may be freed or reused by now: only its id is used). */
    void routineRan(long irpId, long startNanos, NtStatus status, NtStatus result) {
        long end = clock.getAsLong();
        String detail = "\"status\":\"" + status.name() + "\",\"returned\":\"" + result.name() + "\"";
        Thread thread = Thread.currentThread();
        @SuppressWarnings("deprecation") // Thread.threadId() is Java 19+
        long tid = thread.getId();
        synchronized (lock) {
            threads.putIfAbsent(tid, thread.getName());
            events.add(new Event('X', "completion routine IRP#" + irpId, startNanos, tid, irpId, end - startNanos,
                    detail));
        }
    }

    void freed(Irp irp) {
        long now = clock.getAsLong();
        add('i', "IoFreeIrp IRP#" + irp.id(), irp, now, 0, null);
        add('e', "IRP#" + irp.id(), irp, now, 0, null);
    }

    /**
     * Returns the number of events recorded so far (thread-name metadata not counted).
     *
     * @return the count
     */
    public int eventCount() {
        synchronized (lock) {
            return events.size();
        }
    }

    /**
     * Writes the timeline as trace-event JSON: {@code {"traceEvents":[...],"displayTimeUnit":"ns"}}, timestamps
     * in microseconds, one process (pid 1), thread ids and names of the Java threads.
     *
     * @param file the file to create or replace
     * @throws IOException when it cannot be written
     */
    public void writeJson(Path file) throws IOException {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            writeJson(out);
        }
    }

    /**
     * Writes the timeline as trace-event JSON; see {@link #writeJson(Path)}.
     *
     * @param out where to write (not closed)
     * @throws IOException when it cannot be written
     */
    public void writeJson(Writer out) throws IOException {
        List<Event> snapshot;
        Map<Long, String> names;
        synchronized (lock) {
            snapshot = new ArrayList<>(events);
            names = new LinkedHashMap<>(threads);
        }
        out.write("{\"traceEvents\":[");
        boolean first = true;
        for (Map.Entry<Long, String> thread : names.entrySet()) {
            out.write(first ? "\n" : ",\n");
            first = false;
            out.write("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":" + thread.getKey()
                    + ",\"args\":{\"name\":" + quote(thread.getValue()) + "}}");
        }
        for (Event event : snapshot) {
            out.write(first ? "\n" : ",\n");
            first = false;
            StringBuilder line = new StringBuilder("{\"name\":").append(quote(event.name())).append(",\"cat\":\"irp\"")
                    .append(",\"ph\":\"").append(event.phase()).append("\",\"ts\":").append(micros(event.nanos()))
                    .append(",\"pid\":1,\"tid\":").append(event.tid());
            switch (event.phase()) {
                case 'b', 'e', 'n' -> line.append(",\"id\":").append(event.irp());
                case 'X' -> line.append(",\"dur\":").append(micros(event.durationNanos()));
                case 'i' -> line.append(",\"s\":\"t\"");
                default -> { }
            }
            line.append(",\"args\":{\"irp\":").append(event.irp());
            if (event.detail() != null) {
                line.append(',').append(event.detail());
            }
            out.write(line.append("}}").toString());
        }
        out.write("\n],\"displayTimeUnit\":\"ns\"}\n");
        out.flush();
    }

    private static String micros(long nanos) {
        return (nanos / 1000) + "." + String.format("%03d", Math.abs(nanos % 1000));
    }

    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
