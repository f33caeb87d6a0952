package org.wsk4j.nt;

/**
 * {@code KWAIT_REASON}: why a thread waits. Informational (Windows uses it for diagnostics); drivers pass
 * {@link #Executive}. The constants keep their C names.
 */
public enum KWaitReason {
    /** {@code Executive}: what drivers pass. */
    Executive,
    /** {@code UserRequest}: a wait on behalf of a user thread. */
    UserRequest,
    /** {@code WrExecutive}: an executive-internal wait. */
    WrExecutive
}
