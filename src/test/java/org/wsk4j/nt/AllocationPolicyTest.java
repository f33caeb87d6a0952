package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AllocationPolicyTest extends IrpTestSupport {

    /** Attempts {@code count} allocations, freeing each success; returns which attempts failed. */
    private boolean[] failurePattern(IrpAllocationPolicy policy, int count) {
        io.setIrpAllocationPolicy(policy);
        boolean[] failed = new boolean[count];
        for (int i = 0; i < count; i++) {
            Irp irp = Io.allocateIrp(1, false);
            failed[i] = irp == null;
            if (irp != null) {
                Io.freeIrp(irp);
            }
        }
        return failed;
    }

    @Test
    void failNthFailsExactlyTheGivenAttemptsAndStatisticsCountThem() {
        io.setIrpAllocationPolicy(IrpAllocationPolicy.failNth(3, 1));
        List<Irp> irps = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            irps.add(Io.allocateIrp(1, false));
        }

        assertNull(irps.get(0));
        assertNotNull(irps.get(1));
        assertNull(irps.get(2));
        assertNotNull(irps.get(3));
        assertNotNull(irps.get(4));
        Io.freeIrp(irps.get(1));
        assertEquals(new IoManager.IrpStatistics(5, 2, 3, 1, 0, 2, 3), io.statistics());

        freeAndAssertNoLeaks(irps.get(3), irps.get(4));
        IoManager.IrpStatistics done = io.statistics();
        assertEquals(3, done.freed());
        assertEquals(0, done.live());
        assertEquals(3, done.peakLive());
    }

    @Test
    void failNthCountsFromWhenThePolicyIsInstalled() {
        Irp before = allocate(1);
        io.setIrpAllocationPolicy(IrpAllocationPolicy.failNth(1));

        assertNull(Io.allocateIrp(1, false));
        Irp after = allocate(1);

        assertEquals(3, io.statistics().allocationAttempts());
        freeAndAssertNoLeaks(before, after);
    }

    @Test
    void alwaysFailsEveryAttemptAndNeverFailsNone() {
        boolean[] always = failurePattern(IrpAllocationPolicy.always(), 10);
        boolean[] never = failurePattern(IrpAllocationPolicy.never(), 10);

        boolean[] all = new boolean[10];
        Arrays.fill(all, true);
        assertArrayEquals(all, always);
        assertArrayEquals(new boolean[10], never);
        assertEquals(10, io.statistics().allocationFailures());
        assertEquals(10, io.statistics().allocated());
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void failWithProbabilityIsDeterministicPerSeed() {
        boolean[] first = failurePattern(IrpAllocationPolicy.failWithProbability(0.3, 42), 200);
        boolean[] again = failurePattern(IrpAllocationPolicy.failWithProbability(0.3, 42), 200);
        boolean[] other = failurePattern(IrpAllocationPolicy.failWithProbability(0.3, 43), 200);

        assertArrayEquals(first, again);
        assertFalse(Arrays.equals(first, other));
        int failures = 0;
        for (boolean f : first) {
            failures += f ? 1 : 0;
        }
        assertTrue(failures > 0 && failures < 200, "some attempts fail, not all: " + failures);
        assertEquals(0, io.liveIrpCount());
    }

    @Test
    void probabilityZeroAndOneAreTheExtremes() {
        boolean[] none = failurePattern(IrpAllocationPolicy.failWithProbability(0, 1), 20);
        boolean[] all = failurePattern(IrpAllocationPolicy.failWithProbability(1, 1), 20);

        assertArrayEquals(new boolean[20], none);
        for (boolean failed : all) {
            assertTrue(failed);
        }
    }

    @ParameterizedTest(name = "probability {0}")
    @ValueSource(doubles = {-0.1, 1.1, Double.NaN})
    void probabilityOutsideZeroToOneIsRejected(double probability) {
        assertThrows(IllegalArgumentException.class, () -> IrpAllocationPolicy.failWithProbability(probability, 1));
    }

    @Test
    void checkLeaksReportsEachUnfreedIrp() {
        io.verifier().setStackCapture(Verifier.StackCapture.ALWAYS);
        logOnly(VerifierRule.IRP_LEAKED);
        Irp freed = allocate(1);
        Irp leaked = allocate(1);
        Io.freeIrp(freed);

        assertEquals(1, io.checkLeaks());

        assertRecorded(VerifierRule.IRP_LEAKED);
        VerifierReport report = io.verifier().violations().get(0);
        assertTrue(report.message().contains("IRP#" + leaked.id()), report.message());
        assertFalse(report.message().contains("IRP#" + freed.id() + "["), report.message());
        assertNotNull(report.allocationSite());
        freeAndAssertNoLeaks(leaked);
        io.verifier().clearViolations();
        assertEquals(0, io.checkLeaks());
        assertRecorded();
    }

    @Test
    void liveIrpsListsExactlyTheUnfreedOnesAcrossSweepsAndThreads() throws Exception {
        // Many more allocations than a sweep's interval, freed in an order unlike the allocation order, some on
        // other threads: the live list always names exactly the IRPs not yet freed, oldest first.
        List<Irp> kept = new java.util.ArrayList<>();
        for (int i = 0; i < 10 * IoManager.MIN_SWEEP_INTERVAL; i++) {
            Irp irp = allocate(1);
            if (i % 7 == 3) {
                kept.add(irp);
            } else if (i % 2 == 0) {
                Io.freeIrp(irp);
            } else {
                Thread other = new Thread(() -> Io.freeIrp(irp));
                other.start();
                other.join();
            }
            assertEquals(kept.size(), io.liveIrpCount());
        }
        assertEquals(kept, io.liveIrps());
        for (int i = kept.size() - 1; i >= 0; i -= 2) { // the newest ones first
            Io.freeIrp(kept.remove(i));
        }
        for (int i = 0; i < 2 * IoManager.MIN_SWEEP_INTERVAL; i++) { // sweeps with the survivors in the middle
            Io.freeIrp(allocate(1));
        }
        assertEquals(kept, io.liveIrps());
        kept.forEach(Io::freeIrp);
        assertEquals(List.of(), io.liveIrps());
        assertEquals(0, io.checkLeaks());
    }

    @Test
    void trackingOffListsNothingAndForgetsWhatWasListed() {
        Irp before = allocate(1);
        io.setTrackLiveIrps(false);
        Irp after = allocate(1);

        assertEquals(List.of(), io.liveIrps());
        assertEquals(2, io.liveIrpCount());
        io.setTrackLiveIrps(true);
        Irp again = allocate(1);
        assertEquals(List.of(again), io.liveIrps());
        Io.freeIrp(before);
        Io.freeIrp(after);
        Io.freeIrp(again);
        assertEquals(List.of(), io.liveIrps());
    }

    @Test
    void checkLeaksThrowsInFailMode() {
        Irp leaked = allocate(1);

        VerifierError error = assertViolation(VerifierRule.IRP_LEAKED, io::checkLeaks);

        assertTrue(error.report().message().contains("IRP#" + leaked.id()));
        freeAndAssertNoLeaks(leaked);
    }

    @Test
    void checkLeaksCountsIrpsEvenWhenTrackingIsOff() {
        logOnly(VerifierRule.IRP_LEAKED);
        io.setTrackLiveIrps(false);
        Irp leaked = allocate(1);

        assertEquals(List.of(), io.liveIrps());
        assertEquals(1, io.checkLeaks());

        assertRecorded(VerifierRule.IRP_LEAKED);
        freeAndAssertNoLeaks(leaked);
    }

    @Test
    void liveIrpsListsUnfreedIrpsInAllocationOrder() {
        Irp a = allocate(1);
        Irp b = allocate(2);
        Irp c = allocate(3);
        Irp d = allocate(1);
        Io.freeIrp(b);

        assertEquals(List.of(a, c, d), io.liveIrps());
        assertTrue(a.id() < c.id() && c.id() < d.id());
        freeAndAssertNoLeaks(a, c, d);
        assertEquals(List.of(), io.liveIrps());
    }

    @Test
    void managersBoundOnDifferentThreadsAccountSeparately() throws InterruptedException {
        IoManager first = IoManager.create("first");
        IoManager second = IoManager.create("second");
        List<Irp> firstIrps = new ArrayList<>();
        List<Irp> secondIrps = new ArrayList<>();
        Thread one = allocatingThread(first, 2, firstIrps);
        Thread two = allocatingThread(second, 3, secondIrps);
        one.start();
        two.start();
        join(one);
        join(two);

        assertEquals(2, first.liveIrpCount());
        assertEquals(3, second.liveIrpCount());
        assertEquals(0, io.liveIrpCount());
        firstIrps.forEach(irp -> assertEquals(first, irp.ioManager()));
        secondIrps.forEach(irp -> assertEquals(second, irp.ioManager()));
        assertEquals(firstIrps, first.liveIrps());
        assertEquals(secondIrps, second.liveIrps());

        firstIrps.forEach(Io::freeIrp); // freeing accounts to the IRP's own manager, whatever is bound here
        secondIrps.forEach(Io::freeIrp);
        assertEquals(0, first.liveIrpCount());
        assertEquals(0, second.liveIrpCount());
        assertEquals(2, first.statistics().freed());
        assertEquals(3, second.statistics().freed());
    }

    private static Thread allocatingThread(IoManager manager, int count, List<Irp> into) {
        return new Thread(() -> {
            try (IoManager.Binding ignored = manager.bindToCurrentThread()) {
                for (int i = 0; i < count; i++) {
                    into.add(Io.allocateIrp(1, false));
                }
            }
        }, "allocating-" + manager.name());
    }
}
