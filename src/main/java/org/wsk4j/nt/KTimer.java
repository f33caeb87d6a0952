package org.wsk4j.nt;

/**
 * {@code KTIMER}: a kernel timer, storage that {@link Ke#initializeTimer} or {@link Ke#initializeTimerEx} initializes
 * and {@link Ke#setTimer} / {@link Ke#setTimerEx} arm (one-shot or periodic, optionally queueing a {@link KDpc}). It is
 * a dispatcher object: signaled when it expires.
 *
 * <pre>{@code
 * KTimer timer = new KTimer();
 * Ke.initializeTimer(timer);
 * Ke.setTimer(timer, -10_000_000L, null);                               // 1 s from now (100 ns units, relative)
 * Ke.waitForSingleObject(timer, Executive, KernelMode, false, null);
 * }</pre>
 *
 * <p>The timer runs on the kernel of the thread that armed it: in virtual time on the simulated network, in real
 * time elsewhere. Arming storage that was never initialized is a {@link VerifierRule#TIMER_OR_DPC_INVALID} report.
 *
 * <p>Thread safety: state is guarded by the kernel's dispatcher lock; any thread may use the timer.
 */
public final class KTimer extends DispatcherHeader {

    /** Guarded by the lock; null until initialized. */
    TimerType type;
    /** Guarded by the lock: the armed expiry, or null. */
    ScheduledTask pending;
    /** Guarded by the lock: bumped by every set and cancel, so a stale expiry does nothing. */
    long generation;

    /** Creates timer storage (C: a {@code KTIMER} in a structure); initialize it before use. */
    public KTimer() {
    }

    @Override
    boolean initialized() {
        return type != null;
    }

    @Override
    void satisfyLocked() {
        if (type == TimerType.SynchronizationTimer) {
            signalState = 0;
        }
    }

    @Override
    public String toString() {
        synchronized (Dispatcher.LOCK) {
            return "KTimer[" + (type == null ? "uninitialized" : type + (pending != null ? ", set" : "")
                    + (signalState > 0 ? ", signaled" : "")) + "]";
        }
    }
}
