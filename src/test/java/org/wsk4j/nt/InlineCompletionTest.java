package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class InlineCompletionTest extends IrpTestSupport {

    private static final int CALLS = 1_000;

    private final ManualCompletionExecutor executor = new ManualCompletionExecutor();
    private final NtStatus[] returned = new NtStatus[CALLS];
    private final boolean[] pendingReturned = new boolean[CALLS];
    private final AtomicIntegerArray completions = new AtomicIntegerArray(CALLS);
    private int maxDepth;

    /** A lower driver that completes every request at once, inline or posted. */
    private final DeviceObject device = DeviceObject.create("\\Device\\Immediate", 1, (dev, irp) -> {
        complete(irp, NtStatus.STATUS_SUCCESS);
        return NtStatus.STATUS_SUCCESS;
    });

    private final DeviceObject inlineDevice = DeviceObject.create("\\Device\\Inline", 1, (dev, irp) -> {
        irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS).setInformation(0);
        return InlineCompletion.completeOrPost(irp, executor) ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_PENDING;
    });

    /** Issues call {@code i}; its completion routine issues call {@code i + 1} from inside. */
    private void issue(int i) {
        Irp irp = allocate(1);
        Io.setCompletionRoutine(irp, this::completed, i, true, true, true);
        returned[i] = Io.callDriver(inlineDevice, irp);
    }

    private NtStatus completed(DeviceObject dev, Irp irp, Object context) {
        int i = (Integer) context;
        completions.incrementAndGet(i);
        pendingReturned[i] = irp.pendingReturned();
        maxDepth = Math.max(maxDepth, InlineCompletion.depth());
        Io.freeIrp(irp);
        if (i + 1 < CALLS) {
            issue(i + 1);
        }
        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
    }

    @Test
    void reissuingFromTheCompletionRoutineIsBoundedAndPostsPastTheLimit() {
        executor.bindIoManager(io);

        issue(0);

        // Calls 0 .. MAX_DEPTH-1 completed inline, nested; call MAX_DEPTH was posted.
        assertEquals(InlineCompletion.MAX_DEPTH, countCompleted());
        assertSame(NtStatus.STATUS_PENDING, returned[InlineCompletion.MAX_DEPTH]);
        assertEquals(1, executor.pendingCount());
        assertEquals(0, InlineCompletion.depth());

        executor.runPending();

        int posted = 0;
        for (int i = 0; i < CALLS; i++) {
            assertEquals(1, completions.get(i), "call " + i);
            boolean wasPosted = returned[i] == NtStatus.STATUS_PENDING;
            assertTrue(wasPosted || returned[i] == NtStatus.STATUS_SUCCESS, "call " + i + ": " + returned[i]);
            assertEquals(wasPosted, pendingReturned[i], "PendingReturned of call " + i);
            posted += wasPosted ? 1 : 0;
        }
        assertTrue(posted > 0, "some calls were posted");
        assertTrue(posted < CALLS, "some calls completed inline");
        assertTrue(maxDepth <= InlineCompletion.MAX_DEPTH, "max depth " + maxDepth);
        assertEquals(InlineCompletion.MAX_DEPTH, maxDepth, "the limit was reached");
        assertEquals(List.of(), io.routineFailures());
        assertRecorded();
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void completionBelowTheLimitRunsInlineAndDepthIsRestored() {
        Irp irp = allocate(1);
        RecordingRoutine routine = new RecordingRoutine(NtStatus.STATUS_MORE_PROCESSING_REQUIRED,
                i -> maxDepth = InlineCompletion.depth()).setOn(irp);
        handDown(irp);
        irp.ioStatus().setStatus(NtStatus.STATUS_SUCCESS);

        assertTrue(InlineCompletion.completeOrPost(irp, executor));

        assertEquals(1, routine.calls.get());
        assertEquals(1, maxDepth, "depth inside the inline completion");
        assertEquals(0, InlineCompletion.depth());
        assertEquals(0, executor.pendingCount());
        freeAndAssertNoLeaks(irp);
    }

    private int countCompleted() {
        int count = 0;
        for (int i = 0; i < CALLS; i++) {
            count += completions.get(i);
        }
        return count;
    }
}
