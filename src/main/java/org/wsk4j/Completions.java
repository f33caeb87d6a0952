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
 * and decides whether it completes inline or later. Every helper of the provider (failNow, completeLater,
 * completeSoon, controlDone, a pending operation's finish, the close) goes through these three methods.
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
 * </ul>
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
     * Completes an accepted IRP asynchronously: marks it pending, records the result and posts its completion. When
     * the test explores schedules, the schedule may instead complete it inline, before STATUS_PENDING is returned
     * (see {@link Schedule#completeInline}): never with {@code providerLock} held.
     *
     * @param providerLock the socket lock the caller may hold, or null
     * @return STATUS_PENDING
     */
    static NtStatus later(Irp irp, NtStatus status, long information, Object informationObject, Executor target,
                          Object providerLock) {
        Io.markIrpPending(irp);
        record(irp, status, information, informationObject);
        // Exploring schedules, the routine may run before the call returns STATUS_PENDING (legal on Windows: another
        // processor completes it); Schedule checks the call is the outermost one and holds no provider lock.
        if (Schedule.completeInline(irp.driverContext(), providerLock)) {
            Io.completeRequest(irp);
        } else {
            target.execute(() -> Io.completeRequest(irp));
        }
        return NtStatus.STATUS_PENDING;
    }
}
