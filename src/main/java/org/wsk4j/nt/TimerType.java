package org.wsk4j.nt;

/** {@code TIMER_TYPE} of {@code KeInitializeTimerEx}. The constants keep their C names. */
public enum TimerType {
    /** {@code NotificationTimer}: stays signaled after it expires and releases every waiter. */
    NotificationTimer,
    /** {@code SynchronizationTimer}: releases one waiter, then resets itself. */
    SynchronizationTimer
}
