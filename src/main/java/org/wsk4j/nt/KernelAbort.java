package org.wsk4j.nt;

/**
 * Thrown inside a driver thread that the kernel ends because its subsystem closed while the thread still waited: it
 * unwinds the thread's code and is swallowed by the thread's own trampoline. Stackless and shared.
 */
final class KernelAbort extends Error {

    private static final long serialVersionUID = 1L;

    static final KernelAbort INSTANCE = new KernelAbort();

    private KernelAbort() {
        super("the driver thread was ended because its kernel closed", null, false, false);
    }
}
