package org.wsk4j.nt;

/**
 * {@code KSTART_ROUTINE}: the entry point of a system thread created with {@link Ps#createSystemThread}. It runs at
 * PASSIVE_LEVEL on the new thread; returning ends the thread as {@code PsTerminateSystemThread(STATUS_SUCCESS)}
 * would. An exception it lets escape is Windows' bug check {@code SYSTEM_THREAD_EXCEPTION_NOT_HANDLED}: wsk4j
 * reports {@link VerifierRule#SYSTEM_THREAD_EXCEPTION_NOT_HANDLED} and records the exception; the thread ends.
 */
@FunctionalInterface
public interface KStartRoutine {

    /**
     * The thread's body.
     *
     * @param startContext the context given to {@code PsCreateSystemThread}
     */
    void startRoutine(Object startContext);
}
