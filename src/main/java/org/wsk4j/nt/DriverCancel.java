package org.wsk4j.nt;

/**
 * {@code DRIVER_CANCEL}: the cancel routine of a pending IRP, set with {@link Io#setCancelRoutine} and
 * called once by {@link Io#cancelIrp}.
 *
 * <p>It runs at {@link Irql#DISPATCH_LEVEL} on the thread that called {@code Io.cancelIrp}. The IRP's
 * cancel routine has already been cleared when it runs. wsk4j models no global cancel spin lock: the
 * routine is called without one and need not release anything. It must arrange for the IRP to be
 * completed (normally with {@link NtStatus#STATUS_CANCELLED}); it must not block.
 */
@FunctionalInterface
public interface DriverCancel {

    /**
     * Cancels a pending IRP.
     *
     * @param deviceObject the device object of the driver that owns the IRP's current stack location,
     *                     or null
     * @param irp          the IRP being cancelled; {@link Irp#cancel()} is true
     */
    void cancel(DeviceObject deviceObject, Irp irp);
}
