package org.wsk4j.sim;

import java.time.Duration;
import java.util.ArrayDeque;
import org.wsk4j.internal.GuardedBy;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.ScheduledTask;

/**
 * The completion executor of one subsystem on one simulated host: the network's shared executor, except while the
 * host is paused. Tasks the subsystem queues (IRP completions, event callbacks, its timers when they fire) and the
 * callbacks its transport makes to it (readiness, connect outcomes) while the host is paused wait here, in order, and run after {@link SimNetwork#resume(String)}, one shared-executor task each,
 * before anything the host queues later; tasks queued before the pause still run (the pause takes effect from its
 * instant on). Everything runs on the shared executor's thread in virtual time, so a run repeats from its seed.
 *
 * <p>Threading: like the rest of the simulation, driven from one thread; the queue is guarded by the network's
 * private lock. The common case (the host not paused, nothing waiting) is one volatile read before the hand-off.
 */
final class HostExecutor implements CompletionExecutor {

    private final SimNetwork network;
    private final SimHost host;
    private final ManualCompletionExecutor shared;
    /** What the host queued while paused, or behind what it queued while paused (guarded by the network). */
    @GuardedBy("network.lock")
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    /** Whether tasks must wait: the host is paused, or tasks from the pause are still waiting. */
    private volatile boolean holding;
    /** A drain step is queued on the shared executor (guarded by the network). */
    @GuardedBy("network.lock")
    private boolean draining;

    HostExecutor(SimNetwork network, SimHost host, ManualCompletionExecutor shared) {
        this.network = network;
        this.host = host;
        this.shared = shared;
    }

    /** The host was paused (network lock held). */
    void paused() {
        holding = true;
    }

    /** The host was resumed (network lock held): what waited runs, in order. */
    void resumed() {
        synchronized (network.lock) {
            if (waiting.isEmpty()) {
                holding = false;
            } else if (!draining) {
                draining = true;
                shared.execute(this::drainOne);
            }
        }
    }

    @Override
    public void execute(Runnable task) {
        if (!holding || !holdIfNeeded(task)) {
            shared.execute(task);
        }
    }

    /** Queues the task behind the pause; false when it can go to the shared executor after all. */
    private boolean holdIfNeeded(Runnable task) {
        synchronized (network.lock) {
            if (!host.paused && waiting.isEmpty()) {
                holding = false;
                return false;
            }
            waiting.addLast(task);
            return true;
        }
    }

    /** Runs the oldest waiting task (one shared-executor task per waiting task, so each is contained alone). */
    private void drainOne() {
        Runnable task;
        synchronized (network.lock) {
            draining = false;
            if (host.paused || waiting.isEmpty()) {
                return;
            }
            task = waiting.peekFirst(); // stays queued while it runs: what it queues goes behind it
        }
        try {
            task.run();
        } finally {
            synchronized (network.lock) {
                waiting.pollFirst();
                if (waiting.isEmpty()) {
                    holding = host.paused;
                } else if (!host.paused && !draining) {
                    draining = true;
                    shared.execute(this::drainOne);
                }
            }
        }
    }

    @Override
    public ScheduledTask schedule(Duration delay, Runnable task) {
        HeldTimer timer = new HeldTimer(task);
        timer.timer = shared.schedule(delay, timer);
        return timer;
    }

    /**
     * A timer of the shared executor whose task, when it fires while the host is paused, waits like any other; a
     * cancel before the task ran (fired or not) keeps it from running.
     */
    private final class HeldTimer implements ScheduledTask, Runnable {
        private final Runnable task;
        private ScheduledTask timer;
        private volatile boolean cancelled;
        private volatile boolean ran;

        HeldTimer(Runnable task) {
            this.task = task;
        }

        /** Fired on the shared executor: runs the task now, or queues it behind the pause. */
        @Override
        public void run() {
            if (!holding || !holdIfNeeded(this::runTask)) {
                runTask(); // as on the shared executor
            }
        }

        private void runTask() {
            if (!cancelled) {
                ran = true;
                task.run();
            }
        }

        /**
         * True when this cancel kept the task from running: before the timer fired, or while its task waited behind
         * the pause (false once it ran or was cancelled).
         */
        @Override
        public boolean cancel() {
            timer.cancel();
            if (ran || cancelled) {
                return false;
            }
            cancelled = true;
            return true;
        }

        @Override
        public long dueNanos() {
            return timer.dueNanos();
        }
    }

    @Override
    public long nanoTime() {
        return shared.nanoTime();
    }

    @Override
    public boolean inExecutorThread() {
        return shared.inExecutorThread();
    }

    @Override
    public void bindIoManager(IoManager ioManager) {
        shared.bindIoManager(ioManager);
    }

    /** The shared executor belongs to the network: closing a subsystem leaves it running. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        // Also the message of WskSubsystem.manualExecutor() on a simulated host's subsystem: say what to drive instead.
        return "simulated host " + host.name + "'s view of its network's executor " + shared
                + " (drive SimNetwork.executor())";
    }
}
