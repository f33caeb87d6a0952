package org.wsk4j.nt;

/** Thrown by {@code PsTerminateSystemThread} to unwind the calling system thread; caught by its trampoline. */
final class SystemThreadExit extends Error {

    private static final long serialVersionUID = 1L;

    final transient NtStatus exitStatus;

    SystemThreadExit(NtStatus exitStatus) {
        super("PsTerminateSystemThread(" + exitStatus + ")", null, false, false);
        this.exitStatus = exitStatus;
    }
}
