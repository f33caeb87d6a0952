package org.wsk4j.nt;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * The dispatcher lock and the wake-up of condition waits: internal to the kernel model.
 *
 * <p>One JVM-wide lock guards every dispatcher object's state and every scheduler's state, as Windows' dispatcher
 * database lock once did: a {@code WaitAll} must see and change several objects atomically. It is private to wsk4j
 * (no driver can hold it), held only for short state changes and never while driver code runs.
 */
final class Dispatcher {

    /** The dispatcher lock. */
    static final Object LOCK = new Object();

    /**
     * Threads waiting in a real-time condition wait ({@link Kernel#waitUntil}): an arbitrary condition cannot be
     * watched, so every signal of a dispatcher object and every posted completion wakes them to re-check it.
     */
    private static final Set<Thread> CONDITION_WAITERS = ConcurrentHashMap.newKeySet();

    private Dispatcher() {
    }

    static void addConditionWaiter(Thread thread) {
        CONDITION_WAITERS.add(thread);
    }

    static void removeConditionWaiter(Thread thread) {
        CONDITION_WAITERS.remove(thread);
    }

    /** Something changed that a condition may depend on: wake the condition waiters. */
    static void signalled() {
        if (!CONDITION_WAITERS.isEmpty()) {
            for (Thread thread : CONDITION_WAITERS) {
                LockSupport.unpark(thread);
            }
        }
    }
}
