package org.wsk4j;

import java.util.concurrent.atomic.AtomicBoolean;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.MdlClaim;

/** One accepted IRP that is pending in the provider; completed exactly once (first finisher wins). */
final class PendingOp {

    final Irp irp;
    final String kind;
    private final AtomicBoolean finished = new AtomicBoolean();
    /** The bytes this operation uses, released when it finishes; null when none (or not tracked). */
    MdlClaim claim;

    PendingOp(Irp irp, String kind) {
        this.irp = irp;
        this.kind = kind;
    }

    boolean tryFinish() {
        if (!finished.compareAndSet(false, true)) {
            return false;
        }
        MdlClaim used = claim;
        if (used != null) {
            used.release(); // the provider is done with the bytes: the driver may free them from here on
        }
        return true;
    }

    boolean isFinished() {
        return finished.get();
    }

    @Override
    public String toString() {
        return kind + " IRP#" + irp.id();
    }
}
