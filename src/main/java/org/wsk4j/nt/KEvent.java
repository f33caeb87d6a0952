package org.wsk4j.nt;

import java.time.Duration;
import java.util.Objects;

/**
 * {@code KEVENT}: a kernel event, the usual way a driver waits for an IRP's completion routine.
 *
 * <pre>{@code
 * KEvent done = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
 * Io.setCompletionRoutine(irp, (dev, i, ctx) -> {
 *     ((KEvent) ctx).set();
 *     return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
 * }, done, true, true, true);
 * dispatch.wskBind(socket, address, 0, irp);
 * done.waitFor(null);                          // KeWaitForSingleObject(&done, Executive, KernelMode, FALSE, NULL)
 * }</pre>
 *
 * <p>A {@link EventType#NOTIFICATION_EVENT} stays signaled until reset and releases every waiter; a
 * {@link EventType#SYNCHRONIZATION_EVENT} releases one waiter and resets itself.
 *
 * <p>Waiting with a non-zero timeout requires PASSIVE_LEVEL: a wait from a completion routine or event
 * callback is a {@link VerifierRule#IRQL_NOT_PASSIVE} violation (a zero timeout is a poll and allowed).
 *
 * <p>Thread safety: all methods may be called from any thread; {@link #set()} happens-before the
 * return of the wait it releases.
 */
public final class KEvent {

    /** {@code EVENT_TYPE}. */
    public enum EventType {
        /** {@code NotificationEvent}: manual reset; releases all waiters. */
        NOTIFICATION_EVENT,
        /** {@code SynchronizationEvent}: auto reset; releases one waiter. */
        SYNCHRONIZATION_EVENT
    }

    private final EventType type;
    private boolean signaled;

    /**
     * {@code KeInitializeEvent}: creates an event.
     *
     * @param type  the event type
     * @param state the initial state: true for signaled
     */
    public KEvent(EventType type, boolean state) {
        this.type = Objects.requireNonNull(type, "type");
        this.signaled = state;
    }

    /**
     * Returns the event type.
     *
     * @return the type
     */
    public EventType type() {
        return type;
    }

    /**
     * {@code KeSetEvent}: signals the event. May be called at DISPATCH_LEVEL.
     *
     * @return the previous state: true when it was already signaled
     */
    public synchronized boolean set() {
        boolean previous = signaled;
        signaled = true;
        if (type == EventType.NOTIFICATION_EVENT) {
            notifyAll();
        } else {
            notify();
        }
        return previous;
    }

    /**
     * {@code KeResetEvent}: sets the event to not signaled.
     *
     * @return the previous state
     */
    public synchronized boolean reset() {
        boolean previous = signaled;
        signaled = false;
        return previous;
    }

    /** {@code KeClearEvent}: sets the event to not signaled, without returning the previous state. */
    public synchronized void clear() {
        signaled = false;
    }

    /**
     * {@code KeReadStateEvent}: the current state.
     *
     * @return true when signaled
     */
    public synchronized boolean readState() {
        return signaled;
    }

    /**
     * {@code KeWaitForSingleObject}: waits until the event is signaled or the timeout elapses.
     *
     * <p>For a synchronization event, a successful wait resets the event. A Java interrupt ends the wait
     * with {@link NtStatus#STATUS_ALERTED} and keeps the thread's interrupt flag set.
     *
     * @param timeout how long to wait; null waits forever (C {@code NULL}); zero polls
     * @return {@link NtStatus#STATUS_SUCCESS} when signaled, {@link NtStatus#STATUS_TIMEOUT} when the
     *         timeout elapsed, {@link NtStatus#STATUS_ALERTED} when interrupted
     * @throws VerifierError when waiting with a non-zero timeout above PASSIVE_LEVEL and
     *                       {@link VerifierRule#IRQL_NOT_PASSIVE} is in FAIL mode
     */
    public NtStatus waitFor(Duration timeout) {
        boolean atDispatch = false;
        if (timeout == null || !timeout.isZero()) {
            atDispatch = !Ke.requirePassiveLevel("KeWaitForSingleObject with a non-zero timeout");
        }
        if (atDispatch) {
            return waitAtDispatch(timeout);
        }
        return waitUntil(timeout);
    }

    /**
     * A wait the verifier let through at DISPATCH_LEVEL (rule in LOG or OFF mode): bounded by the verifier's
     * blocking-wait limit, so a callback waiting for something only its own thread can deliver is reported
     * instead of deadlocking.
     */
    private NtStatus waitAtDispatch(Duration timeout) {
        Verifier verifier = IoManager.current().verifier();
        Duration limit = verifier.blockingWaitLimit();
        if (timeout != null && timeout.compareTo(limit) <= 0) {
            return waitUntil(timeout);
        }
        NtStatus status = waitUntil(limit);
        if (status == NtStatus.STATUS_TIMEOUT) {
            TaskRunner.blockedReported(); // the watchdog need not report this task again
            verifier.report(VerifierRule.CALLBACK_BLOCKED, "a wait at DISPATCH_LEVEL on " + this + " did not end within "
                    + limit + "; it was ended with STATUS_TIMEOUT", null);
        }
        return status;
    }

    private NtStatus waitUntil(Duration timeout) {
        long deadline = timeout == null ? 0 : System.nanoTime() + saturatedNanos(timeout);
        synchronized (this) {
            while (!signaled) {
                try {
                    if (timeout == null) {
                        wait();
                    } else {
                        long remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            return NtStatus.STATUS_TIMEOUT;
                        }
                        wait(remaining / 1_000_000, (int) (remaining % 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return NtStatus.STATUS_ALERTED;
                }
            }
            if (type == EventType.SYNCHRONIZATION_EVENT) {
                signaled = false;
            }
            return NtStatus.STATUS_SUCCESS;
        }
    }

    private static long saturatedNanos(Duration timeout) {
        if (timeout.isNegative()) {
            return 0;
        }
        try {
            return timeout.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 2;
        }
    }

    @Override
    public synchronized String toString() {
        return "KEvent[" + type + ", " + (signaled ? "signaled" : "not signaled") + "]";
    }
}
