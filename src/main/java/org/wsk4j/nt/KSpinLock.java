package org.wsk4j.nt;

import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code KSPIN_LOCK}: a spin lock, storage that {@link Ke#initializeSpinLock} initializes. {@link Ke#acquireSpinLock}
 * raises the IRQL to DISPATCH_LEVEL and takes it; {@link Ke#releaseSpinLock} gives it back and restores the IRQL.
 *
 * <pre>{@code
 * KSpinLock lock = new KSpinLock();
 * Ke.initializeSpinLock(lock);
 * Ref<Irql> oldIrql = new Ref<>();
 * Ke.acquireSpinLock(lock, oldIrql);
 * ... // at DISPATCH_LEVEL: no blocking wait
 * Ke.releaseSpinLock(lock, oldIrql.get());
 * }</pre>
 *
 * <p>It is a real lock on every transport (contending threads spin, then yield). On the simulated network it is
 * never contended: a thread holding it runs at DISPATCH_LEVEL, where it cannot wait, so it releases it before another
 * driver thread runs. The verifier checks Driver Verifier's deadlock-detection rules for it
 * ({@link VerifierRule#SPIN_LOCK_MISUSE}): acquiring a lock the thread holds, releasing one it does not.
 *
 * <p>Thread safety: any thread; the owner is an atomic reference.
 */
public final class KSpinLock {

    final AtomicReference<Thread> owner = new AtomicReference<>();
    volatile boolean initialized;

    /** Creates spin lock storage (C: a {@code KSPIN_LOCK} in a structure); initialize it before use. */
    public KSpinLock() {
    }

    /**
     * Tells whether a thread holds the lock.
     *
     * @return true while held
     */
    public boolean isHeld() {
        return owner.get() != null;
    }

    @Override
    public String toString() {
        Thread holder = owner.get();
        return "KSPIN_LOCK[" + (!initialized ? "uninitialized" : holder == null ? "free" : "held by " + holder.getName())
                + "]";
    }
}
