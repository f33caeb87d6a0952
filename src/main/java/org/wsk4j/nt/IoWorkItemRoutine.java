package org.wsk4j.nt;

/**
 * {@code IO_WORKITEM_ROUTINE}: the callback of a work item queued with {@link Io#queueWorkItem}. It runs at
 * PASSIVE_LEVEL on a system worker thread, so it may block (briefly: the worker pool is shared).
 */
@FunctionalInterface
public interface IoWorkItemRoutine {

    /**
     * Runs the work.
     *
     * @param deviceObject the device object given to {@code IoAllocateWorkItem}
     * @param context      the context given to {@code IoQueueWorkItem}
     */
    void workItem(DeviceObject deviceObject, Object context);
}
