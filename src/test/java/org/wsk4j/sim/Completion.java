package org.wsk4j.sim;

import org.wsk4j.WskSocket;

import java.util.concurrent.atomic.AtomicInteger;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/**
 * Test support: an IRP from Io.allocateIrp(1, false) whose completion routine records what it saw, counts
 * how often it ran, and frees the IRP (returning STATUS_MORE_PROCESSING_REQUIRED), as a WSK client should.
 */
final class Completion {

    final Irp irp;
    final AtomicInteger runs = new AtomicInteger();
    volatile NtStatus status;
    volatile long information;
    volatile Object informationObject;
    volatile boolean pendingReturned;
    /** Set by the completion routine, for tests that wait the way a driver does. */
    final KEvent signaled = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

    Completion() {
        irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, completed, context) -> {
            status = completed.ioStatus().status();
            information = completed.ioStatus().information();
            informationObject = completed.ioStatus().informationObject();
            pendingReturned = completed.pendingReturned();
            runs.incrementAndGet();
            Io.freeIrp(completed);
            signaled.set();
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
    }

    boolean done() {
        return runs.get() > 0;
    }

    WskSocket socket() {
        return (WskSocket) informationObject;
    }
}
