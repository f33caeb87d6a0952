package org.wsk4j.nt;

import java.time.Duration;

/**
 * The simulated I/O completion port: where IRP completions, event callbacks and timers run.
 *
 * <p>Two contracts implement it:
 * <ul>
 *   <li>{@link ThreadedCompletionExecutor}: a small pool of threads taking from one queue, like a
 *       completion port with a concurrency value, on the real clock. For real use.</li>
 *   <li>{@link ManualCompletionExecutor}: nothing runs until the test calls
 *       {@link ManualCompletionExecutor#runPending()} or {@link ManualCompletionExecutor#runNext()}; a
 *       virtual clock advanced with {@link ManualCompletionExecutor#advanceTimeBy} fires timers
 *       deterministically, FIFO among equal times. For tests.</li>
 *   <li>{@link DirectCompletionExecutor}: completions run on the thread that produced them (the NIO selector
 *       thread), with no hand-off; routines must not block. For throughput.</li>
 * </ul>
 *
 * <p>Thread safety: {@link #execute} and {@link #schedule} may be called from any thread, concurrently.
 * Tasks run with the executor's bound {@link IoManager} (if any) as the current one, at PASSIVE_LEVEL
 * between tasks. A task that throws is caught, recorded and logged; it never kills a worker.
 */
public interface CompletionExecutor extends AutoCloseable {

    /**
     * Queues a task ({@code PostQueuedCompletionStatus}). Never runs it before this call returns (callers may
     * hold locks), except after {@link #close()}, when a late task is run on the calling thread rather than
     * lost. The {@link DirectCompletionExecutor} may run it later on the calling thread, once that thread is
     * back at a point where it holds no lock.
     *
     * @param task the task
     */
    void execute(Runnable task);

    /**
     * Arms a timer that queues {@code task} once {@code delay} has passed on this executor's clock.
     *
     * @param delay how long from now; zero or negative means "now"
     * @param task  the task
     * @return the timer, which can be cancelled
     */
    ScheduledTask schedule(Duration delay, Runnable task);

    /**
     * Returns this executor's clock: the real {@link System#nanoTime()} for the threaded executor,
     * the virtual time (starting at 0) for the manual one.
     *
     * @return nanoseconds
     */
    long nanoTime();

    /**
     * Tells whether the calling thread is running one of this executor's tasks.
     *
     * @return true inside a task of this executor
     */
    boolean inExecutorThread();

    /**
     * Sets the I/O manager that is current while this executor's tasks run. A {@code WskSubsystem}
     * binds its own manager to the executor it uses, so IRPs allocated in its completion routines are
     * accounted to it.
     *
     * @param ioManager the manager, or null to leave threads unbound
     */
    void bindIoManager(IoManager ioManager);

    /**
     * Stops the executor after the tasks already queued have run. Timers not yet fired are dropped.
     * Idempotent.
     */
    @Override
    void close();
}
