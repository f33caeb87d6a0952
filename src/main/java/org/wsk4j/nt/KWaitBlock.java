package org.wsk4j.nt;

/**
 * {@code KWAIT_BLOCK}: caller storage for a {@code KeWaitForMultipleObjects} of more than
 * {@link Ke#THREAD_WAIT_OBJECTS} objects. wsk4j keeps its own wait state, so the blocks only have to be there:
 * an array at least as long as the object count, as the WDK requires.
 */
public final class KWaitBlock {

    /** Creates a wait block (C: storage the caller allocates; its content is the kernel's). */
    public KWaitBlock() {
    }
}
