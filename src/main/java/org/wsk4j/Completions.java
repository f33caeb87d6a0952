package org.wsk4j;

import java.util.concurrent.Executor;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.InlineCompletion;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Schedule;

/**
 * The provider's completion vocabulary: the one place that writes the status block of an IRP a WSK function accepted
 * and decides whether it completes inline or later. Every helper of the provider (failNow, fail, completeLater,
 * completeSoon, controlDone, a pending operation's finish, the close) goes through these methods.
 *
 * <ul>
 *   <li>{@link #record}: the final status and Information, decided here: an Information object (a socket, for
 *       WskSocket, WskSocketConnect and WskAccept) when there is one, else the byte count or, for
 *       STATUS_BUFFER_OVERFLOW, the size needed (the size-query convention); the caller passes 0 when there is
 *       nothing to report.</li>
 *   <li>{@link #inline}: a failure detected at once: completed before the call returns (its routine runs on the
 *       caller's thread) and the failure returned; past {@link InlineCompletion#MAX_DEPTH} nested inline
 *       completions, marked pending and posted instead (STATUS_PENDING returned).</li>
 *   <li>{@link #later}: everything else: marked pending, completed by a task posted to {@code target} (the
 *       socket's serial queue, or the completion executor for client-level requests); STATUS_PENDING
 *       returned, even when the operation finished at once (as observed on Windows); exploring schedules, the routine
 *       may run inline before that return (both are legal).</li>
 *   <li>{@link #failure}: a failure after the IRP was accepted: {@link #later} or {@link #inline}, as the function
 *       reports failures ({@link WskFunction#failurePends}; the table is in docs/mapping.md).</li>
 * </ul>
 *
 * <p><b>Completion in the caller's context.</b> When the operation finished during the call (a loopback connect, a
 * send the kernel took whole, a receive with data already there) and the caller is the outermost WSK call on a
 * driver thread, the completion posted by {@link #later} (or by a pending operation's finish, through the socket's
 * serial queue) does not wait for an executor thread: it runs on the calling thread when the call's work is done,
 * before STATUS_PENDING is returned ({@link CallerContext}). {@link #inCallerContext} is the one place that decides
 * whether a call may complete so.
 *
 * <p>Threading: any thread; the IRP must be owned by the provider (accepted, not yet completed).
 */
final class Completions {

    private Completions() {
    }

    /** Writes the final status and Information of an IRP about to complete. */
    static void record(Irp irp, NtStatus status, long information, Object informationObject) {
        irp.ioStatus().setStatus(status);
        if (informationObject != null) {
            irp.ioStatus().setInformationObject(informationObject);
        } else {
            irp.ioStatus().setInformation(information);
        }
    }

    /**
     * Completes an accepted IRP with a failure detected at once: inline when the thread's nesting depth allows.
     *
     * @return {@code status}, or STATUS_PENDING when the completion had to be posted to {@code executor}
     */
    static NtStatus inline(Irp irp, NtStatus status, long information, CompletionExecutor executor) {
        record(irp, status, information, null);
        return InlineCompletion.completeOrPost(irp, executor) ? status : NtStatus.STATUS_PENDING;
    }

    /**
     * Completes an accepted IRP with a failure, as the function that accepted it reports failures (the function is
     * the IRP's DriverContext while WSK owns it): {@link #later} for a function whose {@link WskFunction#failurePends}
     * (WskBind, as observed on Windows), else {@link #inline}. The one place that makes this choice.
     *
     * @param providerLock the socket lock the caller may hold, or null (see {@link #later})
     * @return {@code status}, or STATUS_PENDING
     */
    static NtStatus failure(Irp irp, NtStatus status, long information, CompletionExecutor executor,
                            Executor later, Object providerLock) {
        if (irp.driverContext() instanceof WskFunction function && function.failurePends) {
            return later(irp, status, information, null, later, providerLock);
        }
        return inline(irp, status, information, executor);
    }

    /**
     * Completes an accepted IRP asynchronously: marks it pending, records the result and posts its completion. When
     * the test explores schedules, the schedule may instead complete it inline, before STATUS_PENDING is returned
     * (see {@link Schedule#completeInline}): never with {@code providerLock} held.
     *
     * @param providerLock the socket lock the caller may hold, or null
     * @return STATUS_PENDING
     */
    static NtStatus later(Irp irp, NtStatus status, long information, Object informationObject, Executor target,
                          Object providerLock) {
        if (!pendedInline(irp, status, information, informationObject, providerLock)) {
            target.execute(new CompleteIrp(irp));
        }
        return NtStatus.STATUS_PENDING;
    }

    /**
     * {@link #later} for a client-level request, completed by a task of the completion executor: in the caller's
     * context when the calling thread has an open one for that executor ({@link CallerContext#defer}).
     *
     * @return STATUS_PENDING
     */
    static NtStatus later(Irp irp, NtStatus status, Object informationObject, CompletionExecutor executor) {
        if (!pendedInline(irp, status, 0, informationObject, null)) {
            Runnable completion = new CompleteIrp(irp);
            if (!CallerContext.defer(executor, completion)) {
                executor.execute(completion);
            }
        }
        return NtStatus.STATUS_PENDING;
    }

    /**
     * Marks the IRP pending and records its result; then, when the test explores schedules and the schedule chooses
     * so, completes it at once: the routine runs before the call returns STATUS_PENDING (legal on Windows: another
     * processor completes it). {@link Schedule#completeInline} allows that only for the outermost call, holding no
     * provider lock. The exploration's "inline or later" choice point.
     *
     * @return true when the IRP was completed here
     */
    private static boolean pendedInline(Irp irp, NtStatus status, long information, Object informationObject,
                                        Object providerLock) {
        Io.markIrpPending(irp);
        record(irp, status, information, informationObject);
        if (Schedule.completeInline(irp.driverContext(), providerLock)) {
            Io.completeRequest(irp);
            return true;
        }
        return false;
    }

    /**
     * Whether completions that become ready during an outermost WSK call to {@code subsystem} run in the caller's
     * context, on the calling thread before the call returns (true), or are posted to the completion executor as
     * for every other completion (false). Decided once per outermost call, when it starts; the one place where this
     * choice is made. Today: the subsystem's setting ({@link WskSubsystem.Builder#completionInCallerContext}), on by
     * default with the threaded and the direct executor, off with the manual executor (the simulated network's and
     * the tests' deterministic order: nothing runs until the test runs it).
     */
    static boolean inCallerContext(WskSubsystem subsystem) {
        return subsystem.completesInCallerContext();
    }

    /**
     * The task that completes an IRP later (IoCompleteRequest). It is a {@link SerialQueue} node itself, so posting it
     * to a socket's queue allocates nothing more; it drops the IRP once it ran (the queue keeps its last node).
     */
    private static final class CompleteIrp extends SerialNode {
        private Irp irp;

        CompleteIrp(Irp irp) {
            this.irp = irp;
        }

        @Override
        public void run() {
            Irp current = irp;
            irp = null;
            Io.completeRequest(current);
        }

        @Override
        public String toString() {
            return "IoCompleteRequest(" + irp + ")";
        }
    }
}
