package org.wsk4j.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A one-shot completion signal between a completion thread and the one benchmark thread waiting for it
 * (park/unpark, the cheapest hand-off; every client under test uses the same one, so the hand-off cost is
 * equal across them). Also carries the first failure seen by any callback.
 */
final class Signal {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private volatile boolean done;
    private volatile Thread waiter;
    private volatile Throwable failure;

    /** Arms the signal for the calling thread; call before starting the work that sets it. */
    void reset() {
        failure = null;
        done = false;
        waiter = Thread.currentThread();
    }

    void set() {
        done = true;
        LockSupport.unpark(waiter);
    }

    void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        set();
    }

    void fail(String message) {
        fail(new IllegalStateException(message));
    }

    /** Waits until set; rethrows a recorded failure; fails after 30 s instead of hanging the run. */
    void await() {
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!done) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("benchmark operation did not complete within 30 s");
            }
            LockSupport.parkNanos(this, left);
        }
        Throwable t = failure;
        if (t != null) {
            throw new IllegalStateException("benchmark operation failed: " + t, t);
        }
    }
}
