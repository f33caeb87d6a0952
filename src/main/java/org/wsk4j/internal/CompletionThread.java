package org.wsk4j.internal;

/**
 * A thread of wsk4j's own that runs completions or transport events: a completion executor's worker or timer, a
 * transport's selector thread. Such a thread is never a WSK caller whose completions may run in its context (it
 * runs them already, one at a time), so the provider can tell without a thread-local lookup that a WSK call made on
 * it (from a completion routine or callback) completes through the queues as before. It also holds the values of the
 * {@link FastLocal}s of the completion path as plain fields, and lets a transport thread batch its hand-offs
 * ({@link #beginBatch()}). Internal (not exported).
 */
public class CompletionThread extends Thread {

    /** How many {@link FastLocal}s may exist. */
    static final int SLOTS = 8;

    /** This thread's {@link FastLocal} values, by index; this thread's alone. */
    final Object[] slots = new Object[SLOTS];

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

    /**
     * Set by a transport's event thread while it runs completions (user code) rather than its own confined work;
     * read by this thread only.
     */
    public boolean runningCompletions;

        /** A readiness pass is running (see {@link #beginBatch()}); this thread's fields are its own. */
    private boolean batching;
    /** Wake-ups deferred to the end of the pass, each once: the first apart, the rest (rare) in a list. */
    private Runnable deferredWake;
    private java.util.ArrayList<Runnable> moreDeferredWakes;

    /**
     * For a transport's event thread (its own): from now until {@link #endBatch()}, completion executors defer the
     * wake-up of an idle worker that a task posted from this thread would cost, so a readiness pass hands its
     * completions over as one batch and wakes each executor at most once.
     */
    public final void beginBatch() {
        batching = true;
    }

    /** Ends the pass begun by {@link #beginBatch()}: runs each deferred wake-up once. Call it holding no lock. */
    public final void endBatch() {
        batching = false;
        Runnable wake = deferredWake;
        if (wake == null) {
            return;
        }
        deferredWake = null;
        wake.run();
        if (moreDeferredWakes != null && !moreDeferredWakes.isEmpty()) {
            for (Runnable more : moreDeferredWakes) {
                more.run();
            }
            moreDeferredWakes.clear();
        }
    }

    /**
     * For a completion executor: defers {@code wake} (its "wake an idle worker", the same object each time) to the end
     * of the calling thread's readiness pass, once however often it is deferred.
     *
     * @param wake the executor's wake-up
     * @return false when the calling thread is not in a pass (the executor wakes a worker now)
     */
    public static boolean deferWakeup(Runnable wake) {
        if (!(Thread.currentThread() instanceof CompletionThread)) {
            return false;
        }
        CompletionThread self = (CompletionThread) Thread.currentThread();
        if (!self.batching) {
            return false;
        }
        if (self.deferredWake == null || self.deferredWake == wake) {
            self.deferredWake = wake;
            return true;
        }
        if (self.moreDeferredWakes == null) {
            self.moreDeferredWakes = new java.util.ArrayList<>(2);
        }
        for (Runnable deferred : self.moreDeferredWakes) {
            if (deferred == wake) {
                return true;
            }
        }
        self.moreDeferredWakes.add(wake);
        return true;
    }
}
