package org.wsk4j.nt;

/**
 * {@code WORK_QUEUE_TYPE} of {@code IoQueueWorkItem}. Drivers pass {@link #DelayedWorkQueue}; wsk4j runs every
 * queue on the same system worker threads, in queue order. The constants keep their C names.
 */
public enum WorkQueueType {
    /** {@code CriticalWorkQueue}. */
    CriticalWorkQueue,
    /** {@code DelayedWorkQueue}: what drivers pass. */
    DelayedWorkQueue,
    /** {@code HyperCriticalWorkQueue}: reserved for the system; accepted. */
    HyperCriticalWorkQueue,
    /** {@code NormalWorkQueue}. */
    NormalWorkQueue,
    /** {@code BackgroundWorkQueue}. */
    BackgroundWorkQueue,
    /** {@code RealTimeWorkQueue}. */
    RealTimeWorkQueue,
    /** {@code SuperCriticalWorkQueue}. */
    SuperCriticalWorkQueue
}
