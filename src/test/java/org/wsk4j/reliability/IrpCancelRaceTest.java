package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;

/**
 * A jcstress-style stress test of the IRP completion/cancel race at the kernel-primitive level: per batch, one
 * thread plays the lower driver (arms a cancel routine with the IoSetCancelRoutine-then-check pattern, then
 * completes the IRP after clearing the routine) and two threads call IoCancelIrp on the same IRPs, all released
 * at one start line (CyclicBarrier), with seeded spins so the calls meet at every offset: before the routine is
 * armed, between arming and completion, during completion, after it. Per IRP: the completion routine ran exactly
 * once; the cancel routine ran at most once, only when an IoCancelIrp returned TRUE, at DISPATCH_LEVEL; the status
 * is STATUS_CANCELLED exactly when a cancel won; the Cancel flag is set. Batches:
 * {@code -Dwsk4j.race.batches} (CI 1,000 x 64 IRPs; the full report 20,000). In half the batches the
 * cancellers chase the driver (each cancels an IRP only once it is armed), which makes the cancel routine win often.
 */
class IrpCancelRaceTest {

    static final int BATCHES = Reliability.size("wsk4j.race.batches", 1_000);
    static final int BATCH = 64;

    static final class Subject {
        final Irp irp;
        final AtomicInteger routineRuns = new AtomicInteger();
        final AtomicInteger cancelRoutineRuns = new AtomicInteger();
        final AtomicInteger cancelReturnedTrue = new AtomicInteger();
        final AtomicReference<Irql> cancelIrql = new AtomicReference<>();
        volatile NtStatus status;
        volatile boolean driverSawCancelWhenArming;

        Subject() {
            irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                status = completed.ioStatus().status();
                routineRuns.incrementAndGet();
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            assertTrue(Io.setNextIrpStackLocation(irp), "handed down to the (test) driver");
        }

        void completeAsCancelled() {
            irp.ioStatus().setStatus(STATUS_CANCELLED).setInformation(0);
            Io.completeRequest(irp);
        }

        /** The driver side: arm, then complete with success unless a cancel took the IRP. */
        void arm() {
            Io.setCancelRoutine(irp, (device, cancelled) -> {
                cancelIrql.set(Ke.getCurrentIrql());
                cancelRoutineRuns.incrementAndGet();
                completeAsCancelled();
            });
            if (irp.cancel() && Io.setCancelRoutine(irp, null) != null) {
                driverSawCancelWhenArming = true; // cancelled before the routine was set: complete it ourselves
                completeAsCancelled();
            }
        }

        void complete() {
            if (driverSawCancelWhenArming) {
                return;
            }
            if (Io.setCancelRoutine(irp, null) != null) {
                irp.ioStatus().setStatus(STATUS_SUCCESS).setInformation(0);
                Io.completeRequest(irp);
            } // else the cancel routine is running (or ran) and completes it
        }
    }

    @Test
    void completionAndCancelRaceCompletesEachIrpExactlyOnce() throws Exception {
        long seed = Reliability.seed(0x1C4_2026L);
        SplittableRandom random = new SplittableRandom(seed);
        IoManager io = IoManager.create("IrpCancelRaceTest");
        AtomicLong byDriver = new AtomicLong();
        AtomicLong byCancelRoutine = new AtomicLong();
        AtomicLong byDriverAtArming = new AtomicLong();
        long start = System.nanoTime();
        try (IoManager.Binding ignored = io.bindToCurrentThread()) {
            CyclicBarrier line = new CyclicBarrier(3);
            Subject[][] batch = new Subject[1][];
            int[][] spins = new int[3][BATCH];
            AtomicInteger armed = new AtomicInteger(); // in "chase" batches the cancellers follow the driver
            boolean[] chase = new boolean[1];
            int[] headStart = new int[3]; // per batch and thread: who starts first varies (wake-up skew is ~50 us)
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] cancellers = new Thread[2];
            for (int t = 0; t < 2; t++) {
                int index = t + 1;
                cancellers[t] = new Thread(() -> {
                    try (IoManager.Binding b = io.bindToCurrentThread()) {
                        for (int n = 0; n < BATCHES; n++) {
                            line.await(30, TimeUnit.SECONDS);
                            Subject[] subjects = batch[0];
                            RaceSupport.spin(headStart[index]);
                            for (int i = 0; i < BATCH; i++) {
                                // the second canceller walks backwards, so it meets the driver at other offsets
                                int k = index == 1 || chase[0] ? i : BATCH - 1 - i;
                                Subject s = subjects[k];
                                while (chase[0] && armed.get() <= k) {
                                    Thread.onSpinWait(); // the driver always gets there: it never waits for us
                                }
                                RaceSupport.spin(spins[index][i]);
                                if (Io.cancelIrp(s.irp)) {
                                    s.cancelReturnedTrue.incrementAndGet();
                                }
                            }
                            line.await(30, TimeUnit.SECONDS);
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        line.reset();
                    }
                }, "canceller-" + index);
                cancellers[t].setDaemon(true);
                cancellers[t].start();
            }
            for (int n = 0; n < BATCHES; n++) {
                Subject[] subjects = new Subject[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    subjects[i] = new Subject();
                    spins[0][i] = random.nextInt(400);
                    spins[1][i] = random.nextInt(400); // the cancellers' pace is close to the driver's, so they
                    spins[2][i] = random.nextInt(400); // meet it before, while and after it arms each IRP
                }
                batch[0] = subjects;
                chase[0] = random.nextBoolean();
                armed.set(0);
                for (int t = 0; t < 3; t++) {
                    headStart[t] = random.nextInt(4) == 0 ? random.nextInt(50_000) : 0;
                }
                line.await(30, TimeUnit.SECONDS);
                RaceSupport.spin(headStart[0]);
                for (int i = 0; i < BATCH; i++) {
                    subjects[i].arm();
                    armed.set(i + 1);
                    RaceSupport.spin(spins[0][i]);
                    subjects[i].complete();
                }
                line.await(30, TimeUnit.SECONDS);
                assertNull(failure.get(), "a canceller threw");
                for (Subject s : subjects) {
                    String where = "batch " + n + ", " + s.irp + "; seed " + Reliability.hex(seed);
                    assertEquals(1, s.routineRuns.get(), "completion routine exactly once; " + where);
                    assertTrue(s.irp.cancel(), "the Cancel flag is set; " + where);
                    assertTrue(s.cancelRoutineRuns.get() <= 1, "the cancel routine at most once; " + where);
                    assertEquals(s.cancelRoutineRuns.get(), s.cancelReturnedTrue.get(),
                            "IoCancelIrp returned TRUE exactly when it called the cancel routine; " + where);
                    if (s.cancelRoutineRuns.get() == 1) {
                        assertEquals(Irql.DISPATCH_LEVEL, s.cancelIrql.get(), where);
                    }
                    boolean cancelled = s.cancelRoutineRuns.get() == 1 || s.driverSawCancelWhenArming;
                    assertEquals(cancelled ? STATUS_CANCELLED : STATUS_SUCCESS, s.status, where);
                    if (s.driverSawCancelWhenArming) {
                        byDriverAtArming.incrementAndGet();
                    } else if (cancelled) {
                        byCancelRoutine.incrementAndGet();
                    } else {
                        byDriver.incrementAndGet();
                    }
                    Io.freeIrp(s.irp);
                }
            }
            for (Thread t : cancellers) {
                t.join(10_000);
            }
            assertEquals(0, io.liveIrpCount());
            assertTrue(io.verifier().violations().isEmpty(), () -> io.verifier().violations().toString());
            assertTrue(io.routineFailures().isEmpty(), () -> io.routineFailures().toString());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long total = (long) BATCHES * BATCH;
        new Reliability.Section("irp-cancel-race", "Race: IRP completion against IoCancelIrp (kernel primitives)")
                .figure("irps", total).figure("threads", 3).figure("completedByDriver", byDriver.get())
                .figure("completedByCancelRoutine", byCancelRoutine.get())
                .figure("completedByDriverAtArming", byDriverAtArming.get()).figure("durationMillis", millis)
                .line(String.format("%,d IRPs in %,d batches of %d, 3 threads per batch (the driver arming and"
                        + " completing, two IoCancelIrp callers) released at one CyclicBarrier, %,d ms. Outcomes: %,d"
                        + " completed with success by the driver (cancel lost), %,d completed as cancelled by the cancel"
                        + " routine, %,d cancelled before the routine was armed (the driver's check completed them)."
                        + " **Result: every completion routine ran exactly once; the cancel routine at most once, at"
                        + " DISPATCH_LEVEL, exactly when IoCancelIrp returned TRUE; 0 IRPs leaked; no verifier"
                        + " violation.**", total, BATCHES, BATCH, millis, byDriver.get(), byCancelRoutine.get(),
                        byDriverAtArming.get()))
                .write();
    }
}
