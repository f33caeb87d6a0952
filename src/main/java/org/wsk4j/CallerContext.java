package org.wsk4j;

import java.util.ArrayDeque;
import org.wsk4j.internal.CompletionThread;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.InlineCompletion;
import org.wsk4j.nt.IoManager;

/**
 * Completion in the caller's context: the per-thread record of the WSK calls a driver thread is inside, and of the
 * completions that became ready during the outermost one, which run on that thread when the call's work is done,
 * before it returns (as {@code IoCompleteRequest} runs completion routines in the caller's context on Windows).
 *
 * <p>How it works. The dispatch preamble {@link #enter enters} every WSK call with an IRP and {@link #exit exits} it
 * after the call's work is done (its socket lock released, the call no longer counted on its socket). When the call
 * is the outermost one on the thread and {@link Completions#inCallerContext} allows it, the context is <em>open</em>:
 * a socket serial queue that goes from idle to scheduled during the call ({@link SerialQueue#post}) hands its drain
 * to the context instead of the completion executor, and so does a client-level completion
 * ({@link Completions#later}). On exit the context runs what it was handed, in order, on the calling thread, then the
 * call returns STATUS_PENDING as before. So:
 * <ul>
 *   <li>a routine runs only after the call's body returned, with no provider lock held;</li>
 *   <li>routines never nest: WSK calls they make are not outermost, so what those calls complete is handed to the
 *       context too (or queues behind the drain running here, for the same socket) and runs after the routine
 *       returned, a trampoline as in the direct executor; so a completion never runs while the call that produced
 *       it is still inside the provider. Up to {@link #MAX_TASKS} tasks per outermost call, then the executor;</li>
 *   <li>order per socket is kept: only an idle serial queue is taken over (its drain runs here, and whatever other
 *       threads post to it meanwhile queues behind), never a queue whose drain is scheduled elsewhere;</li>
 *   <li>a routine that throws is recorded and logged as on an executor thread, one that blocks is timed by the
 *       callback watchdog ({@link InlineCompletion#runInCallerContext}).</li>
 * </ul>
 *
 * <p>Threading: one context per thread, used by that thread only. wsk4j's own threads (executor workers, the
 * selector thread: {@link CompletionThread}) never get one: a WSK call made there comes from a routine or callback
 * and completes through the queues, so on them {@link #enter} and {@link #defer} cost a type check and no
 * thread-local lookup. Nor do the calls of a subsystem whose completions never run in the caller's context (the
 * simulation's manual executor, or the setting turned off: {@link Completions#inCallerContext}): {@link #enter}
 * returns null for them, and {@link #defer} for an executor no context ever opens for
 * ({@link WskSubsystem#allowsCallerContext}) returns false at once. Such a call needs no depth either: it runs no
 * user code before it returns (its completions and callbacks go to its executor), so no other subsystem's call can
 * start inside it. So a context enter returns is always opened by its outermost call.
 */
final class CallerContext {

    private static final ThreadLocal<CallerContext> CURRENT = ThreadLocal.withInitial(CallerContext::new);

    /** WSK calls with an IRP this thread is inside now. */
    private int depth;
    /**
     * The most tasks (serial-queue drains, client-level completions) one outermost call runs on its thread before it
     * returns; past that, completions go to the executor, so a driver whose routines keep issuing calls that complete
     * at once gets its thread back.
     */
    static final int MAX_TASKS = 64;

    /** Completions ready during the outermost call run on exit, on this thread (see {@link #enter}). */
    private boolean open;
    /** The outermost call's exit is running what was handed over. */
    private boolean draining;
    /** The executor of the subsystem of the outermost call: only its completions are taken over. */
    private CompletionExecutor executor;
    private IoManager ioManager;
    /** What was handed over, in order: usually one task, so the first is kept apart from the rest. */
    private Runnable first;
    private ArrayDeque<Runnable> more;

    private CallerContext() {
    }

    /**
     * A WSK call with an IRP starts on this thread. Returns the context to {@link #exit} when the call's work is
     * done, or null (nothing to exit) on a wsk4j thread or for a subsystem whose completions never run in the
     * caller's context.
     */
    static CallerContext enter(WskSubsystem subsystem) {
        if (!Completions.inCallerContext(subsystem) || Thread.currentThread() instanceof CompletionThread) {
            return null; // no context opens for this subsystem's calls (the simulation's, or turned off)
        }
        CallerContext context = CURRENT.get();
        if (context.depth++ == 0) {
            context.open = true;
            context.executor = subsystem.executor();
            context.ioManager = subsystem.ioManager();
        }
        return context;
    }

    /**
     * The call entered last returned its status (its lock released). For the outermost call: runs what was handed
     * over meanwhile, on this thread, before the call returns; and, as a trampoline, what the routines it runs hand
     * over in turn through the calls they make (each after the routine that made the call returned, so routines
     * never nest and a completion never runs while the call that produced it is still inside the provider), up to
     * {@link #MAX_TASKS} tasks, after which further completions go to the executor.
     */
    void exit() {
        if (depth > 1) {
            depth--;
            return;
        }
        try { // the outermost call of a context enter opened: open until the drain hands over to the executor
            draining = true;
            IoManager manager = ioManager;
            Runnable task;
            for (int ran = 0; (task = next()) != null; ) {
                if (++ran == MAX_TASKS) {
                    open = false; // enough on the caller's thread: what comes next goes to the executor
                }
                InlineCompletion.runInCallerContext(task, manager);
            }
        } finally {
            depth = 0;
            open = false;
            draining = false;
            executor = null;
            ioManager = null;
            first = null;
            if (more != null) {
                more.clear();
            }
        }
    }

    /** The next task handed over, in the order they were. */
    private Runnable next() {
        Runnable task = first;
        if (task != null) {
            first = null;
            return task;
        }
        return more == null ? null : more.pollFirst();
    }

    /**
     * Hands a completion task of {@code target} to the calling thread's open context, when there is one for that
     * executor: it then runs when the outermost call exits. Returns false when the caller must post it as before.
     */
    static boolean defer(CompletionExecutor target, Runnable task) {
        if (!WskSubsystem.allowsCallerContext(target) || Thread.currentThread() instanceof CompletionThread) {
            return false; // no context is ever open for that executor (the simulation's), or this is a wsk4j thread
        }
        CallerContext context = CURRENT.get();
        if (!context.open || context.executor != target) {
            return false;
        }
        if (context.first == null && (context.more == null || context.more.isEmpty())) {
            context.first = task;
        } else {
            if (context.more == null) {
                context.more = new ArrayDeque<>(4);
            }
            context.more.addLast(task);
        }
        return true;
    }

    /** Whether the calling thread runs completions in a WSK caller's context now (or is about to, on exit). */
    static boolean runningInCallerContext() {
        if (Thread.currentThread() instanceof CompletionThread) {
            return false;
        }
        return CURRENT.get().draining;
    }
}
