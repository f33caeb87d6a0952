package org.wsk4j.nt;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

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
 * <p>Thread safety: {@link #execute} and {@link #schedule} may be called from any thread (the NIO
 * transport posts from its selector thread). The run methods run tasks on the calling thread and must not
 * be called concurrently or from inside a task ({@link IllegalStateException}).
 */
public final class ManualCompletionExecutor implements CompletionExecutor {

    /** The most tasks one run method executes before it assumes a livelock and throws. */
    public static final int MAX_TASKS_PER_RUN = 10_000_000;

    private final Object lock = new Object();
    /** Threads waiting in runUntil for work posted from other threads; guarded by lock. */
    private int waiters;
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long now;
    private long sequence;
    private long executed;
    private volatile IoManager ioManager;
    private Thread runner;

    /** Creates an executor with its virtual clock at 0. */
    public ManualCompletionExecutor() {
    }

    private final class Timer implements ScheduledTask, Comparable<Timer> {
        final long due;
        final long seq;
        final Runnable task;
        boolean cancelled;
        boolean fired;

        Timer(long due, long seq, Runnable task) {
            this.due = due;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                if (fired || cancelled) {
                    return false;
                }
                cancelled = true;
                timers.remove(this);
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
        synchronized (lock) {
            ready.addLast(task);
            if (waiters > 0) { // runUntil waiting for work posted from another thread (the NIO selector)
                lock.notifyAll();
            }
        }
    }

    @Override
    public ScheduledTask schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long nanos = delay == null || delay.isNegative() ? 0 : saturatedNanos(delay);
        synchronized (lock) {
            Timer timer = new Timer(saturatedAdd(now, nanos), sequence++, task);
            timers.add(timer);
            return timer;
        }
    }

    @Override
    public long nanoTime() {
        synchronized (lock) {
            return now;
        }
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
        synchronized (lock) {
            return runner == Thread.currentThread();
        }
    }

    @Override
    public void bindIoManager(IoManager ioManager) {
        this.ioManager = ioManager;
    }

    /**
     * Runs the next task: the oldest queued task, or else the earliest timer due at the current virtual
     * time. Does not move the clock.
     *
     * @return true when a task ran
     */
    public boolean runNext() {
        Runnable task = takeNext(Long.MIN_VALUE);
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
        int count = 0;
        while (runNext()) {
            if (++count >= MAX_TASKS_PER_RUN) {
                throw new IllegalStateException("runPending ran " + count + " tasks without the queue emptying");
            }
        }
        return count;
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
        int count = 0;
        while (true) {
            count += runPending();
            synchronized (lock) {
                Timer next = timers.peek();
                if (next == null) {
                    return count;
                }
                now = Math.max(now, next.due);
            }
            if (count >= MAX_TASKS_PER_RUN) {
                throw new IllegalStateException("runUntilIdle ran " + count + " tasks without becoming idle");
            }
        }
    }

    /**
     * Runs pending tasks until {@code condition} holds, waiting in <em>real</em> time (up to
     * {@code timeout}) for tasks posted by other threads, such as the NIO transport's selector thread.
     * The virtual clock does not move.
     *
     * @param condition checked on the calling thread after each batch of tasks
     * @param timeout   the longest real time to wait
     * @return true when the condition holds; false when the timeout elapsed first
     */
    public boolean runUntil(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        while (true) {
            runPending();
            if (condition.getAsBoolean()) {
                return true;
            }
            synchronized (lock) {
                while (ready.isEmpty() && !hasDueTimer()) {
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0) {
                        return condition.getAsBoolean();
                    }
                    waiters++;
                    try {
                        lock.wait(Math.max(1, remaining / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return condition.getAsBoolean();
                    } finally {
                        waiters--;
                    }
                }
            }
        }
    }

    /**
     * Returns the number of queued tasks (not counting timers).
     *
     * @return the number of tasks waiting to run
     */
    public int pendingCount() {
        synchronized (lock) {
            return ready.size();
        }
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
     * Returns the total number of tasks run so far.
     *
     * @return the count
     */
    public long executedCount() {
        synchronized (lock) {
            return executed;
        }
    }

    /** Does nothing: a manual executor holds no threads. Queued tasks can still be run. */
    @Override
    public void close() {
    }

    private boolean hasDueTimer() {
        Timer next = timers.peek();
        return next != null && next.due <= now;
    }

    private Runnable takeNext(long unused) {
        synchronized (lock) {
            if (runner != null) {
                throw new IllegalStateException("ManualCompletionExecutor run methods must not be called from "
                        + "inside a task or concurrently (running on " + runner.getName() + ")");
            }
            Runnable task = ready.pollFirst();
            if (task == null && hasDueTimer()) {
                Timer timer = timers.poll();
                timer.fired = true;
                task = timer.task;
            }
            if (task != null) {
                runner = Thread.currentThread();
                executed++;
            }
            return task;
        }
    }

    private void runOne(Runnable task) {
        try {
            TaskRunner.run(task, ioManager);
        } finally {
            synchronized (lock) {
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
