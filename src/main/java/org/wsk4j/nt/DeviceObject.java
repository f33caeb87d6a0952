package org.wsk4j.nt;

import java.util.Objects;

/**
 * {@code DEVICE_OBJECT}: a named device with a dispatch routine and the number of stack locations an
 * IRP sent to it needs.
 *
 * <p>WSK clients rarely need one: the WSK subsystem is called through its dispatch tables, and a
 * completion routine of a one-location IRP receives a null device object. Device objects let tests
 * model layered drivers: an upper driver passes an IRP to a lower one with {@link Io#callDriver} and
 * each layer's completion routine runs in turn.
 *
 * <p>Immutable; safe to share between threads.
 */
public final class DeviceObject {

    private final String name;
    private final int stackSize;
    private final DriverDispatch dispatch;

    private DeviceObject(String name, int stackSize, DriverDispatch dispatch) {
        this.name = Objects.requireNonNull(name, "name");
        this.stackSize = stackSize;
        this.dispatch = dispatch;
    }

    /**
     * {@code IoCreateDevice}: creates a device object.
     *
     * @param name      a name for diagnostics, for example {@code "\\Device\\MyFilter"}
     * @param stackSize the stack locations an IRP sent to this device needs (1 to 127)
     * @param dispatch  the dispatch routine, or null for a device that is never the target of
     *                  {@link Io#callDriver}
     * @return the device object
     * @throws IllegalArgumentException when stackSize is outside 1 to 127
     */
    public static DeviceObject create(String name, int stackSize, DriverDispatch dispatch) {
        if (stackSize < 1 || stackSize > Io.MAX_STACK_SIZE) {
            throw new IllegalArgumentException("stackSize must be between 1 and " + Io.MAX_STACK_SIZE + ": " + stackSize);
        }
        return new DeviceObject(name, stackSize, dispatch);
    }

    /**
     * Returns the name.
     *
     * @return the name given at creation
     */
    public String name() {
        return name;
    }

    /**
     * {@code DeviceObject->StackSize}: the stack locations an IRP sent to this device needs.
     *
     * @return 1 to 127
     */
    public int stackSize() {
        return stackSize;
    }

    /**
     * Returns the dispatch routine.
     *
     * @return the routine, or null
     */
    public DriverDispatch dispatch() {
        return dispatch;
    }

    @Override
    public String toString() {
        return "DeviceObject[" + name + "]";
    }
}
