package org.wsk4j.nt;

/**
 * A timer armed with {@link CompletionExecutor#schedule}.
 *
 * <p>Thread safety: {@link #cancel()} may be called from any thread.
 */
public interface ScheduledTask {

    /**
     * Cancels the timer if it has not fired yet.
     *
     * @return true when the timer was cancelled before firing
     */
    boolean cancel();

    /**
     * Returns the executor clock time at which the timer fires.
     *
     * @return nanoseconds on the executor's {@link CompletionExecutor#nanoTime()} clock
     */
    long dueNanos();
}
