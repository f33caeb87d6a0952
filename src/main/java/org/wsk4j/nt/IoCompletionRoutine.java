package org.wsk4j.nt;

/**
 * {@code IO_COMPLETION_ROUTINE}: called when a lower driver (WSK) completes an IRP.
 *
 * <p>It runs at {@link Irql#DISPATCH_LEVEL} on whatever thread completes the IRP: a completion
 * executor thread, a transport thread, or the thread of the WSK call itself when the call fails at
 * once. It must not block. For an IRP allocated with {@link Io#allocateIrp} it must return
 * {@link NtStatus#STATUS_MORE_PROCESSING_REQUIRED}; it may free or keep the IRP.
 *
 * <pre>{@code
 * static NtStatus connectComplete(DeviceObject deviceObject, Irp irp, Object context) {
 *     if (irp.ioStatus().status() == NtStatus.STATUS_SUCCESS) { ... }
 *     Io.freeIrp(irp);
 *     return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
 * }
 * }</pre>
 */
@FunctionalInterface
public interface IoCompletionRoutine {

    /**
     * Handles the completion of an IRP.
     *
     * @param deviceObject the device object of the driver that set the routine; null for an IRP with
     *                     a single stack location (use {@code context} instead)
     * @param irp          the completed IRP; its {@link Irp#ioStatus()} is final
     * @param context      the context given to {@link Io#setCompletionRoutine}
     * @return {@link NtStatus#STATUS_MORE_PROCESSING_REQUIRED} to stop completion and keep the IRP, or
     *         {@link NtStatus#STATUS_CONTINUE_COMPLETION} to let completion go on to the next higher
     *         driver
     */
    NtStatus complete(DeviceObject deviceObject, Irp irp, Object context);
}
