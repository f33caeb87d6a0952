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
 * <p>The methods are the C functions on the event: {@link #set()} is {@code KeSetEvent}, {@link #waitFor} is
 * {@code KeWaitForSingleObject} with a relative timeout. The C-shaped forms are on {@link Ke}
 * ({@code Ke.setEvent(event, IO_NO_INCREMENT, false)}, {@code Ke.waitForSingleObject(event, Executive, KernelMode,
 * false, null)}); both behave the same, on the kernel of the calling thread (see {@link Kernel}).
 *
 * <p>Waiting with a non-zero timeout requires PASSIVE_LEVEL (or APC_LEVEL): a wait from a completion routine or event
 * callback is a {@link VerifierRule#IRQL_NOT_PASSIVE} violation (a zero timeout is a poll and allowed).
 *
 * <p>Thread safety: all methods may be called from any thread; the state is guarded by the kernel's dispatcher lock
 * (private to wsk4j); {@link #set()} happens-before the return of the wait it releases.
 */
public final class KEvent extends DispatcherHeader {

    /** {@code EVENT_TYPE}. */
    public enum EventType {
        /** {@code NotificationEvent}: manual reset; releases all waiters. */
        NOTIFICATION_EVENT,
        /** {@code SynchronizationEvent}: auto reset; releases one waiter. */
        SYNCHRONIZATION_EVENT
    }

    /** Guarded by the dispatcher lock; null until initialized. */
    private EventType type;

    /**
     * Creates event storage that {@link Ke#initializeEvent} initializes (C: a {@code KEVENT} in a structure).
     * Waiting on it or setting it before then is a {@link VerifierRule#WAIT_OBJECT_INVALID} report.
     */
    public KEvent() {
    }

    /**
     * {@code KeInitializeEvent}: creates an initialized event.
     *
     * @param type  the event type
     * @param state the initial state: true for signaled
     */
    public KEvent(EventType type, boolean state) {
        this.type = Objects.requireNonNull(type, "type");
        this.signalState = state ? 1 : 0;
    }

    void initialize(EventType type, boolean state) {
        synchronized (Dispatcher.LOCK) {
            this.type = type;
            this.signalState = state ? 1 : 0;
        }
    }

    @Override
    boolean initialized() {
        return type != null;
    }

    /**
     * Returns the event type.
     *
     * @return the type, or null before initialization
     */
    public EventType type() {
        synchronized (Dispatcher.LOCK) {
            return type;
        }
    }

    /**
     * {@code KeSetEvent}: signals the event. May be called at DISPATCH_LEVEL.
     *
     * @return the previous state: true when it was already signaled
     */
    public boolean set() {
        synchronized (Dispatcher.LOCK) {
            boolean previous = signalState > 0;
            signalState = 1;
            wakeWaitersLocked();
            return previous;
        }
    }

    /**
     * {@code KeResetEvent}: sets the event to not signaled.
     *
     * @return the previous state
     */
    public boolean reset() {
        synchronized (Dispatcher.LOCK) {
            boolean previous = signalState > 0;
            signalState = 0;
            return previous;
        }
    }

    /** {@code KeClearEvent}: sets the event to not signaled, without returning the previous state. */
    public void clear() {
        synchronized (Dispatcher.LOCK) {
            signalState = 0;
        }
    }

    /**
     * {@code KeReadStateEvent}: the current state.
     *
     * @return true when signaled
     */
    public boolean readState() {
        synchronized (Dispatcher.LOCK) {
            return signalState > 0;
        }
    }

    @Override
    void satisfyLocked() {
        if (type == EventType.SYNCHRONIZATION_EVENT) {
            signalState = 0;
        }
    }

    /**
     * {@code KeWaitForSingleObject}: waits until the event is signaled or the timeout elapses, on the kernel of the
     * calling thread (on the simulated network: other driver threads, completions and timers run meanwhile, and the
     * timeout is virtual).
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
        return Ke.waitForSingleObject(this, KWaitReason.Executive, KProcessorMode.KernelMode, false,
                Ke.relativeTimeout(timeout));
    }

    @Override
    public String toString() {
        synchronized (Dispatcher.LOCK) {
            return "KEvent[" + (type == null ? "uninitialized" : type + ", " + (signalState > 0 ? "signaled"
                    : "not signaled")) + "]";
        }
    }
}
