package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.wsk4j.nt.NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
import static org.wsk4j.nt.NtStatus.STATUS_SUCCESS;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/** Test support for the race suites: tracked IRPs and a second thread released at the same start line. */
final class RaceSupport {

    private RaceSupport() {
    }

    static final Duration WAIT = Duration.ofSeconds(20);

    /**
     * An IRP whose routine records the order it ran in, its status and Information, counts its runs and signals.
     * It does not free the IRP: the test may still cancel it, so it is freed after its completion was awaited.
     */
    static final class Tracked {
        final String kind;
        final Irp irp = Io.allocateIrp(1, false);
        final KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        final AtomicInteger runs = new AtomicInteger();
        volatile int order;
        volatile NtStatus status;
        volatile long information;
        volatile Object informationObject;

        Tracked(String kind, AtomicInteger sequence) {
            this.kind = kind;
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                status = completed.ioStatus().status();
                information = completed.ioStatus().information();
                informationObject = completed.ioStatus().informationObject();
                order = sequence.incrementAndGet();
                runs.incrementAndGet();
                done.set();
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }

        boolean isDone() {
            return done.readState();
        }

        /** Waits (bounded) for the completion; fails with {@code context} when it does not come. */
        Tracked await(String context) {
            if (done.waitFor(WAIT) != STATUS_SUCCESS) {
                fail(kind + " " + irp + " did not complete within " + WAIT + " (a hang); " + context);
            }
            return this;
        }

        /** Checks it completed exactly once and frees it. */
        void checkAndFree(String context) {
            await(context);
            assertEquals(1, runs.get(), () -> kind + ": the completion routine must run exactly once; " + context);
            Io.freeIrp(irp);
        }

        @Override
        public String toString() {
            return kind + "[" + status + ", runs " + runs.get() + "]";
        }
    }

    /** A second thread that runs a task at the same start line as the test thread (a CyclicBarrier). */
    static final class Racer implements AutoCloseable {
        private final CyclicBarrier start = new CyclicBarrier(2);
        private final CyclicBarrier end = new CyclicBarrier(2);
        private final Thread thread;
        private volatile Runnable task;
        private volatile Throwable failure;
        private volatile boolean stop;

        Racer(org.wsk4j.nt.IoManager ioManager) {
            thread = new Thread(() -> {
                try (org.wsk4j.nt.IoManager.Binding ignored = ioManager.bindToCurrentThread()) {
                    while (true) {
                        await(start);
                        if (stop) {
                            return;
                        }
                        try {
                            task.run();
                        } catch (Throwable t) {
                            failure = t;
                        }
                        await(end);
                    }
                } catch (RuntimeException e) {
                    // the test gave up on us
                }
            }, "racer");
            thread.setDaemon(true);
            thread.start();
        }

        private static void await(CyclicBarrier barrier) {
            try {
                barrier.await(WAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IllegalStateException("racer barrier: " + e, e);
            }
        }

        /** Runs {@code mine} on this thread and {@code theirs} on the racer, released together. */
        void race(Runnable mine, Runnable theirs) {
            task = theirs;
            failure = null;
            await(start);
            try {
                mine.run();
            } finally {
                await(end);
            }
            if (failure != null) {
                throw new AssertionError("the racing thread threw", failure);
            }
        }

        @Override
        public void close() {
            stop = true;
            try {
                start.await(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                thread.interrupt();
            }
        }
    }

    /** Spins a few iterations, so the two sides of a race meet at varying offsets. */
    static void spin(int iterations) {
        for (int i = 0; i < iterations; i++) {
            Thread.onSpinWait();
        }
    }

    /** Outcome counts per race kind, for the report. */
    static final class Tally {
        final Map<String, Map<String, Long>> outcomes = new TreeMap<>();
        final Map<String, Long> rounds = new TreeMap<>();
        final java.util.Set<String> passed = new java.util.TreeSet<>();

        synchronized void passed(String kind) {
            passed.add(kind);
        }

        synchronized void round(String kind) {
            rounds.merge(kind, 1L, Long::sum);
        }

        synchronized void outcome(String kind, String what) {
            outcomes.computeIfAbsent(kind, k -> new TreeMap<>()).merge(what, 1L, Long::sum);
        }
    }
}
