package org.wsk4j.nt;

/**
 * {@code IO_WORKITEM}: a work item from {@link Io#allocateWorkItem}, queued with {@link Io#queueWorkItem} to run its
 * routine at PASSIVE_LEVEL on a system worker thread, and freed with {@link Io#freeWorkItem}.
 *
 * <pre>{@code
 * IoWorkItem item = Io.allocateWorkItem(deviceObject);             // in DriverEntry, or at DISPATCH_LEVEL
 * Io.queueWorkItem(item, (dev, ctx) -> blockingWork(ctx), DelayedWorkQueue, context);
 * // in the routine, or once it ran: Io.freeWorkItem(item);
 * }</pre>
 *
 * <p>The verifier checks the rules of bug check {@code WORKER_INVALID} (0xE4): queueing an item that is already
 * queued, and freeing one that is queued, are {@link VerifierRule#WORK_ITEM_INVALID} reports.
 *
 * <p>Thread safety: state is guarded by the kernel's dispatcher lock; the item may be queued and freed from any
 * thread.
 */
public final class IoWorkItem {

    /** Life cycle; guarded by {@link Dispatcher#LOCK}. */
    enum State {
        /** Allocated and not queued (also after its routine started: it may be queued again). */
        IDLE,
        /** Queued, its routine not started yet. */
        QUEUED,
        /** Freed. */
        FREED
    }

    final DeviceObject deviceObject;
    final long id;
    /** Guarded by the lock. */
    State state = State.IDLE;
    /** Guarded by the lock: routine and context of the queued run. */
    IoWorkItemRoutine routine;
    Object context;
    /** Guarded by the lock: the kernel it was queued on. */
    Kernel kernel;

    IoWorkItem(DeviceObject deviceObject, long id) {
        this.deviceObject = deviceObject;
        this.id = id;
    }

    /**
     * Tells whether the item is queued and its routine has not started.
     *
     * @return true while queued
     */
    public boolean isQueued() {
        synchronized (Dispatcher.LOCK) {
            return state == State.QUEUED;
        }
    }

    @Override
    public String toString() {
        return "IO_WORKITEM#" + id;
    }
}
