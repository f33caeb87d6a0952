package org.wsk4j.nt;

import org.wsk4j.internal.FastLocal;

/**
 * Bounds how deeply completions may nest on one thread's stack.
 *
 * <p>A WSK call that fails at once completes its IRP inline, before it returns; the completion routine
 * may issue another call that fails at once, and so on. Like the JDK's {@code sun.nio.ch.Invoker}
 * ({@code maxCompletionHandlersOnStack}), wsk4j allows this only up to {@link #MAX_DEPTH} nested
 * completions per thread; past that, the IRP is marked pending, STATUS_PENDING is returned, and the
 * completion is posted to the completion executor instead. Both outcomes are legal WSK behaviour.
 *
 * <p>The limit is read once from the system property {@code org.wsk4j.maxCompletionsOnStack}
 * (default 16). All methods act on the calling thread only.
 */
public final class InlineCompletion {

    /** The maximum number of nested inline completions on one thread. */
    public static final int MAX_DEPTH = Math.max(1, Integer.getInteger("org.wsk4j.maxCompletionsOnStack", 16));

    private static final FastLocal<int[]> DEPTH = new FastLocal<>(() -> new int[1]);

    private InlineCompletion() {
    }

    /**
     * Returns the calling thread's current nesting depth.
     *
     * @return 0 outside any inline completion
     */
    public static int depth() {
        return DEPTH.get()[0];
    }

    /**
     * Completes an IRP owned by the caller: inline (running the completion routines before returning)
     * when the thread's nesting depth allows it, otherwise marks the IRP pending and posts its
     * completion to {@code executor}.
     *
     * @param irp      the IRP, with its final status already in its status block
     * @param executor where to post the completion when it cannot run inline
     * @return true when the IRP was completed inline; false when it was marked pending and posted (the
     *         caller must then return STATUS_PENDING)
     */
    public static boolean completeOrPost(Irp irp, CompletionExecutor executor) {
        int[] depth = DEPTH.get();
        if (depth[0] >= MAX_DEPTH) {
            Io.markIrpPending(irp);
            executor.execute(() -> Io.completeRequest(irp));
            return false;
        }
        depth[0]++;
        try {
            Io.completeRequest(irp);
        } finally {
            depth[0]--;
        }
        return true;
    }

    /**
     * For the provider: runs, on the calling thread, completions that became ready during a WSK call, after the
     * call's work is done and before it returns (a completion in the caller's context, as {@code IoCompleteRequest}
     * runs routines on Windows). It runs like an executor task: {@code ioManager} is current, what the task throws
     * is recorded and logged, the callback watchdog times it, and it must return at the IRQL it started at (the
     * caller's; a task that returns at another is reported as {@link VerifierRule#IRQL_BAD_TRANSITION} and the thread
     * is put back at the caller's IRQL).
     *
     * @param task      the completion task (a socket's serial-queue drain, or one completion)
     * @param ioManager the I/O manager of the subsystem the call went to
     */
    public static void runInCallerContext(Runnable task, IoManager ioManager) {
        TaskRunner.run(task, ioManager, Ke.getCurrentIrql());
    }
}
