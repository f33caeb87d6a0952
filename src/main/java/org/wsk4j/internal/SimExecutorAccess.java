package org.wsk4j.internal;

import java.time.Duration;
import java.util.function.Consumer;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.ScheduledTask;

/**
 * What the simulated network may do with its {@link ManualCompletionExecutor} beyond the public API: create it with
 * the network's private lock as the executor's lock (one lock for both), and arm a timer whose task runs holding that
 * lock (the network's timers, which need it anyway: the executor runs the task in the same critical section in which
 * it takes the timer, instead of taking its lock and then the network's). Internal (not exported):
 * {@link ManualCompletionExecutor} installs the one implementation when it is initialised.
 *
 * <p>The lock order this makes (docs/architecture.md, "Lock order"): the executor's lock is the network's lock, so
 * whoever takes the executor's lock (the kernel model under {@code Dispatcher.LOCK} arming or cancelling a timer, a
 * socket lock holder arming one) takes the network's; the network's lock stays a leaf but for that, and a task run
 * holding it must take no other lock (the network's timer tasks post their callbacks instead).
 */
public abstract class SimExecutorAccess {

    /** Set once by {@link #install}, during the executor's class initialisation, which this class's triggers. */
    private static SimExecutorAccess access;

    static {
        try { // initialise the executor's class, which installs the accessor (a no-op when that is what runs now)
            Class.forName(ManualCompletionExecutor.class.getName(), true,
                    ManualCompletionExecutor.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** For {@link ManualCompletionExecutor}'s implementation only. */
    protected SimExecutorAccess() {
    }

    /**
     * Installs the implementation (called once, by {@link ManualCompletionExecutor}'s class initialiser).
     *
     * @param implementation the accessor
     * @throws IllegalStateException when one is installed already
     */
    public static synchronized void install(SimExecutorAccess implementation) {
        if (access != null) {
            throw new IllegalStateException("installed already");
        }
        access = implementation;
    }

    /**
     * {@link ManualCompletionExecutor#simulated}, with {@code lock} as the executor's private lock.
     *
     * @param seed     the seed of the scheduler's choices
     * @param eventLog receives one line per scheduling event, or null
     * @param lock     the lock the executor guards its timers and clock with (the network's private lock)
     * @return the executor
     */
    public static ManualCompletionExecutor simulated(long seed, Consumer<String> eventLog, Object lock) {
        SimExecutorAccess installed;
        synchronized (SimExecutorAccess.class) { // install's write, should another thread be initialising the executor
            installed = access;
        }
        if (installed == null) { // another thread is initialising the executor's class: wait for it, then read again
            try {
                Class.forName(ManualCompletionExecutor.class.getName(), true,
                        ManualCompletionExecutor.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            synchronized (SimExecutorAccess.class) {
                installed = access;
            }
        }
        return installed.create(seed, eventLog, lock);
    }

    /**
     * {@link ManualCompletionExecutor#schedule}, for a task that runs holding the executor's lock: when no schedule is
     * explored the drain runs it in the critical section in which it takes the timer; otherwise it takes the lock
     * around the task.
     *
     * @param executor the executor
     * @param delay    the virtual delay
     * @param task     the task, run holding the executor's lock
     * @return the timer
     */
    public static ScheduledTask scheduleHoldingLock(ManualCompletionExecutor executor, Duration delay, Runnable task) {
        // The executor came from simulated(), which read the accessor under the class lock: whoever has the executor
        // (safely published) sees it.
        return access.scheduleLocked(executor, delay, task);
    }

    /**
     * Creates the executor.
     *
     * @param seed     the seed
     * @param eventLog the scheduling event log, or null
     * @param lock     the executor's lock
     * @return the executor
     */
    protected abstract ManualCompletionExecutor create(long seed, Consumer<String> eventLog, Object lock);

    /**
     * Arms the timer.
     *
     * @param executor the executor
     * @param delay    the delay
     * @param task     the task
     * @return the timer
     */
    protected abstract ScheduledTask scheduleLocked(ManualCompletionExecutor executor, Duration delay, Runnable task);
}
