package org.wsk4j.nt;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import org.wsk4j.internal.FastLocal;

/**
 * A completion executor that runs completions on the thread that produced them, with no thread hand-off:
 * for the NIO transport, completion routines and event callbacks run on its selector thread; for a WSK call
 * made from a completion routine, on the thread running that routine, after the routine returned.
 *
 * <p><b>Threading model.</b> A task posted with {@link #execute} from a <em>completion thread</em> is queued on
 * that thread and run by it as soon as the thread reaches a point where it holds no lock: after the task that
 * is running now returns (a trampoline, so completions never nest and the stack does not grow), or, on a
 * transport's own thread, after the readiness pass that produced it. Completion threads are the threads
 * running one of this executor's tasks and the threads a transport declared with {@link #adoptCurrentThread()}
 * (the NIO selector thread). A task posted from any other thread (a driver's own thread calling a WSK function,
 * a timer) goes to one fallback daemon thread, which then becomes a completion thread for what that task
 * produces; except that the provider runs the completion of work done during an outermost WSK call on the calling
 * thread before the call returns (completion in the caller's context, see
 * {@code WskSubsystem.Builder.completionInCallerContext}), without posting it here. Per-socket order and serialization are kept by the provider (each socket's serial queue), as with
 * the other executors; completions of different sockets run one at a time per thread.
 *
 * <p><b>Completion routines and event callbacks must not block</b> (no waits, no blocking I/O, no long loops):
 * with this executor they run on the transport's selector thread, so while one blocks, no socket of the
 * subsystem makes progress. A routine that holds that thread longer than the verifier's
 * {@link Verifier#transportHoldLimit() transport hold limit} (1 s by default) is reported as
 * {@link VerifierRule#TRANSPORT_THREAD_HELD} and the transport moves its event loop to a new thread, so the other
 * sockets go on; the completions queued behind the routine on the old thread (those of the same readiness pass) run
 * when it returns. The verifier's DISPATCH_LEVEL rules report the blocking waits they can see
 * ({@link VerifierRule#CALLBACK_BLOCKED}). Use {@link ThreadedCompletionExecutor} when routines may be slow.
 *
 * <p>Recursion: a WSK call that fails at once still completes its IRP inline, bounded by
 * {@link InlineCompletion#MAX_DEPTH} as with every executor; posted completions never nest.
 *
 * <pre>{@code
 * try (WskSubsystem wsk = WskSubsystem.builder().directExecutor().build()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>Thread safety: every method may be called from any thread. Tasks run with the bound {@link IoManager},
 * return to PASSIVE_LEVEL, and an exception a task throws is recorded and logged, as with the threaded
 * executor. After {@link #close()}, tasks posted from a thread that is not a completion thread run on the
 * calling thread, so none is lost.
 */
public final class DirectCompletionExecutor implements CompletionExecutor {

    /**
     * Per-thread queue of direct completions. The queue holds tasks, each preceded by its executor only where the
     * executor changes (usually never: one subsystem per thread), and the executor fields are written only when
     * they change: storing a reference into this long-lived object costs a G1 write-barrier fence, and the queue
     * sees two tasks per echo message.
     */
    private static final class Trampoline {
        /** Tasks; a DirectCompletionExecutor entry makes it the executor of the tasks after it. */
        final ArrayDeque<Object> queue = new ArrayDeque<>();
        /** The executor of the last task queued (a new task of another one queues that executor first). */
        DirectCompletionExecutor queuedFor;
        /** The executor of the tasks drain takes from the queue now. */
        DirectCompletionExecutor drainingFor;
        /** The thread drains at its own safe points (a transport thread). */
        boolean adopted;
        /** A drain is running on this thread: new tasks queue behind it. */
        boolean draining;
        /** The executor whose task runs now, when {@link #inTask}; stale otherwise. */
        DirectCompletionExecutor running;
        /** A task runs now. */
        boolean inTask;

        void add(DirectCompletionExecutor executor, Runnable task) {
            if (queuedFor != executor) {
                queue.addLast(executor);
                queuedFor = executor;
            }
            queue.addLast(task);
        }
    }

    private static final FastLocal<Trampoline> TRAMPOLINE = new FastLocal<>(Trampoline::new);

    private final String name;
    private final ThreadedCompletionExecutor fallback;
    private volatile IoManager ioManager;

    /**
     * Creates the executor and starts its fallback thread.
     *
     * @param name a prefix for the fallback thread's name
     */
    public DirectCompletionExecutor(String name) {
        this.name = Objects.requireNonNull(name, "name");
        this.fallback = new ThreadedCompletionExecutor(name + "-direct", 1);
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        Trampoline t = TRAMPOLINE.get();
        if (t.draining || t.adopted) {
            t.add(this, task);
            return;
        }
        if (fallback.isClosed()) {
            TaskRunner.run(task, ioManager); // never lose a late task
            return;
        }
        fallback.execute(new Runnable() {
            @Override
            public void run() {
                runAndDrain(task);
            }

            @Override
            public String toString() {
                return task.toString();
            }
        });
    }

    /** Runs {@code task} on this thread, then everything it (and what it runs) posted here. */
    private void runAndDrain(Runnable task) {
        Trampoline t = TRAMPOLINE.get();
        if (t.draining) {
            t.add(this, task);
            return;
        }
        t.draining = true;
        try {
            runOne(t, task);
            drain(t);
        } finally {
            t.draining = false;
        }
    }

    /** Runs one task. Never nested: it runs only while the thread drains, when every task posted queues. */
    private void runOne(Trampoline t, Runnable task) {
        if (t.running != this) {
            t.running = this;
        }
        t.inTask = true;
        try {
            TaskRunner.run(task, ioManager);
        } finally {
            t.inTask = false;
        }
    }

    private static void drain(Trampoline t) {
        Object next;
        while ((next = t.queue.pollFirst()) != null) {
            if (next instanceof DirectCompletionExecutor) {
                t.drainingFor = (DirectCompletionExecutor) next;
            } else {
                t.drainingFor.runOne(t, (Runnable) next);
            }
        }
    }

    /**
     * For transport implementations: declares the calling thread (a transport's own event thread, such as a
     * selector thread) a completion thread. Direct completions it produces are queued and run when it calls
     * {@link #runQueued()}, which it must do at a point where it holds no lock, soon after each readiness pass
     * or task (the NIO transport does it outside the selector after each select pass, and after a pass's ready key
     * once the pass moved 32 KiB or more). Other executors are not affected.
     */
    public static void adoptCurrentThread() {
        TRAMPOLINE.get().adopted = true;
    }

    /**
     * For transport implementations: {@link #adoptCurrentThread()}, and asks the callback watchdog to watch how long
     * each completion this thread runs holds it. When one holds it longer than its verifier's
     * {@link Verifier#transportHoldLimit()} (1 s by default), the watchdog calls {@code moveEventLoop} on its own
     * thread, once per routine, and reports {@link VerifierRule#TRANSPORT_THREAD_HELD}. The transport should then go
     * on on a new event thread (which adopts itself in turn) and let this one end when the routine returns; it must
     * run completions only outside its own thread-confined work (so the move never finds the old thread in the middle
     * of it) and return whether it moved.
     *
     * @param moveEventLoop moves the transport's event loop to a new thread; true when it did, false when it did not
     *                      (for example, the transport is closing)
     */
    public static void adoptCurrentThread(java.util.function.BooleanSupplier moveEventLoop) {
        Objects.requireNonNull(moveEventLoop, "moveEventLoop");
        TRAMPOLINE.get().adopted = true;
        TaskRunner.watchHolds(moveEventLoop, true);
    }

    /**
     * For transport implementations: runs the direct completions queued on the calling thread, and what they
     * post in turn, until none is left. Call it holding no lock. A no-op when nothing is queued or when called
     * from inside a completion.
     */
    public static void runQueued() {
        Trampoline t = TRAMPOLINE.get();
        if (t.draining || t.queue.isEmpty()) {
            return;
        }
        t.draining = true;
        try {
            drain(t);
        } finally {
            t.draining = false;
        }
    }

    @Override
    public ScheduledTask schedule(Duration delay, Runnable task) {
        Objects.requireNonNull(task, "task");
        return fallback.schedule(delay, () -> runAndDrain(task)); // due: runs on the fallback thread
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    /** True while the calling thread runs one of this executor's tasks. */
    @Override
    public boolean inExecutorThread() {
        Trampoline t = TRAMPOLINE.get();
        return t.inTask && t.running == this;
    }

    @Override
    public void bindIoManager(IoManager manager) {
        this.ioManager = manager;
        fallback.bindIoManager(manager);
        if (manager != null) {
            manager.kernel().attachExecutor(this); // after the fallback's own attach: this executor is the kernel's
        }
    }

    /** Stops the fallback thread after its queued tasks ran; timers not yet fired are dropped. Idempotent. */
    @Override
    public void close() {
        fallback.close();
    }

    @Override
    public String toString() {
        return "DirectCompletionExecutor[" + name + (fallback.isClosed() ? ", closed" : "") + "]";
    }
}
