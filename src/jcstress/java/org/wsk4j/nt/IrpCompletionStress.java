package org.wsk4j.nt;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * IRP ownership transitions (issue 15): two threads complete the same in-flight IRP. The IN_FLIGHT to COMPLETING
 * transition admits one: the completion routine runs exactly once, and the other completion is reported as
 * IRP_MULTIPLE_COMPLETE (the verifier is in mode LOG here, so nobody throws).
 */
@JCStressTest
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "one completion ran the routine, the other was reported")
@Outcome(expect = FORBIDDEN, desc = "the routine ran twice or never, or the double completion went unreported")
@State
public class IrpCompletionStress {

    /** One manager per state: jcstress runs many states at once, and each counts its own violations. */
    final IoManager manager = IoManager.create("stress");
    final AtomicInteger routineRuns = new AtomicInteger();
    final Irp irp;

    public IrpCompletionStress() {
        manager.verifier().setMode(VerifierRule.IRP_MULTIPLE_COMPLETE, Verifier.Mode.LOG);
        manager.verifier().setStackCapture(Verifier.StackCapture.OFF);
        try (IoManager.Binding bound = manager.bindToCurrentThread()) {
            irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                routineRuns.incrementAndGet();
                return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            Io.setNextIrpStackLocation(irp); // handed to a "driver": in flight
            irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS);
        }
    }

    @Actor
    public void first() {
        Io.completeRequest(irp);
    }

    @Actor
    public void second() {
        Io.completeRequest(irp);
    }

    @Arbiter
    public void arbiter(II_Result r) {
        r.r1 = routineRuns.get();
        r.r2 = manager.verifier().violations().size();
        Io.freeIrp(irp);
    }
}
