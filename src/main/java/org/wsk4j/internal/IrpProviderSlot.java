package org.wsk4j.internal;

import org.wsk4j.nt.Irp;

/**
 * Access to an {@link Irp}'s provider slot: one reference the layer that accepts an IRP (wsk4j's WSK provider) may
 * keep in the IRP across {@code IoReuseIrp}, for its own state about the IRP's requests (the provider keeps the
 * pending-operation objects of the IRP's last requests there, to reuse them for its next one). Drivers cannot see
 * it; {@code IoFreeIrp} drops it. Only the IRP's owner (the thread passing it to a WSK function) reads or writes it.
 * Internal (not exported): {@link Irp} installs the one implementation when it is initialised.
 */
public abstract class IrpProviderSlot {

    private static IrpProviderSlot access;

    /** For {@link Irp}'s implementation only. */
    protected IrpProviderSlot() {
    }

    /**
     * Installs the implementation (called once, by {@link Irp}'s class initialiser).
     *
     * @param implementation the accessor
     * @throws IllegalStateException when one is installed already
     */
    public static synchronized void install(IrpProviderSlot implementation) {
        if (access != null) {
            throw new IllegalStateException("installed already");
        }
        access = implementation;
    }

    /**
     * The IRP's slot.
     *
     * @param irp an IRP (its class is initialised, so the accessor is installed)
     * @return the value kept, or null
     */
    public static Object get(Irp irp) {
        return access.read(irp);
    }

    /**
     * Sets the IRP's slot.
     *
     * @param irp   the IRP
     * @param value the value to keep, or null
     */
    public static void set(Irp irp, Object value) {
        access.write(irp, value);
    }

    /**
     * Reads the slot.
     *
     * @param irp the IRP
     * @return the value
     */
    protected abstract Object read(Irp irp);

    /**
     * Writes the slot.
     *
     * @param irp   the IRP
     * @param value the value
     */
    protected abstract void write(Irp irp, Object value);
}
