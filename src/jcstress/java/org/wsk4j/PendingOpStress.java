package org.wsk4j;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * A pending operation finishes exactly once (issue 15): completion and cancellation race to finish it, and exactly
 * one of them wins.
 */
@JCStressTest
@Outcome(id = {"true, false", "false, true"}, expect = ACCEPTABLE, desc = "exactly one finisher won")
@Outcome(expect = FORBIDDEN, desc = "finished twice, or never")
@State
public class PendingOpStress {

    final PendingOp op = new PendingOp(null, null, "stress");

    /** Creates the state: one pending operation. */
    public PendingOpStress() {
    }

    @Actor
    public void completer(ZZ_Result r) {
        r.r1 = op.tryFinish();
    }

    @Actor
    public void canceller(ZZ_Result r) {
        r.r2 = op.tryFinish();
    }
}
