package org.wsk4j.nt;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The execution model behind one {@link IoManager}: its driver threads, waits, timers, DPCs and work items, and the
 * completion executor they share with WSK.
 *
 * <p>Two models, chosen by the executor:
 * <ul>
 *   <li><b>Deterministic</b> (an executor made by {@link ManualCompletionExecutor#simulated}, as every simulated
 *       network's is): one simulated processor. Exactly one driver thread runs at a time; a wait that cannot be
 *       satisfied lets due completions, DPCs and timers run, then another driver thread chosen from the seed, and
 *       moves virtual time when nothing can run. A deadlock ({@link VerifierRule#DRIVER_THREADS_DEADLOCKED}) or busy
 *       loop ({@link VerifierRule#DRIVER_THREAD_BUSY_LOOP}) is reported at once with every thread's wait and stack.</li>
 *   <li><b>Real</b> (every other executor): driver threads are Java threads and waits block for real. A thread that
 *       waits while the executor is a {@link ManualCompletionExecutor} runs the executor's due tasks itself, so a
 *       blocking call made from a test method gets its completion. {@link #setWaitLimit} bounds every wait (the JUnit
 *       extension sets the test's limit); a wait that exceeds it is a {@link VerifierRule#WAIT_LIMIT_EXCEEDED}
 *       report naming every thread's wait.</li>
 * </ul>
 *
 * <p>The kernel functions ({@link Ke}, {@link Ps}, {@link Ob}, {@link Zw}, {@link Io#queueWorkItem}) act on the
 * kernel of the I/O manager bound to the calling thread ({@link IoManager#current()}); threads the kernel creates are
 * bound to it.
 *
 * <p>Thread safety: all methods may be called from any thread; state is guarded by the kernel's private dispatcher
 * lock.
 */
public final class Kernel {

    /** The wait of a system worker thread with no work item to run (not a leak at the end of a test). */
    private static final String IDLE_WORKER_WAIT = "system worker thread idle";
    /** A wait on no dispatcher object (a delay, a condition). */
    private static final DispatcherHeader[] NO_OBJECTS = new DispatcherHeader[0];
    /** The most system worker threads a kernel starts; further work items wait for a free one. */
    static final int MAX_WORKERS = 16;
    /** 1601-01-01 to 1970-01-01 in 100 ns units (FILETIME epoch). */
    private static final long FILETIME_EPOCH_OFFSET = 116_444_736_000_000_000L;
    /** The system time at virtual time 0 on the simulated network: 2026-01-01T00:00:00Z. */
    static final long SIMULATED_EPOCH = FILETIME_EPOCH_OFFSET + Instant.parse("2026-01-01T00:00:00Z").getEpochSecond()
            * 10_000_000L;
    private static final AtomicLong IDS = new AtomicLong();
    private static volatile ScheduledThreadPoolExecutor realTimers;
    /** Guards the lazy creation of {@link #realTimers} (a private lock, not the public class object). */
    private static final Object REAL_TIMERS_LOCK = new Object();

    private final IoManager ioManager;
    private volatile CompletionExecutor executor;
    private volatile Duration waitLimit;
    /** Guarded by the lock: handle table. */
    private final Map<Long, KThread> handles = new HashMap<>();
    /** Guarded by the lock: threads created by this kernel and not ended. */
    private final List<KThread> live = new ArrayList<>();
    /** Guarded by the lock: real-time waits in progress (for the wait-limit report). */
    private final List<KThread> waitingReal = new ArrayList<>();
    /** Guarded by the lock. */
    private final ArrayDeque<IoWorkItem> workQueue = new ArrayDeque<>();
    /** Guarded by the lock: idle workers, each with its own wake-up event. */
    private final ArrayDeque<KEvent> idleWorkers = new ArrayDeque<>();
    /** Guarded by the lock. */
    private int workers;
    /** Guarded by the lock. */
    private long nextHandle;
    /** Guarded by the lock. */
    private int threadNumber;
    /** Guarded by the lock. */
    private boolean closed;

    Kernel(IoManager ioManager) {
        this.ioManager = ioManager;
    }

    /**
     * Returns the kernel of the calling thread's I/O manager.
     *
     * @return the current kernel
     */
    public static Kernel current() {
        return IoManager.current().kernel();
    }

    void attachExecutor(CompletionExecutor executor) {
        if (executor != null) {
            this.executor = executor;
        }
    }

    KScheduler scheduler() {
        return executor instanceof ManualCompletionExecutor manual ? manual.scheduler() : null;
    }

    /**
     * Tells whether this kernel schedules its driver threads deterministically (the simulated network).
     *
     * @return true on a simulated network's kernel
     */
    public boolean isDeterministic() {
        return scheduler() != null;
    }

    /**
     * Bounds every blocking wait of this kernel's threads in the real model (the deterministic model needs no bound:
     * it detects deadlocks). A wait still blocked when the limit runs out is a {@link VerifierRule#WAIT_LIMIT_EXCEEDED}
     * report naming every driver thread's wait; in LOG mode the wait then returns {@code STATUS_TIMEOUT}.
     *
     * @param limit the bound, or null for none (the default)
     */
    public void setWaitLimit(Duration limit) {
        this.waitLimit = limit;
    }

    /**
     * Returns this kernel's clock: virtual nanoseconds on the simulated network, {@link System#nanoTime()} elsewhere.
     *
     * @return nanoseconds
     */
    public long nanoTime() {
        KScheduler scheduler = scheduler();
        return scheduler != null ? executor.nanoTime() : System.nanoTime();
    }

    /** {@code KeQuerySystemTime}: 100 ns units since 1601-01-01 UTC (virtual on the simulated network). */
    long systemTime() {
        if (scheduler() != null) {
            return SIMULATED_EPOCH + executor.nanoTime() / 100;
        }
        Instant now = Instant.now();
        return FILETIME_EPOCH_OFFSET + now.getEpochSecond() * 10_000_000L + now.getNano() / 100;
    }

    // ---- the test wait helper ---------------------------------------------------------------------------------

    /**
     * Waits until {@code condition} holds, at most {@code timeout}: the wait helper for tests and tools, on both
     * models. On the simulated network the calling thread is a driver thread that blocks: completions, timers and other
     * driver threads run and virtual time moves, and the timeout is virtual. Elsewhere the wait is real; the calling
     * thread runs a manual executor's tasks while it waits, and re-checks the condition whenever a task runs, a
     * dispatcher object is signaled, or a millisecond passes. The condition is checked first, so work that already
     * finished (a call that completed inline) costs nothing. PASSIVE_LEVEL.
     *
     * @param condition checked on the calling thread
     * @param timeout   the longest wait; null for none
     * @return true when the condition holds, false when the timeout elapsed first
     */
    public boolean waitUntil(BooleanSupplier condition, Duration timeout) {
        if (condition.getAsBoolean()) {
            return true;
        }
        long nanos = timeout == null ? -1 : Math.max(0, ManualCompletionExecutor.saturatedNanos(timeout));
        Waiter waiter = new Waiter(NO_OBJECTS, WaitType.WaitAny, condition, "waitUntil");
        return waitInternal(waiter, nanos, false) == NtStatus.STATUS_SUCCESS;
    }

    // ---- waits ------------------------------------------------------------------------------------------------

    /** KeWaitFor...: after argument checks by {@link Ke}. */
    NtStatus wait(DispatcherHeader[] objects, WaitType waitType, Long timeout, boolean alertable, String function) {
        long nanos = relativeNanos(timeout);
        Waiter waiter = new Waiter(objects, waitType, null, function);
        if (nanos == 0) {
            return poll(waiter);
        }
        Irql irql = Ke.getCurrentIrql();
        if (irql.value() > Irql.APC_LEVEL.value()) {
            ioManager.verifier().report(VerifierRule.IRQL_NOT_PASSIVE, function + " with a non-zero timeout at " + irql
                    + " (bug check 0xC4, 0x3B): only a zero timeout (a poll) is allowed above APC_LEVEL", null);
            return waitAtDispatch(waiter, nanos);
        }
        return waitInternal(waiter, nanos, alertable);
    }

    /** KeDelayExecutionThread: a wait on nothing; a zero interval is a poll (a yield). */
    NtStatus delay(long nanos) {
        if (nanos == 0) {
            KScheduler scheduler = scheduler();
            if (scheduler != null && scheduler.mayEnter()) {
                scheduler.poll(this);
            } else {
                Thread.yield();
            }
            return NtStatus.STATUS_SUCCESS;
        }
        waitInternal(new Waiter(NO_OBJECTS, WaitType.WaitAny, null, "KeDelayExecutionThread"), nanos, false);
        return NtStatus.STATUS_SUCCESS;
    }

    private NtStatus poll(Waiter waiter) {
        synchronized (Dispatcher.LOCK) {
            if (waiter.satisfiableLocked() >= 0) {
                return waiter.endLocked();
            }
        }
        KScheduler scheduler = scheduler();
        if (scheduler != null && Ke.getCurrentIrql() == Irql.PASSIVE_LEVEL && scheduler.mayEnter()) {
            scheduler.poll(this);
            synchronized (Dispatcher.LOCK) {
                if (waiter.satisfiableLocked() >= 0) {
                    return waiter.endLocked();
                }
            }
        }
        return NtStatus.STATUS_TIMEOUT;
    }

    /**
     * A wait the verifier let through above APC_LEVEL (rule in LOG or OFF mode). The deterministic model cannot block
     * there (the thread may be running a completion): the wait ends at once. The real one is bounded by the verifier's
     * blocking-wait limit, so a callback waiting for something only its own thread can deliver is reported instead
     * of deadlocking. Either way the wait that could not end is a {@link VerifierRule#CALLBACK_BLOCKED} report and
     * returns {@code STATUS_TIMEOUT}.
     */
    private NtStatus waitAtDispatch(Waiter waiter, long nanos) {
        Duration limit = ioManager.verifier().blockingWaitLimit();
        NtStatus status;
        if (scheduler() != null) {
            status = poll(waiter);
        } else {
            long bound = nanos < 0 ? limit.toNanos() : Math.min(nanos, limit.toNanos());
            status = waitReal(waiter, bound, false);
            if (status == NtStatus.STATUS_TIMEOUT && nanos >= 0 && nanos <= limit.toNanos()) {
                return status; // the caller's own timeout, within the limit
            }
        }
        if (status == NtStatus.STATUS_TIMEOUT) {
            TaskRunner.blockedReported(); // the watchdog need not report this task again
            ioManager.verifier().report(VerifierRule.CALLBACK_BLOCKED, "a wait at DISPATCH_LEVEL (" + waiter.describe()
                    + ") did not end " + (scheduler() != null ? "at once (the simulated processor cannot block here)"
                    : "within " + limit) + "; it was ended with STATUS_TIMEOUT", null);
        }
        return status;
    }

    private NtStatus waitInternal(Waiter waiter, long nanos, boolean alertable) {
        KScheduler scheduler = scheduler();
        if (scheduler != null) {
            return scheduler.block(this, waiter, nanos);
        }
        return waitReal(waiter, nanos, alertable);
    }

    /** The real model's wait: parks until the wait can end, running a manual executor's tasks meanwhile. */
    private NtStatus waitReal(Waiter waiter, long nanos, boolean alertable) {
        CompletionExecutor current = executor;
        ManualCompletionExecutor pump = current instanceof ManualCompletionExecutor manual ? manual : null;
        KThread self = KThread.CURRENT.get();
        if (self != null && self.kernel != this) {
            self = null; // a thread of another kernel waiting here: not this kernel's to track or abort
        }
        long start = System.nanoTime();
        long deadline = nanos < 0 ? Long.MAX_VALUE : start + nanos;
        Duration limit = waitLimit;
        long limitDeadline = limit == null ? Long.MAX_VALUE : start + ManualCompletionExecutor.saturatedNanos(limit);
        boolean condition = waiter.condition != null;
        synchronized (Dispatcher.LOCK) {
            if (!condition && waiter.canEndLocked()) {
                return waiter.endLocked();
            }
            waiter.register();
            if (self != null) {
                self.state = KThread.State.WAITING;
                self.waiter = waiter;
                waitingReal.add(self);
            }
        }
        if (condition) {
            Dispatcher.addConditionWaiter(waiter.thread);
        }
        if (pump != null) {
            pump.addPumpWaiter(waiter.thread);
        }
        try {
            while (true) {
                if (pump != null) {
                    pump.tryRunPending();
                }
                if (condition) {
                    if (waiter.condition.getAsBoolean()) {
                        return NtStatus.STATUS_SUCCESS;
                    }
                } else {
                    synchronized (Dispatcher.LOCK) {
                        if (waiter.canEndLocked()) {
                            return waiter.endLocked();
                        }
                    }
                }
                synchronized (Dispatcher.LOCK) {
                    if (self != null && self.abort != null) {
                        throw self.abort;
                    }
                }
                long now = System.nanoTime();
                if (now - deadline >= 0 && deadline != Long.MAX_VALUE) {
                    return NtStatus.STATUS_TIMEOUT;
                }
                if (now - limitDeadline >= 0 && limitDeadline != Long.MAX_VALUE) {
                    return waitLimitExceeded(waiter, limit);
                }
                if (Thread.currentThread().isInterrupted()) {
                    return NtStatus.STATUS_ALERTED; // the interrupt flag stays set
                }
                long until = Math.min(deadline, limitDeadline);
                if (until == Long.MAX_VALUE && !condition) {
                    LockSupport.park(this); // set(), a posted task, an abort or an interrupt unparks it
                } else {
                    long park = until == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(1, until - now);
                    LockSupport.parkNanos(this, Math.min(park, condition ? 1_000_000L : Long.MAX_VALUE));
                }
            }
        } finally {
            synchronized (Dispatcher.LOCK) {
                waiter.unregister();
                if (self != null) {
                    self.waiter = null;
                    self.state = KThread.State.RUNNING;
                    waitingReal.remove(self);
                }
            }
            if (condition) {
                Dispatcher.removeConditionWaiter(waiter.thread);
            }
            if (pump != null) {
                pump.removePumpWaiter(waiter.thread);
            }
        }
    }

    private NtStatus waitLimitExceeded(Waiter waiter, Duration limit) {
        StringBuilder text = new StringBuilder(Thread.currentThread().getName()).append(": ").append(waiter.describe())
                .append(" did not end within the wait limit ").append(limit).append(". Driver threads:");
        describeThreads(text);
        ioManager.verifier().report(VerifierRule.WAIT_LIMIT_EXCEEDED, text.toString(), null);
        return NtStatus.STATUS_TIMEOUT;
    }

    private void describeThreads(StringBuilder text) {
        List<KThread> threads;
        synchronized (Dispatcher.LOCK) {
            threads = new ArrayList<>(live);
            for (KThread waiting : waitingReal) {
                if (!threads.contains(waiting)) {
                    threads.add(waiting);
                }
            }
        }
        KScheduler scheduler = scheduler();
        if (scheduler != null) {
            for (KThread thread : scheduler.threads()) {
                if (!threads.contains(thread)) {
                    threads.add(thread);
                }
            }
        }
        if (threads.isEmpty()) {
            text.append(" none");
        }
        for (KThread thread : threads) {
            synchronized (Dispatcher.LOCK) {
                text.append("\n  ").append(thread.describeLocked());
            }
            text.append(thread.stack());
        }
    }

    /** A relative timeout in nanoseconds from a C timeout (100 ns units; negative relative, positive absolute). */
    long relativeNanos(Long timeout) {
        if (timeout == null) {
            return -1;
        }
        long t = timeout;
        if (t == 0) {
            return 0;
        }
        long units = t < 0 ? (t == Long.MIN_VALUE ? Long.MAX_VALUE : -t) : Math.max(0, t - systemTime());
        if (units == 0) {
            return 0;
        }
        return units > Long.MAX_VALUE / 100 ? Long.MAX_VALUE / 4 : units * 100;
    }

    // ---- threads ----------------------------------------------------------------------------------------------

    /** PsCreateSystemThread, and the start of a system worker thread. */
    KThread createThread(KThread.Kind kind, KStartRoutine routine, Object context, boolean withHandle) {
        KScheduler scheduler = scheduler();
        if (scheduler != null) {
            scheduler.enter(this); // the creator is a driver thread holding the processor
        }
        KThread thread;
        synchronized (Dispatcher.LOCK) {
            int number = ++threadNumber;
            String name = (kind == KThread.Kind.WORKER ? "wsk4j-worker-" : "wsk4j-system-thread-") + number;
            thread = new KThread(this, kind, name, scheduler != null ? KThread.State.RUNNABLE : KThread.State.RUNNING);
            thread.references = withHandle ? 2 : 1; // the running thread's own, and the handle's
            live.add(thread);
        }
        Object attachment = IoManager.currentAttachment();
        Thread java = new Thread(() -> runThread(thread, routine, context, attachment), thread.name);
        java.setDaemon(true);
        thread.javaThread = java;
        if (scheduler != null) {
            scheduler.add(thread);
        }
        java.start();
        return thread;
    }

    Handle openHandle(KThread thread) {
        synchronized (Dispatcher.LOCK) {
            nextHandle += 4;
            handles.put(nextHandle, thread);
            return new Handle(nextHandle);
        }
    }

    private void runThread(KThread thread, KStartRoutine routine, Object context, Object attachment) {
        KThread.CURRENT.set(thread);
        IoManager.bindForKernelThread(ioManager, attachment);
        KScheduler scheduler = scheduler();
        NtStatus exit = NtStatus.STATUS_SUCCESS;
        try {
            if (scheduler != null) {
                scheduler.awaitFirstRun(thread);
            }
            routine.startRoutine(context);
        } catch (SystemThreadExit e) {
            exit = e.exitStatus;
        } catch (KernelAbort e) {
            exit = NtStatus.STATUS_CANCELLED;
        } catch (VerifierError e) {
            exit = NtStatus.STATUS_UNSUCCESSFUL;
            VerifierRule rule = e.rule();
            if (rule != VerifierRule.DRIVER_THREADS_DEADLOCKED && rule != VerifierRule.DRIVER_THREAD_BUSY_LOOP) {
                ioManager.recordRoutineFailure("driver thread " + thread.name, e);
            } // else: the kernel ended the run; the report is the violation itself, not a failure of this thread
        } catch (Throwable e) {
            exit = NtStatus.STATUS_UNSUCCESSFUL;
            try {
                ioManager.verifier().report(VerifierRule.SYSTEM_THREAD_EXCEPTION_NOT_HANDLED, thread.name
                        + "'s start routine threw " + e + " (bug check 0x7E SYSTEM_THREAD_EXCEPTION_NOT_HANDLED)", null);
            } catch (VerifierError reported) {
                // recorded; the exception itself is recorded below
            }
            ioManager.recordRoutineFailure("driver thread " + thread.name, e);
        } finally {
            if (Ke.getCurrentIrql() != Irql.PASSIVE_LEVEL) {
                Ke.lowerIrql(Irql.PASSIVE_LEVEL);
            }
            synchronized (Dispatcher.LOCK) {
                thread.exitStatus = exit;
                live.remove(thread);
                dropReferenceLocked(thread);
                if (scheduler == null) {
                    thread.state = KThread.State.TERMINATED;
                    thread.wakeWaitersLocked();
                }
            }
            if (scheduler != null) {
                scheduler.exit(thread);
            }
        }
    }

    /** Under the lock: drops one reference; at zero the object is freed. */
    void dropReferenceLocked(KThread thread) {
        if (--thread.references <= 0) {
            thread.references = 0;
            thread.objectFreed = true;
        }
    }

    KThread lookupHandle(Handle handle) {
        synchronized (Dispatcher.LOCK) {
            return handle == null ? null : handles.get(handle.value());
        }
    }

    boolean closeHandle(Handle handle) {
        synchronized (Dispatcher.LOCK) {
            KThread thread = handle == null ? null : handles.remove(handle.value());
            if (thread == null) {
                return false;
            }
            dropReferenceLocked(thread);
            return true;
        }
    }

    /**
     * Returns the driver threads created with {@code PsCreateSystemThread} that have not ended, and the system
     * worker threads that are running a work item: at the end of a test (or at unload) each is a leak.
     *
     * @return a description of each, with its current stack; empty when none
     */
    public List<String> liveDriverThreads() {
        List<String> result = new ArrayList<>();
        List<KThread> threads;
        synchronized (Dispatcher.LOCK) {
            threads = new ArrayList<>(live);
        }
        for (KThread thread : threads) {
            boolean idleWorker;
            String description;
            synchronized (Dispatcher.LOCK) {
                idleWorker = thread.kind == KThread.Kind.WORKER && thread.waiter != null
                        && thread.waiter.function.equals(IDLE_WORKER_WAIT);
                description = thread.describeLocked();
            }
            if (!idleWorker) {
                result.add(description + thread.stack());
            }
        }
        synchronized (Dispatcher.LOCK) {
            for (IoWorkItem item : workQueue) {
                result.add(item + " is queued and its routine has not run");
            }
        }
        return result;
    }

    // ---- work items -------------------------------------------------------------------------------------------

    IoWorkItem allocateWorkItem(DeviceObject deviceObject) {
        return new IoWorkItem(deviceObject, IDS.incrementAndGet());
    }

    void queueWorkItem(IoWorkItem item) {
        KEvent wake = null;
        boolean start = false;
        synchronized (Dispatcher.LOCK) {
            workQueue.addLast(item);
            if (!idleWorkers.isEmpty()) {
                wake = idleWorkers.pollFirst();
            } else if (workers < MAX_WORKERS && !closed) {
                workers++;
                start = true;
            }
        }
        if (wake != null) {
            wake.set();
        } else if (start) {
            createThread(KThread.Kind.WORKER, ignored -> workerLoop(), null, false);
        }
    }

    private void workerLoop() {
        KEvent wake = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
        while (true) {
            IoWorkItem item;
            IoWorkItemRoutine routine;
            Object context;
            synchronized (Dispatcher.LOCK) {
                item = workQueue.pollFirst();
                if (item == null) {
                    idleWorkers.addLast(wake);
                    routine = null;
                    context = null;
                } else {
                    routine = item.routine;
                    context = item.context;
                    item.state = IoWorkItem.State.IDLE; // dequeued before its routine runs: it may be queued again
                }
            }
            if (item == null) {
                waitInternal(new Waiter(new DispatcherHeader[] {wake}, WaitType.WaitAny, null, IDLE_WORKER_WAIT), -1,
                        false);
                continue;
            }
            try {
                routine.workItem(item.deviceObject, context);
            } catch (VerifierError e) {
                ioManager.recordRoutineFailure("work item routine of " + item, e);
            } catch (SystemThreadExit | KernelAbort e) {
                throw e;
            } catch (Throwable e) {
                ioManager.recordRoutineFailure("work item routine of " + item, e);
            }
            Irql irql = Ke.getCurrentIrql();
            if (irql != Irql.PASSIVE_LEVEL) {
                Ke.lowerIrql(Irql.PASSIVE_LEVEL);
                ioManager.verifier().report(VerifierRule.WORKER_THREAD_RETURNED_AT_BAD_IRQL, "the routine of " + item
                        + " returned at " + irql + " (bug check 0xE1 WORKER_THREAD_RETURNED_AT_BAD_IRQL)", null);
            }
        }
    }

    // ---- timers and DPCs --------------------------------------------------------------------------------------

    /** Runs {@code task} on this kernel's completion executor (DPC level). */
    void post(Runnable task) {
        CompletionExecutor current = executor;
        if (current instanceof ManualCompletionExecutor manual) {
            manual.executeKernel(task);
        } else if (current != null) {
            current.execute(task);
        } else {
            realTimers().execute(() -> TaskRunner.run(task, ioManager));
        }
    }

    /** Runs {@code task} on the executor after {@code nanos} of this kernel's clock. */
    ScheduledTask schedule(long nanos, Runnable task) {
        CompletionExecutor current = executor;
        if (current instanceof ManualCompletionExecutor manual && scheduler() != null) {
            return manual.scheduleKernel(Duration.ofNanos(nanos), task);
        }
        if (current != null && !(current instanceof ManualCompletionExecutor)) {
            return current.schedule(Duration.ofNanos(nanos), task);
        }
        // No executor, or a manual one on real sockets (its clock is virtual but nobody moves it): real time.
        long due = System.nanoTime() + nanos;
        return new FutureScheduledTask(realTimers().schedule(() -> post(task), nanos, TimeUnit.NANOSECONDS), due);
    }

    private static ScheduledThreadPoolExecutor realTimers() {
        ScheduledThreadPoolExecutor timers = realTimers;
        if (timers == null) {
            synchronized (REAL_TIMERS_LOCK) {
                timers = realTimers;
                if (timers == null) {
                    timers = new ScheduledThreadPoolExecutor(1, runnable -> {
                        Thread thread = new Thread(runnable, "wsk4j-kernel-timers");
                        thread.setDaemon(true);
                        return thread;
                    });
                    timers.setRemoveOnCancelPolicy(true);
                    realTimers = timers;
                }
            }
        }
        return timers;
    }

    // ---- closing ----------------------------------------------------------------------------------------------

    /**
     * Ends this kernel's driver threads: each one still alive unwinds from its next (or current) wait, and system
     * worker threads stop. Called when the subsystem (or simulated network) that owns the I/O manager closes; check
     * {@link #liveDriverThreads()} first if leaks matter. Idempotent.
     */
    public void close() {
        List<KThread> threads;
        synchronized (Dispatcher.LOCK) {
            closed = true;
            threads = new ArrayList<>(live);
            for (KThread thread : threads) {
                if (thread.javaThread != Thread.currentThread() && thread.abort == null) {
                    thread.abort = KernelAbort.INSTANCE;
                }
            }
        }
        KScheduler scheduler = scheduler();
        if (scheduler != null) {
            scheduler.abortAll();
        }
        for (KThread thread : threads) {
            Thread java = thread.javaThread;
            if (java != null) {
                LockSupport.unpark(java);
            }
        }
    }

    @Override
    public String toString() {
        return "Kernel[" + ioManager.name() + (isDeterministic() ? ", deterministic]" : "]");
    }
}
