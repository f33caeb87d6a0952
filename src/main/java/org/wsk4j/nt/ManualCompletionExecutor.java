package org.wsk4j.nt;

import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.wsk4j.internal.GuardedBy;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A completion executor driven by the test: nothing runs until the test calls {@link #runNext()},
 * {@link #runPending()}, {@link #advanceTimeBy} or {@link #runUntilIdle()}, and time is virtual.
 *
 * <p>Order is total and deterministic: tasks run in the order they were queued; a timer fires when the
 * virtual clock reaches its due time, and timers due at the same time fire in the order they were armed
 * (FIFO). The clock starts at 0 and only {@link #advanceTimeBy} and {@link #runUntilIdle()} move it.
 *
 * <pre>{@code
 * ManualCompletionExecutor executor = new ManualCompletionExecutor();
 * ... issue WSK calls ...
 * executor.runPending();                       // completion routines run here, on this thread
 * executor.advanceTimeBy(Duration.ofSeconds(21));
 * }</pre>
 *
 * <p>An executor made by {@link #simulated} is also the simulated processor of a deterministic {@link Kernel}: driver
 * threads ({@link Ps#createSystemThread}, work items, a test method that blocks) run one at a time, chosen from the
 * seed. Then {@link #runUntilIdle()} and {@link #advanceTimeBy} let runnable driver threads run whenever no task is
 * due (they are the "idle loop"), while {@link #runNext()} and {@link #runPending()} run tasks only.
 *
 * <p>Thread safety: {@link #execute} and {@link #schedule} may be called from any thread (the NIO
 * transport posts from its selector thread); {@code execute} takes no lock (the queue is lock-free), timers are kept
 * under the executor's private lock (for a simulated network's executor, the network's private lock: its timers' tasks
 * run holding it, in the critical section that takes them). The run methods run tasks on the calling thread and must
 * not be called concurrently or from inside a task ({@link IllegalStateException}).
 */
public final class ManualCompletionExecutor implements CompletionExecutor {

    /** The most tasks one run method executes before it assumes a livelock and throws. */
    public static final int MAX_TASKS_PER_RUN = 10_000_000;

    /**
     * Guards the timers and the clock's writes. The executor's own object, or for a simulated network's executor the
     * network's private lock ({@link org.wsk4j.internal.SimExecutorAccess}): then the network's timers run their
     * tasks in the critical section that takes them (see {@link Timer#locked}).
     */
    private final Object lock;
    /**
     * Threads waiting in runUntil for work posted from other threads: written under lock, read by {@link #execute}
     * without it (volatile; a waiter counts itself before it looks at the queue, execute queues before it reads this).
     */
    private volatile int waiters;
    /**
     * The tasks posted by {@link #execute}, oldest first: added without the lock; taken only by the {@link #runner}
     * (one consumer at a time), without the lock in a drain.
     */
    private final TaskInbox ready = new TaskInbox();
    @GuardedBy("lock")
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    /**
     * The earliest timer ({@code timers.peek()}) or null: written under lock after every change of the timers, read
     * without it by a drain deciding whether it needs the lock at all.
     */
    private volatile Timer firstTimer;
    /** The virtual clock: written under lock, read without it (volatile). */
    private volatile long now;
    @GuardedBy("lock")
    private long sequence;
    /** Tasks run: written only by the runner (one writer at a time: a release store, no fence). */
    private final java.util.concurrent.atomic.AtomicLong executed = new java.util.concurrent.atomic.AtomicLong();
    private volatile IoManager ioManager;
    /**
     * The thread running this executor's tasks, the one consumer of {@link #ready}, or null: claimed by a CAS from
     * null (a drain without the lock, the other run methods and the kernel model's pump under it), released by its
     * holder. A drain that releases it looks at the queue again afterwards (see {@link #drainInOrder}).
     */
    private volatile Thread runner;
    private static final java.lang.invoke.VarHandle RUNNER;

    static {
        try {
            RUNNER = java.lang.invoke.MethodHandles.lookup().findVarHandle(ManualCompletionExecutor.class, "runner",
                    Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    /** The deterministic scheduler of a simulated executor, or null. */
    private final KScheduler scheduler;
    /** Threads of the real kernel model waiting while they run this executor's tasks: woken when a task is posted. */
    private final Set<Thread> pumpWaiters = ConcurrentHashMap.newKeySet();
    /** How many threads are in pumpWaiters: execute reads this volatile counter instead of the set's size. */
    private final AtomicInteger pumpWaiterCount = new AtomicInteger();

    static {
        org.wsk4j.internal.SimExecutorAccess.install(new org.wsk4j.internal.SimExecutorAccess() {
            @Override
            protected ManualCompletionExecutor create(long seed, Consumer<String> eventLog, Object lock) {
                return new ManualCompletionExecutor(seed, eventLog, lock);
            }

            @Override
            protected ScheduledTask scheduleLocked(ManualCompletionExecutor executor, Duration delay, Runnable task) {
                return executor.schedule(delay, task, false, true);
            }
        });
    }

    /** Creates an executor with its virtual clock at 0. */
    public ManualCompletionExecutor() {
        this.scheduler = null;
        this.lock = new Object();
    }

    private ManualCompletionExecutor(long seed, Consumer<String> eventLog, Object lock) {
        this.lock = Objects.requireNonNull(lock, "lock");
        this.scheduler = new KScheduler(this, seed, eventLog);
    }

    /**
     * Creates the executor of a simulated network: a manual executor that is also the simulated processor of its
     * kernel, scheduling driver threads one at a time from {@code seed} (see {@link Kernel}).
     *
     * @param seed     the seed of the scheduler's choices
     * @param eventLog receives one line per scheduling event (thread created, ended, chosen among several), or null
     * @return the executor
     */
    public static ManualCompletionExecutor simulated(long seed, Consumer<String> eventLog) {
        return new ManualCompletionExecutor(seed, eventLog, new Object());
    }

    KScheduler scheduler() {
        return scheduler;
    }

    /**
     * Explores schedules: from now on {@code schedule} decides this simulated executor's choice points (which driver
     * thread runs, which due task runs first, inline or later completion, bounded network timing, scripted fault
     * sets) and records them. Attach it before the run starts, on a fresh network; null goes back to the seeded
     * defaults. The JUnit extension does this for {@code @WskTest(schedules = N)}.
     *
     * @param schedule the schedule, or null
     * @throws IllegalStateException on an executor not made by {@link #simulated}
     */
    public void explore(Schedule schedule) {
        if (scheduler == null) {
            throw new IllegalStateException("only a simulated executor explores schedules");
        }
        scheduler.explore(schedule);
    }

    /**
     * Returns the schedule exploring this executor's choice points.
     *
     * @return the schedule given to {@link #explore}, or null
     */
    public Schedule schedule() {
        return scheduler == null ? null : scheduler.schedule();
    }

    void addPumpWaiter(Thread thread) {
        if (pumpWaiters.add(thread)) {
            pumpWaiterCount.incrementAndGet(); // before the waiter's next look at the queue (tryRunPending)
        }
    }

    void removePumpWaiter(Thread thread) {
        if (pumpWaiters.remove(thread)) {
            pumpWaiterCount.decrementAndGet();
        }
    }

    private final class Timer implements ScheduledTask, Comparable<Timer>, Runnable {
        final long due;
        final long seq;
        final Runnable task;
        /** Armed by the kernel (a wait's timeout, a KTIMER): independent of the network's timers. */
        final boolean kernel;
        /**
         * The task runs holding {@link #lock} (a simulated network's timer, whose lock is the executor's): a drain runs
         * it in the critical section that takes the timer; elsewhere {@link #run} takes the lock around it.
         */
        final boolean locked;
        boolean cancelled;
        boolean fired;

        Timer(long due, long seq, Runnable task, boolean kernel, boolean locked) {
            this.due = due;
            this.seq = seq;
            this.task = task;
            this.kernel = kernel;
            this.locked = locked;
        }

        /** The task of a {@link #locked} timer claimed outside a drain (exploring, runNext): the lock around it. */
        @Override
        public void run() {
            synchronized (lock) {
                task.run();
            }
        }

        @Override
        public String toString() {
            return String.valueOf(task);
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                if (fired || cancelled) {
                    return false;
                }
                cancelled = true;
                timers.remove(this);
                firstTimer = timers.peek();
                return true;
            }
        }

        @Override
        public long dueNanos() {
            return due;
        }

        @Override
        public int compareTo(Timer other) {
            int byTime = Long.compare(due, other.due);
            return byTime != 0 ? byTime : Long.compare(seq, other.seq);
        }
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        ready.add(task); // no lock: a full fence, before the reads of the waiter counts below
        if (waiters > 0) { // runUntil waiting for work posted from another thread (the NIO selector)
            synchronized (lock) {
                lock.notifyAll();
            }
        }
        if (pumpWaiterCount.get() > 0) { // after the task is queued: a waiter counted later sees it when it looks
            for (Thread thread : pumpWaiters) {
                LockSupport.unpark(thread);
            }
        }
    }

    /** A task the kernel posted (a DPC): kernel tasks keep their order among themselves when exploring. */
    private record KernelTask(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    /**
     * {@link #execute} for the kernel's DPCs: exploring schedules, other due tasks may overtake a DPC, but DPCs run in
     * the order they were queued ({@code KeFlushQueuedDpcs} relies on it).
     */
    void executeKernel(Runnable task) {
        execute(scheduler != null && scheduler.schedule() != null ? new KernelTask(task) : task);
    }

    @Override
    public ScheduledTask schedule(Duration delay, Runnable task) {
        return schedule(delay, task, false, false);
    }

    /**
     * {@link #schedule} for the kernel's own timers (wait timeouts, KTIMERs): exploring schedules, a kernel timer due
     * at the same instant as a network timer may run before it (each source keeps its own order).
     */
    ScheduledTask scheduleKernel(Duration delay, Runnable task) {
        return schedule(delay, task, true, false);
    }

    private ScheduledTask schedule(Duration delay, Runnable task, boolean kernel, boolean locked) {
        Objects.requireNonNull(task, "task");
        long nanos = delay == null || delay.isNegative() ? 0 : saturatedNanos(delay);
        synchronized (lock) {
            Timer timer = new Timer(saturatedAdd(now, nanos), sequence++, task, kernel, locked);
            timers.add(timer);
            firstTimer = timers.peek();
            return timer;
        }
    }

    @Override
    public long nanoTime() {
        return now; // volatile: the simulation reads the clock several times per event, and takes no lock for it
    }

    /**
     * Returns the virtual time elapsed since creation.
     *
     * @return the virtual clock as a duration
     */
    public Duration now() {
        return Duration.ofNanos(nanoTime());
    }

    @Override
    public boolean inExecutorThread() {
        return runner == Thread.currentThread();
    }

    @Override
    public void bindIoManager(IoManager ioManager) {
        this.ioManager = ioManager;
        if (ioManager != null) {
            ioManager.kernel().attachExecutor(this);
        }
    }

    /**
     * The kernel whose processor this is, when driver threads may run from the calling thread: only when the kernel has
     * threads of its own (otherwise there is nothing to schedule, and the run methods keep their plain, cheap loop).
     */
    private Kernel schedulingKernel() {
        IoManager manager = ioManager;
        return scheduler != null && manager != null && scheduler.hasKernelThreads() && scheduler.mayEnter()
                ? manager.kernel() : null;
    }

    /**
     * Runs the next task: the oldest queued task, or else the earliest timer due at the current virtual
     * time. Does not move the clock.
     *
     * @return true when a task ran
     */
    public boolean runNext() {
        Runnable task = takeNext();
        if (task == null) {
            return false;
        }
        runOne(task);
        return true;
    }

    /**
     * Runs queued tasks and due timers until none is left, including tasks they queue. Does not move the
     * clock.
     *
     * @return the number of tasks run
     * @throws IllegalStateException after {@link #MAX_TASKS_PER_RUN} tasks (a livelock)
     */
    public int runPending() {
        return drain(false);
    }

    /**
     * Moves the virtual clock forward by {@code duration}, stopping at each timer's due time to fire it
     * and run what it queues, then runs everything pending at the final time.
     *
     * @param duration how far to move; must not be negative
     * @return the number of tasks run
     */
    public int advanceTimeBy(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("cannot move the clock backwards: " + duration);
        }
        long target;
        synchronized (lock) {
            target = saturatedAdd(now, saturatedNanos(duration));
        }
        Kernel kernel = schedulingKernel();
        if (kernel != null) {
            return scheduler.drive(kernel, target);
        }
        int count = runPending();
        while (true) {
            synchronized (lock) {
                Timer next = timers.peek();
                if (next == null || next.due > target) {
                    now = Math.max(now, target);
                    break;
                }
                now = Math.max(now, next.due);
            }
            count += runPending();
        }
        return count + runPending();
    }

    /**
     * Runs everything, jumping the clock to each next timer, until no task or timer is left.
     *
     * @return the number of tasks run
     * @throws IllegalStateException after {@link #MAX_TASKS_PER_RUN} tasks (a livelock, such as a timer
     *                               that always re-arms itself)
     */
    public int runUntilIdle() {
        Kernel kernel = schedulingKernel();
        if (kernel != null) {
            return scheduler.drive(kernel, Long.MAX_VALUE);
        }
        return drain(true);
    }

    /**
     * Runs queued tasks and due timers until none is left; with {@code untilIdle}, also moves the clock to each next
     * timer and runs it (runUntilIdle). The order is the one {@link #runNext()} and the clock jumps give; while no
     * schedule is explored it is reached in one critical section per task ({@link #drainInOrder}), else each task is
     * chosen through {@link #takeNext()}.
     */
    private int drain(boolean untilIdle) {
        int count = 0;
        while (true) {
            if (!exploring()) {
                count = drainInOrder(untilIdle, count);
                if (!exploring()) {
                    return count; // idle
                }
                continue; // a task attached a schedule: choose from now on
            }
            if (runNext()) {
                count = counted(count, untilIdle);
            } else if (!untilIdle || !advanceToNextTimer()) {
                return count;
            }
        }
    }

    /**
     * The drain while no schedule is explored: this thread stays the runner from the first task to the last, takes
     * each queued task without the lock (it is the queue's one consumer), and takes the lock only for a timer (the
     * earliest due, else with {@code untilIdle} the earliest, the clock moved to it), in the order {@code runNext} and
     * the clock jumps give. It claims the runner by a CAS and releases it with a volatile store, then looks at the
     * queue and the timers once more: a thread pumping this executor (a driver thread waiting in the kernel model)
     * that saw this runner and left a posted task to it finds it run, by this thread or, when it claimed the runner
     * first, by itself. Returns when idle, or when a task attached a schedule.
     */
    private int drainInOrder(boolean untilIdle, int ran) {
        int count = ran;
        checkNoRunner();
        Thread self = Thread.currentThread();
        if (!hasWork(untilIdle)) {
            return count;
        }
        if (!RUNNER.compareAndSet(this, null, self)) {
            checkNoRunner(); // another thread claimed it meanwhile: the run methods must not be called concurrently
            return count;
        }
        boolean held = true;
        long unrecorded = 0; // tasks run, added to executed before the runner is released
        try {
            while (true) {
                boolean exploring = exploring(); // once per task: a task may attach a schedule
                Runnable task = exploring ? null : ready.poll();
                if (task == null && !exploring && timerMayRun(untilIdle)) {
                    synchronized (lock) {
                        task = claimInOrderLocked(untilIdle);
                        if (task instanceof Timer timer && timer.locked) {
                            // A network timer: its task runs in this critical section (the lock is the network's),
                            // as wsk4j's own code, which the watchdog does not time (TaskRunner.runOwn).
                            unrecorded++;
                            TaskRunner.runOwn(timer.task, ioManager);
                            count = counted(count, untilIdle);
                            continue;
                        }
                    }
                }
                if (task == null) {
                    recordExecuted(unrecorded);
                    unrecorded = 0;
                    held = false;
                    runner = null; // a volatile store: before the look below
                    if (exploring() || !hasWork(untilIdle) || !RUNNER.compareAndSet(this, null, self)) {
                        return count; // idle, or a schedule now chooses, or a pumping thread took over
                    }
                    held = true;
                    continue;
                }
                unrecorded++;
                TaskRunner.run(task, ioManager);
                count = counted(count, untilIdle);
            }
        } finally {
            if (held) {
                recordExecuted(unrecorded);
                runner = null;
            }
        }
    }

    /** Whether a drain has something to run: a queued task, or a timer it may fire (any thread; no lock). */
    private boolean hasWork(boolean untilIdle) {
        return !ready.isEmpty() || timerMayRun(untilIdle);
    }

    /** Whether a timer is armed that a drain may fire: any with {@code untilIdle}, else one due now. */
    private boolean timerMayRun(boolean untilIdle) {
        Timer first = firstTimer;
        return first != null && (untilIdle || first.due <= now);
    }

    /** The runner counts the tasks it ran (the only writer while it holds the runner). */
    private void recordExecuted(long tasks) {
        if (tasks != 0) {
            executed.lazySet(executed.get() + tasks);
        }
    }

    /** The next task in queue order, then due timers, then (untilIdle) the next timer with the clock moved to it. */
    @GuardedBy("lock")
    private Runnable claimInOrderLocked(boolean untilIdle) {
        Runnable task = ready.poll();
        if (task == null) {
            Timer timer = timers.peek();
            if (timer == null || (timer.due > now && !untilIdle)) {
                return null;
            }
            timers.poll();
            firstTimer = timers.peek();
            if (timer.due > now) {
                now = timer.due;
            }
            timer.fired = true;
            task = timer.locked ? timer : timer.task;
        }
        return task;
    }

    private boolean exploring() {
        return scheduler != null && scheduler.schedule() != null;
    }

    /** Counts a task run by runPending or runUntilIdle; throws at {@link #MAX_TASKS_PER_RUN}. */
    private static int counted(int count, boolean untilIdle) {
        int next = count + 1;
        if (next >= MAX_TASKS_PER_RUN) {
            throw new IllegalStateException(untilIdle ? "runUntilIdle ran " + next + " tasks without becoming idle"
                    : "runPending ran " + next + " tasks without the queue emptying");
        }
        return next;
    }

    /**
     * Runs pending tasks until {@code condition} holds, at most {@code timeout}. When the executor is bound to an I/O
     * manager this is {@link Kernel#waitUntil}: on a simulated network the calling thread blocks as a driver thread
     * (other driver threads run, virtual time moves, the timeout is virtual); elsewhere it waits in real time, running
     * this executor's tasks as they are posted (by the NIO transport's selector thread) and re-checking the condition
     * when any dispatcher object is signaled or a millisecond passes. Unbound, it waits in real time for posted tasks
     * and the virtual clock does not move.
     *
     * @param condition checked on the calling thread, first before anything runs
     * @param timeout   the longest time to wait
     * @return true when the condition holds; false when the timeout elapsed first
     */
    public boolean runUntil(BooleanSupplier condition, Duration timeout) {
        IoManager manager = ioManager;
        if (manager != null && (scheduler == null || scheduler.mayEnter())) {
            return manager.kernel().waitUntil(condition, timeout);
        }
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        while (true) {
            runPending();
            if (condition.getAsBoolean()) {
                return true;
            }
            synchronized (lock) {
                waiters++; // before looking at the queue: execute queues before it reads waiters
                try {
                    while (ready.isEmpty() && !hasDueTimer()) {
                        long remaining = deadline - System.nanoTime();
                        if (remaining <= 0) {
                            return condition.getAsBoolean();
                        }
                        lock.wait(Math.max(1, remaining / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return condition.getAsBoolean();
                } finally {
                    waiters--;
                }
            }
        }
    }

    /** The scheduler's clock step: moves virtual time to the next timer, if any. */
    boolean advanceToNextTimer() {
        return advanceToNextTimerUpTo(Long.MAX_VALUE);
    }

    /**
     * Moves virtual time to the next timer if it is due at or before {@code target}; otherwise moves it to
     * {@code target} (unless that is {@link Long#MAX_VALUE}) and returns false.
     */
    boolean advanceToNextTimerUpTo(long target) {
        synchronized (lock) {
            Timer next = timers.peek();
            if (next != null && next.due <= target) {
                now = Math.max(now, next.due);
                return true;
            }
            if (target != Long.MAX_VALUE) {
                now = Math.max(now, target);
            }
            return false;
        }
    }

    /** For the real kernel model's waits: runs what is due unless another thread is running a task. */
    void tryRunPending() {
        while (true) {
            Runnable task;
            synchronized (lock) {
                if (runner != null || !becomeRunnerLocked()) {
                    return; // another thread runs this executor's tasks now
                }
                task = claimedOrReleased(claimNextLocked());
            }
            if (task == null) {
                return;
            }
            runOne(task);
        }
    }

    /**
     * Returns the number of queued tasks (not counting timers): exact while no task runs; called while another thread
     * runs tasks, a snapshot.
     *
     * @return the number of tasks waiting to run
     */
    public int pendingCount() {
        return ready.size(); // exact while no task runs; a snapshot while another thread runs them
    }

    /**
     * Returns the number of armed timers.
     *
     * @return timers not yet fired or cancelled
     */
    public int timerCount() {
        synchronized (lock) {
            return timers.size();
        }
    }

    /**
     * Returns the total number of tasks run so far. The tasks of a run method still running may not be counted yet
     * (a drain adds them when it finishes): read it after the run method returns.
     *
     * @return the count
     */
    public long executedCount() {
        return executed.get(); // a drain adds its tasks when it releases the runner
    }

    /**
     * Holds no threads of its own, so queued tasks can still be run; a simulated executor also closes its kernel
     * ({@link Kernel#close()}): driver threads still alive unwind from their waits.
     */
    @Override
    public void close() {
        IoManager manager = ioManager;
        if (scheduler != null) {
            scheduler.explore(null);
        }
        if (scheduler != null && manager != null) {
            manager.kernel().close();
        }
    }

    @GuardedBy("lock")
    private boolean hasDueTimer() {
        Timer next = timers.peek();
        return next != null && next.due <= now;
    }

    private Runnable takeNext() {
        Schedule exploring = scheduler == null ? null : scheduler.schedule();
        int pick = 0;
        if (exploring != null) {
            int[] positions;
            Timer first;
            Timer other;
            synchronized (lock) {
                checkNoRunner();
                positions = orderCandidatesLocked();
                first = hasDueTimer() ? timers.peek() : null;
                other = first == null ? null : firstDueOf(!first.kernel);
            }
            int queued = positions.length;
            java.util.List<String> labels = orderOptions(positions, first, other);
            if (labels.size() > 1) {
                // Options: the queued tasks in order, then the earliest due timer (it overtakes them), then the
                // earliest due timer of the other source (kernel or network), which overtakes the first.
                pick = exploring.choose(ChoiceKind.ORDER, "due tasks", labels);
            }
            if (pick > 0) {
                synchronized (lock) {
                    checkNoRunnerAndBecomeIt();
                    return claimedOrReleased(pick < queued ? claimQueuedLocked(positions[pick])
                            : claimTimerLocked(pick == queued && first != null ? first : other));
                }
            }
        }
        synchronized (lock) {
            checkNoRunnerAndBecomeIt();
            return claimedOrReleased(claimNextLocked());
        }
    }

    /** Under the lock, no runner: the calling thread claims the runner (a CAS: a drain claims it without the lock). */
    @GuardedBy("lock")
    private boolean becomeRunnerLocked() {
        return RUNNER.compareAndSet(this, null, Thread.currentThread());
    }

    /** {@link #checkNoRunner}, then claims the runner; throws when another thread claimed it meanwhile. */
    @GuardedBy("lock")
    private void checkNoRunnerAndBecomeIt() {
        checkNoRunner();
        if (!becomeRunnerLocked()) {
            checkNoRunner();
        }
    }

    /** The runner's claim: the task, which it runs ({@link #runOne} releases the runner), or null, runner released. */
    @GuardedBy("lock")
    private Runnable claimedOrReleased(Runnable task) {
        if (task == null) {
            runner = null;
        }
        return task;
    }

    /** Under the lock: the earliest timer due now armed by the kernel ({@code kernel}) or not, or null. */
    @GuardedBy("lock")
    private Timer firstDueOf(boolean kernel) {
        Timer found = null;
        for (Timer timer : timers) {
            if (timer.kernel == kernel && timer.due <= now && (found == null || timer.compareTo(found) < 0)) {
                found = timer;
            }
        }
        return found;
    }

    private void checkNoRunner() {
        if (runner != null) {
            throw new IllegalStateException("ManualCompletionExecutor run methods must not be called from "
                    + "inside a task or concurrently (running on " + runner.getName() + ")");
        }
    }

    /** Under the lock: the positions of the queued tasks that may run next (every task but a DPC behind a DPC). */
    @GuardedBy("lock")
    private int[] orderCandidatesLocked() {
        java.util.List<Runnable> queued = ready.snapshot();
        int[] positions = new int[queued.size()];
        int count = 0;
        int position = 0;
        boolean kernelSeen = false;
        for (Runnable task : queued) {
            boolean kernel = task instanceof KernelTask;
            if (!kernel || !kernelSeen) {
                positions[count++] = position;
            }
            kernelSeen |= kernel;
            position++;
        }
        return java.util.Arrays.copyOf(positions, count);
    }

    private static java.util.List<String> orderOptions(int[] positions, Timer first, Timer other) {
        java.util.List<String> labels = new java.util.ArrayList<>(positions.length + 2);
        for (int position : positions) {
            labels.add("queued task " + (position + 1));
        }
        if (first != null) {
            labels.add(first.kernel ? "due kernel timer" : "due network timer");
        }
        if (other != null) {
            labels.add(other.kernel ? "due kernel timer" : "due network timer");
        }
        return labels;
    }

    /** Under the lock, exploring: claims a due timer chosen to overtake, or the next task when it is gone. */
    @GuardedBy("lock")
    private Runnable claimTimerLocked(Timer timer) {
        if (timer != null && !timer.fired && !timer.cancelled && timers.remove(timer)) {
            firstTimer = timers.peek();
            timer.fired = true;
            return timer.locked ? timer : timer.task;
        }
        return claimNextLocked();
    }

    /** Under the lock, exploring: claims the queued task at {@code pick}, or the next task when it is gone. */
    @GuardedBy("lock")
    private Runnable claimQueuedLocked(int pick) {
        Runnable task = ready.takeAt(pick);
        return task != null ? task : claimNextLocked();
    }

    /**
     * Under the lock, for the runner: the oldest queued task, else the earliest due timer's; null when nothing is
     * due.
     */
    @GuardedBy("lock")
    private Runnable claimNextLocked() {
        Runnable task = ready.poll();
        if (task == null && hasDueTimer()) {
            Timer timer = timers.poll();
            firstTimer = timers.peek();
            timer.fired = true;
            task = timer.locked ? timer : timer.task;
        }
        return task;
    }

    private void runOne(Runnable task) {
        try {
            TaskRunner.run(task, ioManager);
        } finally {
            synchronized (lock) {
                recordExecuted(1);
                runner = null;
            }
        }
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "ManualCompletionExecutor[now=" + now + "ns, " + ready.size() + " queued, " + timers.size()
                    + " timers]";
        }
    }
}
