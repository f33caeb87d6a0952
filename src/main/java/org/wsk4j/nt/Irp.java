package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * {@code IRP}: an I/O request packet, the object every asynchronous WSK call completes through.
 *
 * <p>Allocate one with {@link Io#allocateIrp}, set a completion routine with
 * {@link Io#setCompletionRoutine}, pass it to a WSK function, and read {@link #ioStatus()} in the
 * completion routine. All operations on IRPs are the static {@link Io} functions, named after their
 * {@code Io*} counterparts; this class exposes the IRP's fields.
 *
 * <p><b>Stack locations.</b> An IRP has {@link #stackCount()} locations, numbered 1 to stackCount.
 * A fresh IRP has no current location ({@link #currentLocation()} is stackCount + 1); each driver the
 * IRP is passed to takes the next lower location. {@code IoSetCompletionRoutine} writes into the next
 * location, the one the driver below will take. Passing an IRP on with no location left is a
 * {@link VerifierRule#IRP_NO_MORE_STACK_LOCATIONS} violation.
 *
 * <p><b>Ownership.</b> An IRP belongs to the driver that allocated it until it is passed down; then to
 * the driver below until that driver completes it and a completion routine returns
 * {@link NtStatus#STATUS_MORE_PROCESSING_REQUIRED}. The {@link Verifier} checks this: completing it
 * twice, freeing or reusing it while a lower driver owns it, freeing it twice, and using it after
 * free are rule violations.
 *
 * <p><b>Thread safety.</b> An IRP is handed from thread to thread with its ownership; the owner may
 * touch it, others must not. {@link #cancel()} and the cancel routine may be used from any thread
 * ({@link Io#cancelIrp} races safely with completion). Identity: {@link #id()} is unique within the
 * {@link IoManager} that allocated the IRP.
 */
public final class Irp implements VerifiedObject {

    // Ownership states (see class javadoc).
    static final int ALLOCATED = 0;
    static final int IN_FLIGHT = 1;
    static final int COMPLETING = 2;
    static final int COMPLETED = 3;
    static final int FREED = 4;

    private static final String[] STATE_NAMES = {"allocated", "in flight", "completing", "completed", "freed"};

    private static final VarHandle STATE;
    private static final VarHandle CANCEL_ROUTINE;
    private static final VarHandle GENERATION;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Irp.class, "state", int.class);
            GENERATION = MethodHandles.lookup().findVarHandle(Irp.class, "generation", int.class);
            CANCEL_ROUTINE = MethodHandles.lookup().findVarHandle(Irp.class, "cancelRoutine", DriverCancel.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        org.wsk4j.internal.IrpProviderSlot.install(new org.wsk4j.internal.IrpProviderSlot() {
            @Override
            protected Object read(Irp irp) {
                return irp.providerSlot;
            }

            @Override
            protected void write(Irp irp, Object value) {
                irp.providerSlot = value;
            }
        });
    }

    final IoManager manager;
    final long id;
    final IoStackLocation[] stack; // index 0 unused; 1..stackCount
    final boolean chargeQuota;
    int currentLocation;
    final IoStatusBlock ioStatus = new IoStatusBlock();
    volatile boolean cancel;
    boolean pendingReturned;
    /** The cancel routine; read and swapped atomically through {@link #CANCEL_ROUTINE}. */
    private volatile DriverCancel cancelRoutine;
    volatile int state;
    /** Incremented whenever the IRP is (re)sent, reused or freed; lets completion detect that. */
    volatile int generation;
    final Throwable allocationSite;
    /**
     * The next older IRP in the I/O manager's list of tracked IRPs (set at allocation, before publication; afterwards
     * changed only by the manager's sweep, which skips freed IRPs: a reader that sees an older link still reaches every
     * IRP after it). Plain: readers walk the list without a lock.
     */
    Irp trackedNext;
    volatile Throwable handoverSite;
    /**
     * How many hand-overs of this IRP had their site captured under {@link Verifier.StackCapture#SAMPLED} (up to
     * {@link Verifier#SAMPLED_HANDOVERS}); owner-confined, as the hand-over that counts it.
     */
    int sampledHandovers;
    /**
     * The driver context, meaningful only while {@link #driverContextSet}: setting it to null only drops the flag,
     * and setting the value it already holds stores nothing, so an IRP reused for the same kind of request stores
     * no reference (a store into a long-lived IRP costs a G1 write-barrier fence). Freeing the IRP drops it.
     */
    private Object driverContext;
    private boolean driverContextSet;
    /**
     * What the accepting provider keeps about this IRP across IoReuseIrp (see
     * {@link org.wsk4j.internal.IrpProviderSlot}); owner-confined, dropped when the IRP is freed.
     */
    private Object providerSlot;

    Irp(IoManager manager, long id, int stackCount, boolean chargeQuota, Throwable allocationSite) {
        this.manager = manager;
        this.id = id;
        this.chargeQuota = chargeQuota;
        this.stack = new IoStackLocation[stackCount + 1];
        for (int i = 1; i <= stackCount; i++) {
            stack[i] = new IoStackLocation(i);
        }
        this.currentLocation = stackCount + 1;
        this.allocationSite = allocationSite;
    }

    /** Drops the references a freed IRP would otherwise keep reachable. */
    void forgetReferences() {
        driverContext = null;
        driverContextSet = false;
        providerSlot = null;
        for (int i = 1; i < stack.length; i++) {
            stack[i].forget();
        }
    }

    /**
     * Increments {@link #generation}. Only the IRP's owner changes it, so a release store does (no fence: on
     * x86 a plain store), and the completing thread compares it around the routine it runs itself.
     */
    void bumpGeneration() {
        GENERATION.setRelease(this, generation + 1);
    }

    /** Atomically replaces the cancel routine, returning the previous one. */
    DriverCancel swapCancelRoutine(DriverCancel routine) {
        return (DriverCancel) CANCEL_ROUTINE.getAndSet(this, routine);
    }

    /** Clears the cancel routine (a plain volatile write when one is set; nothing when none is). */
    void clearCancelRoutine() {
        if (cancelRoutine != null) {
            cancelRoutine = null;
        }
    }

    /**
     * Moves the IRP to {@code next} with a release store (no fence; on x86 a plain store). Only for the owner's own
     * transitions out of a state no other thread leaves (ALLOCATED, COMPLETED) or leaves only by a CAS from
     * COMPLETING, which this store then correctly overrides (see {@link Io#setNextIrpStackLocation}).
     */
    void setStateRelease(int next) {
        STATE.setRelease(this, next);
    }

    boolean casState(int expected, int next) {
        return STATE.compareAndSet(this, expected, next);
    }

    static String stateName(int state) {
        return STATE_NAMES[state];
    }

    /**
     * Returns the IRP's identity, unique within its {@link IoManager}; used in verifier reports.
     *
     * @return a positive number, increasing with allocation order
     */
    public long id() {
        return id;
    }

    /**
     * Returns the I/O manager that allocated this IRP and accounts for it.
     *
     * @return the manager
     */
    public IoManager ioManager() {
        return manager;
    }

    /**
     * {@code StackCount}: the number of stack locations given at allocation.
     *
     * @return 0 to 127
     */
    public int stackCount() {
        return stack.length - 1;
    }

    /**
     * {@code CurrentLocation}: the current stack location's number; {@code stackCount() + 1} while no
     * driver has taken a location.
     *
     * @return the location number
     */
    public int currentLocation() {
        return currentLocation;
    }

    /**
     * {@code IoStatus}: the IRP's status block. Final once the IRP completed; do not read it while the
     * IRP is pending, nor after {@link Io#freeIrp}: read the results first, then free (in the kernel the memory
     * is back in the pool and may already hold another IRP).
     *
     * @return the status block (of a freed IRP too, when the rule is not in FAIL mode)
     * @throws VerifierError on {@link VerifierRule#IRP_USED_AFTER_FREE} (the IRP was freed) in FAIL mode
     */
    public IoStatusBlock ioStatus() {
        checkReadable("IoStatus");
        return ioStatus;
    }

    /** Reports reading a field of a freed IRP ({@link VerifierRule#IRP_USED_AFTER_FREE}); a volatile read otherwise. */
    void checkReadable(String what) {
        if (state == FREED) {
            manager.verifier().report(VerifierRule.IRP_USED_AFTER_FREE, what + " read from freed " + this, this);
        }
    }

    /**
     * {@code Cancel}: true once {@link Io#cancelIrp} was called for this IRP (until it is reused).
     *
     * @return the cancel flag
     */
    public boolean cancel() {
        return cancel;
    }

    /**
     * {@code PendingReturned}: inside a completion routine, whether the driver below returned
     * {@link NtStatus#STATUS_PENDING} for this IRP (marked it pending). For an IRP passed to a WSK
     * function it tells whether that function returned STATUS_PENDING.
     *
     * @return the flag as of the completion routine now running
     */
    public boolean pendingReturned() {
        return pendingReturned;
    }

    /**
     * {@code CancelRoutine}: the cancel routine currently set, if any.
     *
     * @return the routine, or null
     */
    public DriverCancel cancelRoutine() {
        return cancelRoutine;
    }

    /**
     * {@code Tail.Overlay.DriverContext}: a slot the driver that currently owns the IRP may use freely.
     *
     * @return the value, or null
     */
    public Object driverContext() {
        return driverContextSet ? driverContext : null;
    }

    /**
     * Sets the driver context slot; only the current owner should.
     *
     * @param value the value
     */
    public void setDriverContext(Object value) {
        if (value == null) {
            driverContextSet = false;
            return;
        }
        if (driverContext != value) {
            driverContext = value;
        }
        driverContextSet = true;
    }

    /**
     * Tells whether the IRP is currently owned by a lower driver (passed down and not yet handed back).
     *
     * @return true while pending in a lower driver or while its completion is running
     */
    public boolean isInFlight() {
        int s = state;
        return s == IN_FLIGHT || s == COMPLETING;
    }

    /**
     * Tells whether {@link Io#freeIrp} was called.
     *
     * @return true once freed
     */
    public boolean isFreed() {
        return state == FREED;
    }

    @Override
    public Throwable allocationSite() {
        return allocationSite;
    }

    @Override
    public Throwable handoverSite() {
        return handoverSite;
    }

    /**
     * Describes the IRP: id, ownership state, current location and, while it is in flight, its driver context
     * (for an IRP pending in WSK: the function that accepted it).
     */
    @Override
    public String toString() {
        Object o = driverContext();
        return "IRP#" + id + "[" + stateName(state) + ", location " + currentLocation + "/" + stackCount()
                + (o != null && isInFlight() ? ", owner " + o : "") + "]";
    }
}
