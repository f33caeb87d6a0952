package org.wsk4j.nt;

import java.util.Objects;

/**
 * {@code IO_STATUS_BLOCK}: the final status of an IRP and its {@code Information} value.
 *
 * <p>In C, {@code Information} is a {@code ULONG_PTR} that holds either a number (bytes sent or
 * received, output size) or a pointer (the new {@code PWSK_SOCKET} of WskSocket, WskSocketConnect and
 * WskAccept). In Java both are kept, and exactly one is meaningful at a time:
 * <ul>
 *   <li>{@link #information()} is the number. {@link #setInformation(long)} sets it and clears the
 *       object.</li>
 *   <li>{@link #informationObject()} is the pointer. {@link #setInformationObject(Object)} sets it; while
 *       an object is held, {@link #information()} returns a non-zero opaque value, so a C-style
 *       {@code Information != 0} test still works.</li>
 * </ul>
 *
 * <pre>{@code
 * // C:    PWSK_SOCKET socket = (PWSK_SOCKET) Irp->IoStatus.Information;
 * WskSocket socket = irp.ioStatus().information(WskSocket.class);
 * // C:    ULONG_PTR bytes = Irp->IoStatus.Information;
 * long bytes = irp.ioStatus().information();
 * }</pre>
 *
 * <p>Thread safety: not synchronized. The status block of an IRP is written by the driver that
 * completes the IRP before completion starts and read by completion routines afterwards; the hand-off
 * through completion publishes it safely. Do not read it while the IRP is pending.
 */
public final class IoStatusBlock {

    // Two slots and a selector instead of one field: an IRP reused for request after request alternates between
    // two statuses (STATUS_UNSUCCESSFUL from IoReuseIrp, then the completion's), and with both in a slot setting
    // one stores no reference; a reference stored into a long-lived object costs a G1 write-barrier fence.
    private NtStatus first = NtStatus.STATUS_SUCCESS;
    private NtStatus second = NtStatus.STATUS_SUCCESS;
    private boolean inSecond;
    private long information;
    private Object informationObject;

    /** Creates a status block holding {@code STATUS_SUCCESS} and Information 0. */
    public IoStatusBlock() {
    }

    /**
     * {@code IoStatus.Status}.
     *
     * @return the status; never null
     */
    public NtStatus status() {
        return inSecond ? second : first;
    }

    /**
     * Sets {@code IoStatus.Status}.
     *
     * @param status the status
     * @return this block
     */
    public IoStatusBlock setStatus(NtStatus status) {
        Objects.requireNonNull(status, "status");
        if (first == status) {
            inSecond = false;
        } else if (second == status) {
            inSecond = true;
        } else if (inSecond) { // replace the slot not in use, keeping the current status in the other
            first = status;
            inSecond = false;
        } else {
            second = status;
            inSecond = true;
        }
        return this;
    }

    /**
     * {@code IoStatus.Information} as a number: a byte count or a size, or a non-zero opaque value
     * while an object is held.
     *
     * @return the number
     */
    public long information() {
        if (informationObject != null) {
            return 0x1_0000_0000L | (System.identityHashCode(informationObject) & 0xFFFF_FFFFL);
        }
        return information;
    }

    /**
     * Sets {@code IoStatus.Information} to a number and clears any object.
     *
     * @param information the number
     * @return this block
     */
    public IoStatusBlock setInformation(long information) {
        this.information = information;
        this.informationObject = null;
        return this;
    }

    /**
     * {@code IoStatus.Information} as a pointer: the object it refers to, such as a new socket.
     *
     * @return the object, or null when Information holds a number
     */
    public Object informationObject() {
        return informationObject;
    }

    /**
     * {@code IoStatus.Information} cast to a type, like {@code (PWSK_SOCKET) Irp->IoStatus.Information}.
     *
     * @param type the expected type
     * @param <T>  the type
     * @return the object, or null when no object is held
     * @throws ClassCastException when an object of another type is held
     */
    public <T> T information(Class<T> type) {
        return type.cast(informationObject);
    }

    /**
     * Sets {@code IoStatus.Information} to a pointer. A null object sets the number 0.
     *
     * @param object the object
     * @return this block
     */
    public IoStatusBlock setInformationObject(Object object) {
        this.informationObject = object;
        this.information = 0;
        return this;
    }

    @Override
    public String toString() {
        return informationObject != null
                ? "IoStatus[" + status() + ", Information=" + informationObject + "]"
                : "IoStatus[" + status() + ", Information=" + information + "]";
    }
}
