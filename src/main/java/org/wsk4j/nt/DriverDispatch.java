package org.wsk4j.nt;

/**
 * {@code DRIVER_DISPATCH}: a driver's dispatch routine, called by {@link Io#callDriver} with the IRP's
 * stack location already advanced to the driver's own.
 *
 * <p>It runs on the caller's thread at the caller's IRQL. It either completes the IRP
 * ({@link Io#completeRequest}) and returns the final status, or marks it pending
 * ({@link Io#markIrpPending}) and returns {@link NtStatus#STATUS_PENDING}.
 */
@FunctionalInterface
public interface DriverDispatch {

    /**
     * Handles an IRP.
     *
     * @param deviceObject the target device
     * @param irp          the IRP; {@link Io#getCurrentIrpStackLocation(Irp)} is this driver's location
     * @return the final status, or {@link NtStatus#STATUS_PENDING}
     */
    NtStatus dispatch(DeviceObject deviceObject, Irp irp);
}
