package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.sim.SimNetwork;

/**
 * The test thread is adopted as a driver thread by the simulated kernel it first blocks in. When it blocks in a second
 * network's kernel for a while (that network's subsystem bound to it) and comes back, it is the same driver thread of
 * the first kernel again. (It used to be adopted anew, while the first adoption still held the processor: the next
 * blocking call failed with "called into the simulated kernel while driver thread main runs".)
 */
@WskTest
class KernelAdoptionTest {

    @Test
    void testThreadReturnsToItsKernelAfterBlockingInAnotherNetwork(ManualCompletionExecutor executor) {
        assertEquals(STATUS_SUCCESS, Ke.delayExecutionThread(KernelMode, false, -10_000_000L)); // 1 virtual second
        KThread adopted = Ps.getCurrentThread();
        assertNotNull(adopted);

        SimNetwork other = SimNetwork.create(7);
        try (WskSubsystem wsk = other.newSubsystem(); IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            assertEquals(STATUS_SUCCESS, Ke.delayExecutionThread(KernelMode, false, -20_000_000L));
            assertNotSame(adopted, Ps.getCurrentThread(), "a driver thread of the other kernel");
            assertEquals(Duration.ofSeconds(2), other.executor().now());
        } finally {
            other.executor().close();
        }

        assertEquals(STATUS_SUCCESS, Ke.delayExecutionThread(KernelMode, false, -10_000_000L));
        assertSame(adopted, Ps.getCurrentThread(), "the same driver thread as before");
        KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        assertEquals(STATUS_TIMEOUT, Ke.waitForSingleObject(event, Executive, KernelMode, false, -5_000_000L));
        assertEquals(Duration.ofMillis(2500), executor.now(), "only this network's waits moved its clock");
    }
}
