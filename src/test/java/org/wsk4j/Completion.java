package org.wsk4j;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/**
 * Test support (shared by the provider, simulation and conformance tests): an IRP from Io.allocateIrp(1, false) whose completion routine records what it saw, counts
 * how often it ran, and frees the IRP (returning STATUS_MORE_PROCESSING_REQUIRED), as a WSK client should.
 */
public final class Completion {

    public final Irp irp;
    public final AtomicInteger runs = new AtomicInteger();
    public volatile NtStatus status;
    public volatile long information;
    public volatile Object informationObject;
    public volatile boolean pendingReturned;
    /** When the routine ran, on a counter shared by every Completion: orders completions; 0 until it ran. */
    public volatile long sequence;
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Set by the completion routine, for tests that wait the way a driver does. */
    public final KEvent signaled = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

    /** Allocates the IRP and sets the recording routine. */
    public Completion() {
        irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, completed, context) -> {
            status = completed.ioStatus().status();
            information = completed.ioStatus().information();
            informationObject = completed.ioStatus().informationObject();
            pendingReturned = completed.pendingReturned();
            sequence = SEQUENCE.incrementAndGet();
            runs.incrementAndGet();
            Io.freeIrp(completed);
            signaled.set();
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
    }

    /**
     * Tells whether the routine ran.
     *
     * @return true after the completion
     */
    public boolean done() {
        return runs.get() > 0;
    }

    /**
     * The socket in Information, for WskSocket, WskSocketConnect and WskAccept.
     *
     * @return the socket
     */
    public WskSocket socket() {
        return (WskSocket) informationObject;
    }
}
