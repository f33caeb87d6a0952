package org.wsk4j.nt;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JJJ_Result;

/**
 * The live-IRP count derived from three counters (issue 17 session 9: live = attempts - failures - freed, no live
 * counter of its own): one thread allocates and frees an IRP, then frees the IRP the state allocated first, while
 * another reads the count. The reader reads freed before attempts, so it never counts a free without its allocation:
 * it sees 0, 1 or 2 (one IRP allocated before, at most one more now), never less than nothing or more than was
 * allocated; once all is done the count is 0 and the statistics agree (allocated - freed = live). Two actors: jcstress
 * runs a test only when it has a CPU per actor.
 */
@JCStressTest
@Outcome(id = {"0, 0, 1", "1, 0, 1", "2, 0, 1"}, expect = ACCEPTABLE, desc = "a count between what was and is live")
@Outcome(expect = FORBIDDEN, desc = "a count out of range, or the counters disagree once all is done")
@State
public class IrpLiveCountStress {

    final IoManager manager = IoManager.create("stress");
    final Irp first;

    public IrpLiveCountStress() {
        manager.verifier().setStackCapture(Verifier.StackCapture.OFF);
        manager.setTrackLiveIrps(false);
        try (IoManager.Binding bound = manager.bindToCurrentThread()) {
            first = Io.allocateIrp(1, false);
        }
    }

    @Actor
    public void allocateAndFree() {
        try (IoManager.Binding bound = manager.bindToCurrentThread()) {
            Io.freeIrp(Io.allocateIrp(1, false));
        }
        Io.freeIrp(first);
    }

    @Actor
    public void read(JJJ_Result r) {
        r.r1 = manager.liveIrpCount();
    }

    @Arbiter
    public void arbiter(JJJ_Result r) {
        IoManager.IrpStatistics statistics = manager.statistics();
        r.r2 = manager.liveIrpCount() + statistics.live();
        r.r3 = statistics.allocated() - statistics.freed() == statistics.live() && statistics.freed() == 2 ? 1 : 0;
    }
}
