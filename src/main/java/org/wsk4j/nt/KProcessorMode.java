package org.wsk4j.nt;

/**
 * {@code KPROCESSOR_MODE} ({@code MODE}): the mode of a wait or of an access check. Drivers pass {@link #KernelMode}.
 * The constants keep their C names.
 */
public enum KProcessorMode {
    /** {@code KernelMode}. */
    KernelMode,
    /** {@code UserMode}: accepted; wsk4j delivers no user APCs, so it behaves as {@link #KernelMode}. */
    UserMode
}
