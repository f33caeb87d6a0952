package org.wsk4j;

import java.util.concurrent.atomic.AtomicBoolean;
import org.wsk4j.nt.Irp;

/** One accepted IRP that is pending in the provider; completed exactly once (first finisher wins). */
final class PendingOp {

    final Irp irp;
    final String kind;
    private final AtomicBoolean finished = new AtomicBoolean();

    PendingOp(Irp irp, String kind) {
        this.irp = irp;
        this.kind = kind;
    }

    boolean tryFinish() {
        return finished.compareAndSet(false, true);
    }

    boolean isFinished() {
        return finished.get();
    }

    @Override
    public String toString() {
        return kind + " IRP#" + irp.id();
    }
}
