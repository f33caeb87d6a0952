package org.wsk4j.nt;

import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocking wait in progress: on dispatcher objects ({@code KeWaitFor...}), on nothing but a timeout
 * ({@code KeDelayExecutionThread}), or on a condition ({@link Kernel#waitUntil}). Internal to the kernel model;
 * its mutable fields are guarded by {@link Dispatcher#LOCK}.
 */
final class Waiter {

    final Thread thread = Thread.currentThread();
    final DispatcherHeader[] objects;
    final WaitType waitType;
    final BooleanSupplier condition;
    final String function;
    /** Set by the timeout's timer task (simulated) or by the waiting thread (real time); guarded by the lock. */
    boolean timedOut;
    /** The simulated timeout's timer, or null. */
    ScheduledTask timer;

    Waiter(DispatcherHeader[] objects, WaitType waitType, BooleanSupplier condition, String function) {
        this.objects = objects;
        this.waitType = waitType;
        this.condition = condition;
        this.function = function;
    }

    /**
     * Under the lock: the index of the object that satisfies the wait now (0 for WaitAll and for a condition), or -1.
     * A condition is user code: it is evaluated here only on the simulated network, where one thread runs at a time.
     */
    int satisfiableLocked() {
        if (condition != null) {
            return condition.getAsBoolean() ? 0 : -1;
        }
        if (objects.length == 0) {
            return -1;
        }
        if (waitType == WaitType.WaitAll) {
            for (DispatcherHeader object : objects) {
                if (!object.signaledLocked()) {
                    return -1;
                }
            }
            return 0;
        }
        for (int i = 0; i < objects.length; i++) {
            if (objects[i].signaledLocked()) {
                return i;
            }
        }
        return -1;
    }

    /** Under the lock: whether the wait can end now (satisfied or timed out). */
    boolean canEndLocked() {
        return timedOut || satisfiableLocked() >= 0;
    }

    /**
     * Under the lock: ends the wait, applying the side effects of the satisfied objects (a synchronization event
     * resets), and returns the wait's status.
     */
    NtStatus endLocked() {
        int index = satisfiableLocked();
        if (index < 0) {
            return timedOut ? NtStatus.STATUS_TIMEOUT : null;
        }
        if (condition != null) {
            return NtStatus.STATUS_SUCCESS;
        }
        if (waitType == WaitType.WaitAll) {
            for (DispatcherHeader object : objects) {
                object.satisfyLocked();
            }
            return NtStatus.STATUS_SUCCESS;
        }
        objects[index].satisfyLocked();
        return NtStatus.of(NtStatus.STATUS_WAIT_0.code() + index);
    }

    void register() {
        for (DispatcherHeader object : objects) {
            object.addWaiterLocked(this);
        }
    }

    void unregister() {
        for (DispatcherHeader object : objects) {
            object.removeWaiterLocked(this);
        }
    }

    /** Wakes the real-time waiting thread so it re-checks. */
    void wake() {
        LockSupport.unpark(thread);
    }

    /** What this wait is blocked on, for reports. */
    String describe() {
        StringBuilder text = new StringBuilder(function).append(" on ");
        if (condition != null) {
            text.append("a condition");
        } else if (objects.length == 0) {
            text.append("nothing (a delay)");
        } else if (objects.length == 1) {
            text.append(objects[0]);
        } else {
            text.append(waitType).append(" of [");
            for (int i = 0; i < objects.length; i++) {
                text.append(i == 0 ? "" : ", ").append(objects[i]);
            }
            text.append(']');
        }
        return text.toString();
    }
}
