package org.wsk4j.internal;

/**
 * A thread of wsk4j's own that runs completions or transport events: a completion executor's worker or timer, a
 * transport's selector thread. Such a thread is never a WSK caller whose completions may run in its context (it
 * runs them already, one at a time), so the provider can tell without a thread-local lookup that a WSK call made on
 * it (from a completion routine or callback) completes through the queues as before. Internal (not exported).
 */
public class CompletionThread extends Thread {

    /**
     * Creates a daemon thread.
     *
     * @param task what it runs
     * @param name its name
     */
    public CompletionThread(Runnable task, String name) {
        super(task, name);
        setDaemon(true);
    }

    /**
     * Creates a daemon thread that runs its own {@link #run()}.
     *
     * @param name its name
     */
    protected CompletionThread(String name) {
        super(name);
        setDaemon(true);
    }
}
