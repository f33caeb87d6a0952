package org.wsk4j.nt;

import java.time.Duration;
import org.wsk4j.internal.FastLocal;

/**
 * Kernel executive support routines ({@code Ke*}): the simulated per-thread IRQL, waits on dispatcher objects,
 * events, timers and DPCs. The C constants these functions take keep their C names here
 * ({@link #Executive}, {@link #KernelMode}, {@link #WaitAny}, {@link #NotificationEvent}, ...), so
 * {@code import static org.wsk4j.nt.Ke.*;} lets a transliteration read as the C does:
 *
 * <pre>{@code
 * KEvent done = new KEvent();
 * Ke.initializeEvent(done, SynchronizationEvent, false);
 * ...
 * if (status == STATUS_PENDING) {
 *     Ke.waitForSingleObject(done, Executive, KernelMode, false, null);
 * }
 * }</pre>
 *
 * <p>Timeouts are C {@code LARGE_INTEGER}s in 100 ns units: negative is relative, positive is an absolute system time
 * ({@link #querySystemTime()}), zero polls, null waits forever. Waits, timers and DPCs act on the kernel of the
 * calling thread ({@link Kernel}): deterministic and in virtual time on the simulated network, real elsewhere.
 *
 * <p>Every thread has its own current IRQL, {@link Irql#PASSIVE_LEVEL} unless raised. wsk4j raises
 * it to {@link Irql#DISPATCH_LEVEL} around completion routines, cancel routines and event callbacks.
 * Drivers may raise and lower it themselves to test code paths that run at DISPATCH_LEVEL:
 *
 * <pre>{@code
 * Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
 * try {
 *     // code that must not block
 * } finally {
 *     Ke.lowerIrql(old);
 * }
 * }</pre>
 *
 * <p>All methods act on the calling thread only and may be called from any thread.
 */
public final class Ke {

    /** {@code THREAD_WAIT_OBJECTS}: the objects a KeWaitForMultipleObjects may name without a wait block array. */
    public static final int THREAD_WAIT_OBJECTS = 3;
    /** {@code MAXIMUM_WAIT_OBJECTS}: the most objects one KeWaitForMultipleObjects may name. */
    public static final int MAXIMUM_WAIT_OBJECTS = 64;
    /** {@code Executive}: the wait reason drivers pass. */
    public static final KWaitReason Executive = KWaitReason.Executive;
    /** {@code KernelMode}. */
    public static final KProcessorMode KernelMode = KProcessorMode.KernelMode;
    /** {@code UserMode}. */
    public static final KProcessorMode UserMode = KProcessorMode.UserMode;
    /** {@code WaitAll}. */
    public static final WaitType WaitAll = WaitType.WaitAll;
    /** {@code WaitAny}. */
    public static final WaitType WaitAny = WaitType.WaitAny;
    /** {@code NotificationEvent}. */
    public static final KEvent.EventType NotificationEvent = KEvent.EventType.NOTIFICATION_EVENT;
    /** {@code SynchronizationEvent}. */
    public static final KEvent.EventType SynchronizationEvent = KEvent.EventType.SYNCHRONIZATION_EVENT;
    /** {@code NotificationTimer}. */
    public static final TimerType NotificationTimer = TimerType.NotificationTimer;
    /** {@code SynchronizationTimer}. */
    public static final TimerType SynchronizationTimer = TimerType.SynchronizationTimer;

    private static final FastLocal<Irql[]> CURRENT = new FastLocal<>(() -> new Irql[] {Irql.PASSIVE_LEVEL});

    private Ke() {
    }

    /**
     * {@code KeGetCurrentIrql}: the calling thread's current IRQL.
     *
     * @return the current level
     */
    public static Irql getCurrentIrql() {
        return CURRENT.get()[0];
    }

    /**
     * {@code KeRaiseIrql}: raises the calling thread's IRQL and returns the previous level. Raising to
     * a level below the current one is a rule violation ({@link VerifierRule#IRQL_BAD_TRANSITION},
     * bug check IRQL_NOT_GREATER_OR_EQUAL); when the verifier does not fail, the level is set anyway.
     *
     * @param newIrql the new level, not lower than the current one
     * @return the previous level, to pass to {@link #lowerIrql(Irql)}
     */
    public static Irql raiseIrql(Irql newIrql) {
        Irql[] cell = CURRENT.get();
        Irql old = cell[0];
        if (newIrql.value() < old.value()) {
            IoManager.current().verifier().report(VerifierRule.IRQL_BAD_TRANSITION,
                    "KeRaiseIrql to " + newIrql + " while at " + old, null);
        }
        cell[0] = newIrql;
        return old;
    }

    /**
     * {@code KeLowerIrql}: lowers the calling thread's IRQL to a level saved by {@link #raiseIrql}.
     * Lowering to a level above the current one is a rule violation
     * ({@link VerifierRule#IRQL_BAD_TRANSITION}, bug check IRQL_NOT_LESS_OR_EQUAL).
     *
     * @param newIrql the level to return to
     */
    public static void lowerIrql(Irql newIrql) {
        lowerIrql(CURRENT.get(), newIrql);
    }

    /**
     * The calling thread's IRQL cell, for a caller that raises and lowers around one call with one lookup (the
     * completion and cancel paths): element 0 is the level; only the calling thread uses it.
     */
    static Irql[] irqlCell() {
        return CURRENT.get();
    }

    /** {@link #lowerIrql(Irql)} on the calling thread's {@link #irqlCell() cell}. */
    static void lowerIrql(Irql[] cell, Irql newIrql) {
        if (newIrql.value() > cell[0].value()) {
            IoManager.current().verifier().report(VerifierRule.IRQL_BAD_TRANSITION,
                    "KeLowerIrql to " + newIrql + " while at " + cell[0], null);
        }
        cell[0] = newIrql;
    }

    /**
     * Checks that the calling thread runs at PASSIVE_LEVEL, as {@code operation} requires, and reports a
     * {@link VerifierRule#IRQL_NOT_PASSIVE} violation otherwise. Used by wsk4j for every
     * PASSIVE_LEVEL-only function; drivers can use it for their own.
     *
     * @param operation the name of the function that requires PASSIVE_LEVEL, for the report
     * @return true when the thread is at PASSIVE_LEVEL
     * @throws VerifierError when the thread is above PASSIVE_LEVEL and the rule is in FAIL mode
     */
    public static boolean requirePassiveLevel(String operation) {
        Irql current = getCurrentIrql();
        if (current == Irql.PASSIVE_LEVEL) {
            return true;
        }
        IoManager.current().verifier().report(VerifierRule.IRQL_NOT_PASSIVE,
                operation + " requires PASSIVE_LEVEL but the thread is at " + current, null);
        return false;
    }

    // ---- waits ------------------------------------------------------------------------------------------------

    /**
     * Converts a Java duration to a C relative timeout (negative, 100 ns units), for the wait functions.
     *
     * @param timeout the duration; null for none (waits forever)
     * @return the timeout: null for none, 0 for a zero or negative duration (a poll), otherwise negative
     */
    public static Long relativeTimeout(Duration timeout) {
        if (timeout == null) {
            return null;
        }
        if (timeout.isZero() || timeout.isNegative()) {
            return 0L;
        }
        long nanos = ManualCompletionExecutor.saturatedNanos(timeout);
        return -Math.max(1, (nanos + 99) / 100);
    }

    /**
     * {@code KeQuerySystemTime}: the current system time, in 100 ns units since 1601-01-01 UTC: the wall clock, or on
     * the simulated network 2026-01-01T00:00Z plus virtual time. An absolute timeout is such a value.
     *
     * @return the system time
     */
    public static long querySystemTime() {
        return Kernel.current().systemTime();
    }

    /**
     * {@code KeInitializeEvent}: initializes event storage. Any IRQL.
     *
     * @param event the storage
     * @param type  {@link #NotificationEvent} or {@link #SynchronizationEvent}
     * @param state true for signaled
     */
    public static void initializeEvent(KEvent event, KEvent.EventType type, boolean state) {
        if (event == null || type == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "KeInitializeEvent("
                    + (event == null ? "NULL" : event) + ", " + type + ")", null);
            return;
        }
        event.initialize(type, state);
    }

    /**
     * {@code KeSetEvent}: signals the event (see {@link KEvent#set()}). {@code Wait} TRUE is accepted and means
     * nothing more here (the caller's next call must be a wait, as in C). At most DISPATCH_LEVEL.
     *
     * @param event     the event
     * @param increment the priority boost (ignored)
     * @param wait      C's {@code Wait}
     * @return the previous state (C: nonzero when it was signaled)
     */
    public static boolean setEvent(KEvent event, int increment, boolean wait) {
        return validEvent(event, "KeSetEvent") && event.set();
    }

    /**
     * {@code KeResetEvent}. At most DISPATCH_LEVEL.
     *
     * @param event the event
     * @return the previous state
     */
    public static boolean resetEvent(KEvent event) {
        return validEvent(event, "KeResetEvent") && event.reset();
    }

    /**
     * {@code KeClearEvent}. At most DISPATCH_LEVEL.
     *
     * @param event the event
     */
    public static void clearEvent(KEvent event) {
        if (validEvent(event, "KeClearEvent")) {
            event.clear();
        }
    }

    /**
     * {@code KeReadStateEvent}. At most DISPATCH_LEVEL.
     *
     * @param event the event
     * @return true when signaled
     */
    public static boolean readStateEvent(KEvent event) {
        return validEvent(event, "KeReadStateEvent") && event.readState();
    }

    private static boolean validEvent(KEvent event, String function) {
        if (event == null || !event.initialized()) {
            IoManager.current().verifier().report(VerifierRule.WAIT_OBJECT_INVALID, function + " on "
                    + (event == null ? "NULL" : "an event that was never initialized (KeInitializeEvent)"), null);
            return false;
        }
        return true;
    }

    /**
     * {@code KeWaitForSingleObject}: waits until the object ({@link KEvent}, {@link KTimer}, {@link KThread}) is
     * signaled or the timeout elapses, on the kernel of the calling thread. On the simulated network the calling
     * thread is a driver thread scheduled by the seed (other threads, completions and timers run while it waits;
     * the timeout is virtual); elsewhere the wait is real.
     *
     * <p>IRQL: a zero timeout (a poll) at most DISPATCH_LEVEL; any other at most APC_LEVEL, else
     * {@link VerifierRule#IRQL_NOT_PASSIVE} (bug check 0xC4, 0x3B).
     *
     * @param object     the dispatcher object
     * @param waitReason {@link #Executive} (informational)
     * @param waitMode   {@link #KernelMode} (informational)
     * @param alertable  C's {@code Alertable}; a Java interrupt ends any wait with STATUS_ALERTED
     * @param timeout    100 ns units: negative relative, positive absolute, 0 a poll, null forever
     * @return STATUS_SUCCESS, STATUS_TIMEOUT, STATUS_ALERTED; in LOG mode, STATUS_INVALID_PARAMETER for an invalid
     *         object
     * @throws VerifierError for a null, uninitialized or freed object ({@link VerifierRule#WAIT_OBJECT_INVALID}), a
     *                       wait above APC_LEVEL, a deadlock, when those rules are in FAIL mode
     */
    public static NtStatus waitForSingleObject(Object object, KWaitReason waitReason, KProcessorMode waitMode,
                                               boolean alertable, Long timeout) {
        DispatcherHeader[] objects = dispatcherObjects("KeWaitForSingleObject", 1, new Object[] {object});
        if (objects == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        return Kernel.current().wait(objects, WaitType.WaitAny, timeout, alertable, "KeWaitForSingleObject");
    }

    /**
     * {@code KeWaitForMultipleObjects}: waits until all ({@link #WaitAll}) or any ({@link #WaitAny}) of the objects
     * are signaled. {@code WaitAny} returns {@code STATUS_WAIT_0 + index} of the lowest signaled index; {@code WaitAll}
     * satisfies every object at once (a synchronization event among them resets only then).
     *
     * @param count          the number of objects, 1 to {@link #MAXIMUM_WAIT_OBJECTS}
     * @param object         the objects
     * @param waitType       {@link #WaitAll} or {@link #WaitAny}
     * @param waitReason     {@link #Executive}
     * @param waitMode       {@link #KernelMode}
     * @param alertable      C's {@code Alertable}
     * @param timeout        as for {@link #waitForSingleObject}
     * @param waitBlockArray null when {@code count} is at most {@link #THREAD_WAIT_OBJECTS}, else at least
     *                       {@code count} blocks
     * @return as for {@link #waitForSingleObject}, or STATUS_WAIT_0 + n
     * @throws VerifierError more than 64 objects, or more than 3 without wait blocks
     *                       ({@link VerifierRule#MAXIMUM_WAIT_OBJECTS_EXCEEDED}, bug check 0xC), and as for
     *                       {@link #waitForSingleObject}
     */
    public static NtStatus waitForMultipleObjects(int count, Object[] object, WaitType waitType, KWaitReason waitReason,
                                                  KProcessorMode waitMode, boolean alertable, Long timeout,
                                                  KWaitBlock[] waitBlockArray) {
        String function = "KeWaitForMultipleObjects";
        if (count > MAXIMUM_WAIT_OBJECTS || (count > THREAD_WAIT_OBJECTS
                && (waitBlockArray == null || waitBlockArray.length < count))) {
            IoManager.current().verifier().report(VerifierRule.MAXIMUM_WAIT_OBJECTS_EXCEEDED, function + " of " + count
                    + " objects " + (count > MAXIMUM_WAIT_OBJECTS ? "(more than MAXIMUM_WAIT_OBJECTS, 64)"
                    : "with no wait block array for them (more than THREAD_WAIT_OBJECTS, 3)"), null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (waitType == null || count <= 0 || object == null || object.length < count) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, function + " with count " + count
                    + ", " + (object == null ? "no object array" : object.length + " objects") + ", wait type "
                    + waitType, null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        DispatcherHeader[] objects = dispatcherObjects(function, count, object);
        if (objects == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        return Kernel.current().wait(objects, waitType, timeout, alertable, function);
    }

    private static DispatcherHeader[] dispatcherObjects(String function, int count, Object[] objects) {
        DispatcherHeader[] result = new DispatcherHeader[count];
        for (int i = 0; i < count; i++) {
            Object object = objects[i];
            String problem = null;
            if (object == null) {
                problem = "NULL";
            } else if (!(object instanceof DispatcherHeader header)) {
                problem = object + ", which is not a dispatcher object (KEVENT, KTIMER, KTHREAD)";
            } else if (!header.initialized()) {
                problem = object + ", which was never initialized";
            } else if (header.freed()) {
                problem = object + ", whose last reference was dropped (ObDereferenceObject): a freed object";
            } else {
                result[i] = header;
            }
            if (problem != null) {
                IoManager.current().verifier().report(VerifierRule.WAIT_OBJECT_INVALID, function + " on "
                        + (count > 1 ? "object " + i + ", " : "") + problem, null);
                return null;
            }
        }
        return result;
    }

    /**
     * {@code KeDelayExecutionThread}: puts the calling thread to sleep for the interval (virtual time on the simulated
     * network, where other driver threads run meanwhile). A zero interval yields. At most APC_LEVEL.
     *
     * @param waitMode  {@link #KernelMode}
     * @param alertable C's {@code Alertable}
     * @param interval  100 ns units: negative relative, positive absolute; must not be null
     * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER for a null interval or (LOG mode) a call above APC_LEVEL
     */
    public static NtStatus delayExecutionThread(KProcessorMode waitMode, boolean alertable, Long interval) {
        IoManager manager = IoManager.current();
        if (interval == null) {
            manager.verifier().report(VerifierRule.INVALID_ARGUMENT, "KeDelayExecutionThread(NULL interval)", null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        Irql irql = getCurrentIrql();
        if (irql.value() > Irql.APC_LEVEL.value()) {
            manager.verifier().report(VerifierRule.IRQL_NOT_PASSIVE, "KeDelayExecutionThread at " + irql
                    + " (it requires at most APC_LEVEL)", null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        Kernel kernel = manager.kernel();
        return kernel.delay(kernel.relativeNanos(interval));
    }

    // ---- timers and DPCs --------------------------------------------------------------------------------------

    /**
     * {@code KeInitializeTimer}: initializes timer storage as a notification timer, not signaled.
     *
     * @param timer the storage
     */
    public static void initializeTimer(KTimer timer) {
        initializeTimerEx(timer, TimerType.NotificationTimer);
    }

    /**
     * {@code KeInitializeTimerEx}: initializes timer storage, not signaled.
     *
     * @param timer the storage
     * @param type  {@link #NotificationTimer} or {@link #SynchronizationTimer}
     */
    public static void initializeTimerEx(KTimer timer, TimerType type) {
        if (timer == null || type == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "KeInitializeTimerEx("
                    + (timer == null ? "NULL" : timer) + ", " + type + ")", null);
            return;
        }
        synchronized (Dispatcher.LOCK) {
            if (timer.pending != null) {
                timer.pending.cancel();
                timer.pending = null;
            }
            timer.generation++;
            timer.type = type;
            timer.signalState = 0;
        }
    }

    /**
     * {@code KeSetTimer}: a one-shot {@link #setTimerEx}.
     *
     * @param timer   an initialized timer
     * @param dueTime 100 ns units: negative relative, positive absolute
     * @param dpc     a DPC to queue on expiry, or null
     * @return true when the timer was already set (it is re-armed)
     */
    public static boolean setTimer(KTimer timer, long dueTime, KDpc dpc) {
        return setTimerEx(timer, dueTime, 0, dpc);
    }

    /**
     * {@code KeSetTimerEx}: arms the timer (cancelling a previous setting), not signaled until it expires; on expiry
     * it is signaled and {@code dpc} (if any) queued; a period re-arms it every {@code period} milliseconds. At most
     * DISPATCH_LEVEL. Uses the calling thread's kernel clock: virtual on the simulated network.
     *
     * @param timer   an initialized timer
     * @param dueTime 100 ns units: negative relative, positive absolute
     * @param period  milliseconds between expiries, 0 for one-shot
     * @param dpc     a DPC to queue on each expiry, or null
     * @return true when the timer was already set
     * @throws VerifierError for an uninitialized timer or DPC ({@link VerifierRule#TIMER_OR_DPC_INVALID}, bug check
     *                       0xC7) or a negative period, in FAIL mode; in LOG mode nothing is armed and false returned
     */
    public static boolean setTimerEx(KTimer timer, long dueTime, int period, KDpc dpc) {
        IoManager manager = IoManager.current();
        if (timer == null || !timer.initialized() || (dpc != null && dpc.routine == null)) {
            manager.verifier().report(VerifierRule.TIMER_OR_DPC_INVALID, "KeSetTimerEx on " + (timer == null ? "NULL"
                    : !timer.initialized() ? "a timer that was never initialized (KeInitializeTimer)"
                    : "a DPC that was never initialized (KeInitializeDpc)") + " (bug check 0xC7 TIMER_OR_DPC_INVALID)", null);
            return false;
        }
        if (period < 0) {
            manager.verifier().report(VerifierRule.INVALID_ARGUMENT, "KeSetTimerEx with a negative period " + period,
                    timer);
            return false;
        }
        Kernel kernel = manager.kernel();
        long nanos = Math.max(0, kernel.relativeNanos(dueTime));
        synchronized (Dispatcher.LOCK) {
            boolean wasSet = timer.pending != null;
            if (wasSet) {
                timer.pending.cancel();
            }
            long generation = ++timer.generation;
            timer.signalState = 0;
            timer.pending = kernel.schedule(nanos, () -> expire(kernel, timer, generation, period, dpc));
            return wasSet;
        }
    }

    private static void expire(Kernel kernel, KTimer timer, long generation, int period, KDpc dpc) {
        synchronized (Dispatcher.LOCK) {
            if (timer.generation != generation) {
                return; // cancelled or re-armed since
            }
            timer.signalState = 1;
            timer.wakeWaitersLocked();
            timer.pending = period > 0 ? kernel.schedule(period * 1_000_000L,
                    () -> expire(kernel, timer, generation, period, dpc)) : null;
        }
        if (dpc != null) {
            insertQueueDpc(kernel, dpc, null, null);
        }
    }

    /**
     * {@code KeCancelTimer}: disarms the timer (and so its not-yet-queued DPC). Leaves the signal state as it is.
     *
     * @param timer the timer
     * @return true when it was set (a one-shot timer that already expired returns false)
     */
    public static boolean cancelTimer(KTimer timer) {
        if (timer == null || !timer.initialized()) {
            IoManager.current().verifier().report(VerifierRule.TIMER_OR_DPC_INVALID, "KeCancelTimer on "
                    + (timer == null ? "NULL" : "a timer that was never initialized"), null);
            return false;
        }
        synchronized (Dispatcher.LOCK) {
            timer.generation++;
            if (timer.pending == null) {
                return false;
            }
            timer.pending.cancel();
            timer.pending = null;
            return true;
        }
    }

    /**
     * {@code KeReadStateTimer}.
     *
     * @param timer the timer
     * @return true when signaled
     */
    public static boolean readStateTimer(KTimer timer) {
        synchronized (Dispatcher.LOCK) {
            return timer != null && timer.signalState > 0;
        }
    }

    /**
     * {@code KeInitializeDpc}: initializes DPC storage. Any IRQL.
     *
     * @param dpc             the storage
     * @param deferredRoutine the routine, run at DISPATCH_LEVEL
     * @param deferredContext passed to the routine
     */
    public static void initializeDpc(KDpc dpc, KDeferredRoutine deferredRoutine, Object deferredContext) {
        if (dpc == null || deferredRoutine == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "KeInitializeDpc("
                    + (dpc == null ? "NULL" : dpc) + ", " + (deferredRoutine == null ? "NULL routine" : "routine") + ")",
                    null);
            return;
        }
        synchronized (Dispatcher.LOCK) {
            dpc.routine = deferredRoutine;
            dpc.deferredContext = deferredContext;
            dpc.queued = false;
            dpc.generation++;
        }
    }

    /**
     * {@code KeInsertQueueDpc}: queues the DPC unless it is queued already; its routine runs at DISPATCH_LEVEL on the
     * calling thread's kernel's completion executor. Any IRQL.
     *
     * @param dpc             an initialized DPC
     * @param systemArgument1 passed to the routine
     * @param systemArgument2 passed to the routine
     * @return true when queued now; false when it was already queued
     */
    public static boolean insertQueueDpc(KDpc dpc, Object systemArgument1, Object systemArgument2) {
        if (dpc == null || dpc.routine == null) {
            IoManager.current().verifier().report(VerifierRule.TIMER_OR_DPC_INVALID, "KeInsertQueueDpc on "
                    + (dpc == null ? "NULL" : "a DPC that was never initialized (KeInitializeDpc)"), null);
            return false;
        }
        return insertQueueDpc(Kernel.current(), dpc, systemArgument1, systemArgument2);
    }

    private static boolean insertQueueDpc(Kernel kernel, KDpc dpc, Object argument1, Object argument2) {
        long generation;
        synchronized (Dispatcher.LOCK) {
            if (dpc.queued) {
                return false;
            }
            dpc.queued = true;
            dpc.argument1 = argument1;
            dpc.argument2 = argument2;
            generation = ++dpc.generation;
        }
        kernel.post(() -> runDpc(dpc, generation));
        return true;
    }

    private static void runDpc(KDpc dpc, long generation) {
        KDeferredRoutine routine;
        Object context;
        Object argument1;
        Object argument2;
        synchronized (Dispatcher.LOCK) {
            if (!dpc.queued || dpc.generation != generation) {
                return; // removed (KeRemoveQueueDpc) since
            }
            dpc.queued = false;
            routine = dpc.routine;
            context = dpc.deferredContext;
            argument1 = dpc.argument1;
            argument2 = dpc.argument2;
        }
        Irql old = raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            routine.deferredRoutine(dpc, context, argument1, argument2);
        } finally {
            lowerIrql(old);
        }
    }

    /**
     * {@code KeRemoveQueueDpc}: takes a queued DPC out of the queue; its routine will not run for that queueing.
     *
     * @param dpc the DPC
     * @return true when it was queued (so its routine had not started)
     */
    public static boolean removeQueueDpc(KDpc dpc) {
        synchronized (Dispatcher.LOCK) {
            if (dpc == null || !dpc.queued) {
                return false;
            }
            dpc.queued = false;
            dpc.generation++;
            return true;
        }
    }

    /**
     * {@code KeFlushQueuedDpcs}: returns once every DPC queued on the calling thread's kernel before the call has run.
     * PASSIVE_LEVEL. On the simulated network it is a driver-thread wait (the DPCs run on the simulated processor).
     */
    public static void flushQueuedDpcs() {
        if (!requirePassiveLevel("KeFlushQueuedDpcs")) {
            return;
        }
        KDpc marker = new KDpc();
        KEvent flushed = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        initializeDpc(marker, (dpc, context, a1, a2) -> flushed.set(), null);
        insertQueueDpc(marker, null, null); // the executor runs tasks in order: when this one ran, every earlier one did
        waitForSingleObject(flushed, KWaitReason.Executive, KProcessorMode.KernelMode, false, null);
    }

    // ---- spin locks -------------------------------------------------------------------------------------------

    /**
     * {@code KeInitializeSpinLock}. Any IRQL.
     *
     * @param spinLock the storage
     */
    public static void initializeSpinLock(KSpinLock spinLock) {
        if (spinLock == null) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "KeInitializeSpinLock(NULL)", null);
            return;
        }
        spinLock.owner.set(null);
        spinLock.initialized = true;
    }

    /**
     * {@code KeAcquireSpinLock}: raises the IRQL to DISPATCH_LEVEL and takes the lock. At most DISPATCH_LEVEL.
     *
     * @param spinLock an initialized lock
     * @param oldIrql  receives the IRQL to pass to {@link #releaseSpinLock}
     * @throws VerifierError when the calling thread holds the lock already (bug check 0xC4, 0x1000: it would spin for
     *                       ever) or the lock was never initialized ({@link VerifierRule#SPIN_LOCK_MISUSE}) in FAIL
     *                       mode; in LOG mode the acquisition is skipped (the IRQL is still raised)
     */
    public static void acquireSpinLock(KSpinLock spinLock, Out<Irql> oldIrql) {
        Irql previous = raiseIrql(Irql.DISPATCH_LEVEL);
        if (oldIrql != null) {
            oldIrql.set(previous);
        }
        acquireSpinLockAtDpcLevel(spinLock);
    }

    /**
     * {@code KeAcquireSpinLockAtDpcLevel}: takes the lock; the caller is at DISPATCH_LEVEL already.
     *
     * @param spinLock an initialized lock
     */
    public static void acquireSpinLockAtDpcLevel(KSpinLock spinLock) {
        Thread self = Thread.currentThread();
        if (spinLock == null || !spinLock.initialized || spinLock.owner.get() == self) {
            IoManager.current().verifier().report(VerifierRule.SPIN_LOCK_MISUSE, spinLock == null
                    ? "KeAcquireSpinLock(NULL)" : !spinLock.initialized
                    ? "KeAcquireSpinLock on a lock never initialized (KeInitializeSpinLock)"
                    : "KeAcquireSpinLock on " + spinLock + " by the thread holding it: it would spin for ever (bug check"
                    + " 0xC4, 0x1000 self-deadlock)", null);
            return;
        }
        int spins = 0;
        while (!spinLock.owner.compareAndSet(null, self)) {
            if (++spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /**
     * {@code KeReleaseSpinLock}: gives the lock back and lowers the IRQL to {@code newIrql}.
     *
     * @param spinLock a lock the calling thread holds
     * @param newIrql  the IRQL {@link #acquireSpinLock} returned
     * @throws VerifierError when the calling thread does not hold the lock (bug check 0xC4, 0x1007 or 0x1004) in FAIL
     *                       mode; in LOG mode the lock is left as it is (the IRQL is still lowered)
     */
    public static void releaseSpinLock(KSpinLock spinLock, Irql newIrql) {
        releaseSpinLockFromDpcLevel(spinLock);
        lowerIrql(newIrql == null ? Irql.PASSIVE_LEVEL : newIrql);
    }

    /**
     * {@code KeReleaseSpinLockFromDpcLevel}: gives the lock back; the IRQL stays at DISPATCH_LEVEL.
     *
     * @param spinLock a lock the calling thread holds
     */
    public static void releaseSpinLockFromDpcLevel(KSpinLock spinLock) {
        Thread self = Thread.currentThread();
        if (spinLock == null || !spinLock.owner.compareAndSet(self, null)) {
            IoManager.current().verifier().report(VerifierRule.SPIN_LOCK_MISUSE, "KeReleaseSpinLock on "
                    + (spinLock == null ? "NULL" : spinLock + ", which " + (spinLock.owner.get() == null
                    ? "is not held (bug check 0xC4, 0x1007)" : "another thread holds (bug check 0xC4, 0x1004)")), null);
        }
    }
}
