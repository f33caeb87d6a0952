package org.wsk4j.nt;

/**
 * {@code IO_STACK_LOCATION}: one driver's slot in an IRP.
 *
 * <p>A location holds what the driver above asked of the driver that owns it (major and minor
 * function, parameters) and the completion routine the driver above registered with
 * {@link Io#setCompletionRoutine}. Locations are numbered 1 to {@link Irp#stackCount()}; location
 * {@code stackCount} belongs to the first driver the IRP is sent to.
 *
 * <p>Thread safety: a location is written by the driver that owns it (or the driver above, before it
 * passes the IRP down) and read by the next; the IRP hand-off publishes it.
 */
public final class IoStackLocation {

    private final int index;
    private int majorFunction;
    private int minorFunction;
    private Object parameters;
    DeviceObject deviceObject;
    /**
     * The completion routine and context, meaningful only while {@link #completionSet}. Clearing keeps them (only
     * the flag drops), so that a reused IRP given the same routine and context again (the common case) stores no
     * reference: a store into a long-lived IRP costs a G1 write-barrier fence. {@link #forget()} drops them when
     * the IRP is freed.
     */
    IoCompletionRoutine completionRoutine;
    Object completionContext;
    boolean completionSet;
    boolean invokeOnSuccess;
    boolean invokeOnError;
    boolean invokeOnCancel;
    boolean pendingReturned;

    IoStackLocation(int index) {
        this.index = index;
    }

    void clear() {
        majorFunction = 0;
        minorFunction = 0;
        parameters = null;
        deviceObject = null;
        clearCompletion();
        pendingReturned = false;
    }

    void clearCompletion() {
        completionSet = false;
        invokeOnSuccess = false;
        invokeOnError = false;
        invokeOnCancel = false;
    }

    /** Sets the completion routine and context, storing only what changed (see {@link #completionRoutine}). */
    void setCompletion(IoCompletionRoutine routine, Object context) {
        if (completionRoutine != routine) {
            completionRoutine = routine;
        }
        if (completionContext != context) {
            completionContext = context;
        }
        completionSet = true;
    }

    /** The routine set, or null. */
    IoCompletionRoutine routine() {
        return completionSet ? completionRoutine : null;
    }

    /** Drops every reference the location holds (the IRP is freed). */
    void forget() {
        clear();
        completionRoutine = null;
        completionContext = null;
    }

    /**
     * Returns the location's number, 1 to {@link Irp#stackCount()}.
     *
     * @return the number
     */
    public int index() {
        return index;
    }

    /**
     * {@code MajorFunction}.
     *
     * @return the major function code
     */
    public int majorFunction() {
        return majorFunction;
    }

    /**
     * Sets {@code MajorFunction}.
     *
     * @param majorFunction the code
     * @return this location
     */
    public IoStackLocation setMajorFunction(int majorFunction) {
        this.majorFunction = majorFunction;
        return this;
    }

    /**
     * {@code MinorFunction}.
     *
     * @return the minor function code
     */
    public int minorFunction() {
        return minorFunction;
    }

    /**
     * Sets {@code MinorFunction}.
     *
     * @param minorFunction the code
     * @return this location
     */
    public IoStackLocation setMinorFunction(int minorFunction) {
        this.minorFunction = minorFunction;
        return this;
    }

    /**
     * {@code Parameters}: the request's arguments, any object the two drivers agree on.
     *
     * @return the parameters, or null
     */
    public Object parameters() {
        return parameters;
    }

    /**
     * Sets {@code Parameters}.
     *
     * @param parameters the arguments
     * @return this location
     */
    public IoStackLocation setParameters(Object parameters) {
        this.parameters = parameters;
        return this;
    }

    /**
     * {@code DeviceObject}: the device that owns this location, set by {@link Io#callDriver}.
     *
     * @return the device, or null
     */
    public DeviceObject deviceObject() {
        return deviceObject;
    }

    /**
     * {@code CompletionRoutine}: the routine the driver above registered for this location.
     *
     * @return the routine, or null
     */
    public IoCompletionRoutine completionRoutine() {
        return routine();
    }

    /**
     * {@code Context}: the completion routine's context.
     *
     * @return the context, or null
     */
    public Object completionContext() {
        return completionSet ? completionContext : null;
    }

    /**
     * Whether the routine runs when the IRP completes with a success status (SL_INVOKE_ON_SUCCESS).
     *
     * @return the flag
     */
    public boolean invokeOnSuccess() {
        return invokeOnSuccess;
    }

    /**
     * Whether the routine runs when the IRP completes with an error status (SL_INVOKE_ON_ERROR).
     *
     * @return the flag
     */
    public boolean invokeOnError() {
        return invokeOnError;
    }

    /**
     * Whether the routine runs when the IRP was cancelled (SL_INVOKE_ON_CANCEL).
     *
     * @return the flag
     */
    public boolean invokeOnCancel() {
        return invokeOnCancel;
    }

    /**
     * Whether the driver that owns this location marked the IRP pending (SL_PENDING_RETURNED).
     *
     * @return the flag
     */
    public boolean pendingReturned() {
        return pendingReturned;
    }
}
