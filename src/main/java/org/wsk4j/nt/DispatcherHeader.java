package org.wsk4j.nt;

import java.util.ArrayList;

/**
 * {@code DISPATCHER_HEADER}: what every object a thread can wait on has: a signal state and the waits blocked
 * on it. The waitable objects are {@link KEvent}, {@link KTimer} and {@link KThread}; pass them to
 * {@link Ke#waitForSingleObject} and {@link Ke#waitForMultipleObjects}.
 *
 * <p>Thread safety: the signal state and the wait list are guarded by the kernel's dispatcher lock, a private
 * lock of wsk4j (never an object a driver holds); every method may be called from any thread.
 */
public abstract sealed class DispatcherHeader permits KEvent, KTimer, KThread {

    /** Guarded by {@link Dispatcher#LOCK}: greater than 0 when signaled. */
    int signalState;
    /** Guarded by {@link Dispatcher#LOCK}: the real-time waits blocked on this object, to wake when it is signaled. */
    private ArrayList<Waiter> waiters;

    DispatcherHeader() {
    }

    /** Whether the object was initialized (a {@code KTimer} is storage until {@code KeInitializeTimer}). */
    boolean initialized() {
        return true;
    }

    /** Whether the object was freed (a thread object whose last reference was dropped). */
    boolean freed() {
        return false;
    }

    /** Under the lock: whether a wait on this object is satisfied now. */
    boolean signaledLocked() {
        return signalState > 0;
    }

    /** Under the lock: the side effect of satisfying one wait (synchronization objects reset). */
    void satisfyLocked() {
    }

    /** Under the lock: registers a real-time wait to wake. */
    final void addWaiterLocked(Waiter waiter) {
        if (waiters == null) {
            waiters = new ArrayList<>(2);
        }
        waiters.add(waiter);
    }

    /** Under the lock: removes a real-time wait. */
    final void removeWaiterLocked(Waiter waiter) {
        if (waiters != null) {
            waiters.remove(waiter);
        }
    }

    /** Under the lock: wakes the real-time waits blocked on this object so they re-check it. */
    final void wakeWaitersLocked() {
        if (waiters != null) {
            for (int i = 0; i < waiters.size(); i++) {
                waiters.get(i).wake();
            }
        }
        Dispatcher.signalled();
    }
}
