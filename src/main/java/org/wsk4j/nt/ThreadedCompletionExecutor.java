package org.wsk4j.nt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.CompletionThread;
import org.wsk4j.internal.GuardedBy;

/**
 * A completion executor backed by a small pool of daemon threads sharing one FIFO queue, like an I/O
 * completion port with a concurrency value, on the real clock.
 *
 * <p>Tasks start in the order they were queued; with more than one thread they may run concurrently,
 * so completion routines must not assume an order between different IRPs. Timers are kept by one extra
 * daemon thread that only moves due tasks onto the queue. Tasks run at PASSIVE_LEVEL with the bound
 * {@link IoManager}; an exception thrown by a task is caught, recorded and logged, and the worker
 * carries on.
 *
 * <pre>{@code
 * try (ThreadedCompletionExecutor executor = new ThreadedCompletionExecutor("wsk", 2)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Hand-offs: the queue is lock-free; a worker takes tasks until it finds none, and only then waits. Posting a
 * task wakes a waiting worker only when there is one (a busy pool costs no lock and no wake-up), and a worker that
 * takes a task while more are queued wakes one more. A transport's event thread that delimits its readiness passes
 * ({@link CompletionThread#beginBatch()}, as the NIO selector thread does) hands a pass's completions over as one
 * batch: the wake-up is deferred to the end of the pass, so one pass wakes at most one worker.
 *
 * <p>A held worker: when one task holds a worker longer than the verifier's {@link Verifier#transportHoldLimit()}
 * (1 s by default; a completion routine waiting for something), the callback watchdog starts an extra worker, so
 * the tasks queued behind it run (with one worker, a routine waiting for a completion queued behind it then gets it
 * instead of deadlocking). Extra workers (at most {@value #MAX_EXTRA_WORKERS} at a time) end when they find no task
 * and no worker is held any more. The held task itself is reported by the watchdog as
 * {@link VerifierRule#CALLBACK_TOO_LONG} if it runs for twice the blocking-wait limit.
 *
 * <p>Thread safety: every method may be called from any thread. {@link #close()} lets queued tasks
 * finish, then stops the threads (waiting up to 5 seconds for them); tasks queued after close run on the
 * calling thread, so no completion is ever lost.
 */
public final class ThreadedCompletionExecutor implements CompletionExecutor {

    /** Guards the close (never this object, which the subsystem's user may hold). */
    private final Object lock = new Object();

    private static final Logger LOG = LoggerFactory.getLogger(ThreadedCompletionExecutor.class);
    private static final Runnable STOP = () -> { };

    private final String name;
    private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
    /** Where idle workers wait; held only to wait and to wake, never while a task runs or is queued. */
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition workQueued = idleLock.newCondition();
    /**
     * Workers in {@link Worker#next()}'s waiting part: written under idleLock, read without it by producers. A
     * producer queues, then reads this; a worker raises it, then polls the queue: both volatile (the queue's are
     * CASes), so one of the two always sees the other and no task is left with every worker waiting.
     */
    private volatile int idle;
    /** Wake-ups signalled that no worker has taken yet, so as not to signal more than there are waiters. */
    @GuardedBy("idleLock")
    private int wakeups;
    /** This executor's wake-up, one object, so a transport's pass defers it once ({@link CompletionThread}). */
    private final Runnable wakeIdleWorker = this::wakeIdleWorker;
    /** The most extra workers alive at a time (see the class comment, "A held worker"). */
    static final int MAX_EXTRA_WORKERS = 16;

    /** Every live worker, the extra ones included. Guarded by {@code lock} (no change once closed). */
    @GuardedBy("lock")
    private final List<Worker> workers = new ArrayList<>();
    private final int concurrency;
    /** Extra workers alive. */
    @GuardedBy("lock")
    private int extraWorkers;
    /** Workers the watchdog found held whose task has not yet returned (see {@link Worker#compensated}). */
    @GuardedBy("lock")
    private int heldWorkers;
    /** Extra workers started so far (names the next one). */
    @GuardedBy("lock")
    private int extraStarted;
    private final ScheduledThreadPoolExecutor timer;
    private volatile IoManager ioManager;
    private volatile boolean closed;

    /**
     * Creates and starts the executor.
     *
     * @param name        a prefix for the thread names
     * @param concurrency the number of worker threads, 1 to 64
     * @throws IllegalArgumentException when concurrency is out of range
     */
    public ThreadedCompletionExecutor(String name, int concurrency) {
        this.name = Objects.requireNonNull(name, "name");
        if (concurrency < 1 || concurrency > 64) {
            throw new IllegalArgumentException("concurrency must be between 1 and 64: " + concurrency);
        }
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            return new CompletionThread(r, name + "-timer"); // a daemon
        });
        timer.setRemoveOnCancelPolicy(true);
        this.concurrency = concurrency;
        synchronized (lock) {
            for (int i = 0; i < concurrency; i++) {
                Worker worker = new Worker(name + "-completion-" + i, false);
                workers.add(worker);
                worker.start();
            }
        }
    }

    /**
     * Callback watchdog thread: {@code held} has run one task longer than the hold limit. Starts an extra worker,
     * unless closed or {@value #MAX_EXTRA_WORKERS} are alive already.
     */
    private boolean compensate(Worker held) {
        Worker extra;
        synchronized (lock) {
            if (closed || extraWorkers >= MAX_EXTRA_WORKERS) {
                return false;
            }
            if (!held.compensated) {
                held.compensated = true;
                heldWorkers++;
            }
            extraWorkers++;
            extra = new Worker(name + "-completion-extra-" + extraStarted++, true);
            workers.add(extra);
        }
        extra.start();
        LOG.debug("{} is held by a task; started {}", held.getName(), extra.getName());
        return true;
    }

    /** An extra worker that found no task: ends it when no worker is held any more beyond the extra ones left. */
    private boolean retire(Worker extra) {
        synchronized (lock) {
            if (closed || extraWorkers <= heldWorkers) {
                return false;
            }
            extraWorkers--;
            workers.remove(extra);
            return true;
        }
    }

    private final class Worker extends CompletionThread {
        /** Started because another worker was held; ends when no longer needed. */
        private final boolean extra;
        /** Set by the watchdog ({@link #compensate}) while this worker's task holds it; cleared when a task ends. */
        volatile boolean compensated;

        Worker(String threadName, boolean extra) {
            super(threadName); // a daemon
            this.extra = extra;
        }

        @Override
        public void run() {
            TaskRunner.watchHolds(() -> compensate(this), false);
            while (true) {
                Runnable task = next();
                if (task == STOP) {
                    return;
                }
                if (idle > 0 && !queue.isEmpty()) {
                    wakeIdleWorker(); // more work than this thread: a second one helps (one at a time)
                }
                try {
                    TaskRunner.run(task, ioManager);
                } catch (Throwable t) {
                    // TaskRunner records what a task throws; this only guards the worker against the bookkeeping
                    // around it failing (out of memory): a worker is never lost.
                    LOG.debug("{} survived a failure outside a task", getName(), t);
                }
                if (compensated) {
                    synchronized (lock) {
                        compensated = false;
                        heldWorkers--;
                    }
                    wakeAllIdle(); // an extra worker waiting may now be a surplus and end (outside lock: see next())
                }
            }
        }

        /** The next task, waiting while there is none; STOP once closed and drained. */
        private Runnable next() {
            Runnable task = queue.poll();
            if (task != null) {
                return task;
            }
            idleLock.lock();
            try {
                idle++;
                try {
                    while ((task = queue.poll()) == null) {
                        if (closed) {
                            return STOP;
                        }
                        if (extra && retire(this)) { // takes lock inside idleLock: never the other way round
                            // A surplus: the workers left poll the queue before they wait, so no task is lost.
                            return STOP;
                        }
                        try {
                            workQueued.await();
                        } catch (InterruptedException e) {
                            // a watchdog interrupt meant for a task that already ended: nothing to do while idle
                        }
                        if (wakeups > 0) {
                            wakeups--;
                        }
                    }
                    return task;
                } finally {
                    idle--;
                }
            } finally {
                idleLock.unlock();
            }
        }

        ThreadedCompletionExecutor owner() {
            return ThreadedCompletionExecutor.this;
        }
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (closed) {
            LOG.debug("{} is closed; running a late task on the calling thread", name);
            TaskRunner.run(task, ioManager);
            return;
        }
        queue.offer(task);
        if (closed && queue.remove(task)) {
            // close() raced with this call and may already have drained the queue: never lose a task.
            TaskRunner.run(task, ioManager);
            return;
        }
        if (idle > 0 && !CompletionThread.deferWakeup(wakeIdleWorker)) {
            wakeIdleWorker();
        }
    }

    /** Wakes every waiting worker (each re-checks the queue, and an extra one whether it is still needed). */
    private void wakeAllIdle() {
        idleLock.lock();
        try {
            workQueued.signalAll();
        } finally {
            idleLock.unlock();
        }
    }

    /** Wakes one waiting worker, unless as many wake-ups as waiters are on their way already. */
    private void wakeIdleWorker() {
        idleLock.lock();
        try {
            if (wakeups < idle) {
                wakeups++;
                workQueued.signal();
            }
        } finally {
            idleLock.unlock();
        }
    }

    @Override
    public ScheduledTask schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        long nanos = delay == null || delay.isNegative() ? 0 : ManualCompletionExecutor.saturatedNanos(delay);
        long due = System.nanoTime() + nanos;
        if (closed) {
            return new ScheduledTask() {
                @Override
                public boolean cancel() {
                    return false;
                }

                @Override
                public long dueNanos() {
                    return due;
                }
            };
        }
        return new FutureScheduledTask(timer.schedule(() -> execute(task), nanos, TimeUnit.NANOSECONDS), due);
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public boolean inExecutorThread() {
        Thread current = Thread.currentThread();
        return current instanceof Worker && ((Worker) current).owner() == this;
    }

    @Override
    public void bindIoManager(IoManager ioManager) {
        this.ioManager = ioManager;
        if (ioManager != null) {
            ioManager.kernel().attachExecutor(this);
        }
    }

    /**
     * Returns the number of worker threads.
     *
     * @return the concurrency given at creation
     */
    public int concurrency() {
        return concurrency;
    }

    /**
     * Returns the number of tasks waiting in the queue.
     *
     * @return an estimate; other threads may be adding and taking
     */
    public int queuedCount() {
        return queue.size();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        timer.shutdownNow();
        List<Worker> all;
        synchronized (lock) {
            all = new ArrayList<>(workers); // no worker is added or removed once closed
        }
        for (int i = 0; i < all.size(); i++) {
            queue.add(STOP);
        }
        idleLock.lock();
        try {
            workQueued.signalAll();
        } finally {
            idleLock.unlock();
        }
        boolean self = inExecutorThread();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Worker worker : all) {
            if (worker == Thread.currentThread()) {
                continue;
            }
            try {
                long remaining = deadline - System.nanoTime();
                if (remaining > 0) {
                    worker.join(Math.max(1, remaining / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (worker.isAlive()) {
                LOG.warn("{} did not stop within 5 s (a completion routine or callback is blocking it)",
                        worker.getName());
            }
        }
        // Tasks queued behind the STOP markers (by other threads during close) must not be lost.
        Runnable late;
        while ((late = queue.poll()) != null) {
            if (late != STOP) {
                TaskRunner.run(late, ioManager);
            }
        }
        if (self) {
            LOG.debug("{} closed from one of its own threads", name);
        }
    }

    /**
     * Tells whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "ThreadedCompletionExecutor[" + name + ", " + concurrency + " threads" + (closed ? ", closed" : "")
                + "]";
    }
}
