package org.wsk4j.nt;

/**
 * {@code KDPC}: a deferred procedure call, storage that {@link Ke#initializeDpc} initializes. Queued with
 * {@link Ke#insertQueueDpc} or by an expiring {@link KTimer}, its routine runs at DISPATCH_LEVEL on the completion
 * executor of the kernel that queued it. A DPC is in the queue at most once; {@link Ke#removeQueueDpc} takes it out.
 *
 * <p>Thread safety: state is guarded by the kernel's dispatcher lock.
 */
public final class KDpc {

    /** Guarded by the lock. */
    KDeferredRoutine routine;
    Object deferredContext;
    /** Guarded by the lock: queued and not yet started. */
    boolean queued;
    Object argument1;
    Object argument2;
    /** Guarded by the lock: bumped by every insert and removal, so a stale queue entry does nothing. */
    long generation;

    /** Creates DPC storage (C: a {@code KDPC} in a structure); initialize it before use. */
    public KDpc() {
    }

    @Override
    public String toString() {
        synchronized (Dispatcher.LOCK) {
            return "KDpc[" + (routine == null ? "uninitialized" : queued ? "queued" : "idle") + "]";
        }
    }
}
