package org.wsk4j.nt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.CompletionThread;

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
 * <p>Thread safety: every method may be called from any thread. {@link #close()} lets queued tasks
 * finish, then stops the threads (waiting up to 5 seconds for them); tasks queued after close run on the
 * calling thread, so no completion is ever lost.
 */
public final class ThreadedCompletionExecutor implements CompletionExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadedCompletionExecutor.class);
    private static final Runnable STOP = () -> { };

    private final String name;
    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final List<Worker> workers = new ArrayList<>();
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
        for (int i = 0; i < concurrency; i++) {
            Worker worker = new Worker(name + "-completion-" + i);
            workers.add(worker);
            worker.start();
        }
    }

    private final class Worker extends CompletionThread {
        Worker(String threadName) {
            super(threadName); // a daemon
        }

        @Override
        public void run() {
            while (true) {
                Runnable task;
                try {
                    task = queue.take();
                } catch (InterruptedException e) {
                    if (closed) {
                        return;
                    }
                    continue;
                }
                if (task == STOP) {
                    return;
                }
                try {
                    TaskRunner.run(task, ioManager);
                } catch (Throwable t) {
                    // TaskRunner records what a task throws; this only guards the worker against the bookkeeping
                    // around it failing (out of memory): a worker is never lost.
                    LOG.debug("{} survived a failure outside a task", getName(), t);
                }
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
        queue.add(task);
        if (closed && queue.remove(task)) {
            // close() raced with this call and may already have drained the queue: never lose a task.
            TaskRunner.run(task, ioManager);
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
        return workers.size();
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
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        timer.shutdownNow();
        for (int i = 0; i < workers.size(); i++) {
            queue.add(STOP);
        }
        boolean self = inExecutorThread();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (Worker worker : workers) {
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
        return "ThreadedCompletionExecutor[" + name + ", " + workers.size() + " threads" + (closed ? ", closed" : "")
                + "]";
    }
}
