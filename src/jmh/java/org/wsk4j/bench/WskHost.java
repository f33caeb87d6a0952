package org.wsk4j.bench;

import static org.wsk4j.Wsk.MAKE_WSK_VERSION;
import static org.wsk4j.Wsk.WSK_INFINITE_WAIT;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.ScheduledTask;
import org.wsk4j.nt.Verifier;

/**
 * A registered WSK client on its own subsystem (real sockets), set up as a benchmark should: IRP tracking
 * and stack capture off (unless {@code verifier} is true), and an explicit completion executor.
 */
final class WskHost implements AutoCloseable {

    /** Where completion routines run. */
    enum Completions {
        /** The subsystem's ThreadedCompletionExecutor with one worker thread: one hand-off per completion. */
        THREADED,
        /** Inline on the thread that produces the completion (the NIO selector thread): no hand-off. */
        INLINE
    }

    final WskSubsystem wsk;
    final WskRegistration registration = new WskRegistration();
    final WskProviderNpi npi = new WskProviderNpi();

    WskHost(Completions completions, boolean verifier) {
        WskSubsystem.Builder builder = WskSubsystem.builder().name("bench");
        if (completions == Completions.INLINE) {
            builder.executor(new InlineExecutor());
        } else {
            builder.threadedExecutor(1);
        }
        wsk = builder.build();
        configure(wsk.ioManager(), verifier);
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                    registration), "WskRegister");
            check(wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi), "WskCaptureProviderNPI");
        }
    }

    static void configure(IoManager manager, boolean verifier) {
        manager.setTrackLiveIrps(verifier);
        manager.verifier().setStackCapture(verifier ? Verifier.StackCapture.ALWAYS : Verifier.StackCapture.OFF);
    }

    static void check(NtStatus status, String what) {
        if (status != NtStatus.STATUS_SUCCESS) {
            throw new IllegalStateException(what + " failed: " + status);
        }
    }

    IoManager.Binding bind() {
        return wsk.bindToCurrentThread();
    }

    @Override
    public void close() {
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
        } finally {
            CompletionExecutor executor = wsk.executor();
            wsk.close();
            if (executor instanceof InlineExecutor) {
                executor.close();
            }
        }
    }

    /**
     * Runs every completion task on the thread that posts it (for the NIO transport: its selector thread),
     * with the subsystem's I/O manager bound and the thread returned to PASSIVE_LEVEL afterwards, as
     * ThreadedCompletionExecutor's workers do. Timers use one daemon thread. Benchmark use only: completion
     * routines then run on the transport thread, which is the "no hand-off" mode of the issue.
     */
    static final class InlineExecutor implements CompletionExecutor {
        private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "bench-inline-timer");
            t.setDaemon(true);
            return t;
        });
        private volatile IoManager ioManager;

        @Override
        public void execute(Runnable task) {
            IoManager manager = ioManager;
            IoManager.Binding binding = manager != null ? manager.bindToCurrentThread() : null;
            Irql entry = Ke.getCurrentIrql();
            try {
                task.run();
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable t) {
                IoManager.current().recordRoutineFailure("inline completion task " + task, t);
            } finally {
                if (Ke.getCurrentIrql() != entry) {
                    Ke.lowerIrql(entry);
                }
                if (binding != null) {
                    binding.close();
                }
            }
        }

        @Override
        public ScheduledTask schedule(Duration delay, Runnable task) {
            long nanos = delay == null || delay.isNegative() ? 0 : delay.toNanos();
            long due = System.nanoTime() + nanos;
            ScheduledFuture<?> future = timer.schedule(() -> execute(task), nanos, TimeUnit.NANOSECONDS);
            return new ScheduledTask() {
                @Override
                public boolean cancel() {
                    return future.cancel(false);
                }

                @Override
                public long dueNanos() {
                    return due;
                }
            };
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public boolean inExecutorThread() {
            return false;
        }

        @Override
        public void bindIoManager(IoManager manager) {
            this.ioManager = manager;
        }

        @Override
        public void close() {
            timer.shutdownNow();
        }
    }
}
