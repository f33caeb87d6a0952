package org.wsk4j.nt;

/** {@code WAIT_TYPE} of {@code KeWaitForMultipleObjects}. The constants keep their C names. */
public enum WaitType {
    /** {@code WaitAll}: every object must be signaled at the same moment; all are then satisfied together. */
    WaitAll,
    /**
     * {@code WaitAny}: one signaled object ends the wait; the lowest index wins, and the result is
     * {@code STATUS_WAIT_0 + index}.
     */
    WaitAny
}
