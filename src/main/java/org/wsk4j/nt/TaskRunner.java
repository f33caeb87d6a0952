package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.FastLocal;

/**
 * Runs one executor task with the executor's I/O manager bound, catching and recording what it throws; and
 * watches how long it runs.
 *
 * <p>The watchdog is wsk4j's {@code DPC_WATCHDOG_VIOLATION}: completion routines and event callbacks run at
 * DISPATCH_LEVEL and must return promptly. A task (a completion routine, a callback, a provider step) that runs
 * longer than twice its verifier's {@link Verifier#blockingWaitLimit()} (10 s by default; a bounded
 * {@link KEvent} wait, one limit long, is reported by the event first) is reported as
 * {@link VerifierRule#CALLBACK_TOO_LONG}, naming the thread and where it is stuck; in mode FAIL the thread is
 * also interrupted, which ends a Java-level wait (a latch, a future, a queue) the routine is blocked in, so a
 * routine waiting for a completion only its own thread can deliver is detected and broken instead of
 * deadlocking. Waits on a {@link KEvent} at DISPATCH_LEVEL are bounded and reported by the event itself
 * ({@link VerifierRule#CALLBACK_BLOCKED}); the watchdog does not report those a second time.
 *
 * <p>On a transport's event thread (the NIO selector thread, where the direct executor runs completions), a task
 * that holds the thread longer than {@link Verifier#transportHoldLimit()} (1 s by default) stops every socket of
 * the transport; the watchdog then asks the transport to move its event loop to a new thread
 * ({@link #watchHolds}) and reports {@link VerifierRule#TRANSPORT_THREAD_HELD}, long before the task would count as
 * {@code CALLBACK_TOO_LONG}.
 *
 * <p>Threading: {@link #run} is called by the executors' threads; each thread owns its {@link Running} record
 * (written only by it, read by the watchdog through volatile fields). One daemon thread,
 * {@value #WATCHDOG_NAME}, scans the records every {@value #SCAN_MILLIS} ms once a task has run; a task counts as
 * running as long as consecutive scans see the same odd phase.
 */
final class TaskRunner {


    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    static final String WATCHDOG_NAME = "wsk4j-callback-watchdog";
    static final long SCAN_MILLIS = 50;

    /**
     * The task a thread is running now, as the watchdog sees it. The owner thread only bumps a counter at the
     * start and the end of each outermost task (odd while one runs), so timing costs a release store and a volatile
     * store per task and no clock read; the watchdog measures time by how many scans see the same odd value.
     */
    static final class Running {
        final Thread thread = Thread.currentThread();
        /**
         * The owner thread's IRQL cell ({@link Ke#irqlCell()}, element 0 the level), kept here so that checking the
         * IRQL a task returned at costs no second per-thread lookup. Owner thread only.
         */
        final Irql[] irql = Ke.irqlCell();
        /** Nesting of {@link #run} on this thread; only the outermost task counts. Owner thread only. */
        int depth;
        /** Bumped at the start and the end of each outermost task: odd while one runs. Written by the owner. */
        volatile long phase;
        static final VarHandle PHASE;

        static {
            try {
                PHASE = MethodHandles.lookup().findVarHandle(Running.class, "phase", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
        /** The I/O manager of the task running now. Written by the owner. */
        volatile IoManager manager;
        /** The phase already reported (by the watchdog or by a bounded KEvent wait), or 0. */
        volatile long reportedPhase;
        /** Set by the watchdog before it may interrupt the thread, and cleared by the owner afterwards. */
        volatile boolean interruptPending;
        /** Set by the watchdog once its interrupt decision is carried out. */
        volatile boolean interruptDone;
        /** The phase of the task the watchdog interrupted (written before {@code interruptDone}). */
        volatile long interruptedPhase;
        /** Watchdog-only: the phase seen at the last scan and for how many scans in a row. */
        long seenPhase;
        int seenScans;
        /**
         * Set once by the owner when its holds are watched (a transport's event thread, an executor's worker: see
         * {@link #watchHolds(BooleanSupplier, boolean)}): the watchdog calls it when one task holds the thread longer
         * than the verifier's transport hold limit. Null on every other thread.
         */
        volatile BooleanSupplier onHeld;
        /** Whether a hold handled by {@link #onHeld} is reported as {@link VerifierRule#TRANSPORT_THREAD_HELD}. */
        volatile boolean reportHolds;
        /** Watchdog-only: the phase whose hold was already handled, or 0. */
        long heldPhase;
    }

    private static final FastLocal<Running> CURRENT = new FastLocal<>(TaskRunner::register);
    private static final Set<Running> WATCHED = ConcurrentHashMap.newKeySet();
    private static volatile ScheduledThreadPoolExecutor watchdog;

    private TaskRunner() {
    }

    static void run(Runnable task, IoManager ioManager) {
        run(task, ioManager, Irql.PASSIVE_LEVEL);
    }

    /**
     * {@link #run(Runnable, IoManager)} for a task that runs on a thread whose IRQL is {@code base} when the task
     * starts (a WSK caller's thread, for a completion that runs in the caller's context): the task must return at
     * that IRQL, and a task that returns at another one is reported and the thread put back at {@code base}.
     */
    static void run(Runnable task, IoManager ioManager, Irql base) {
        Running running = CURRENT.get();
        boolean outermost = running.depth++ == 0;
        IoManager previous = IoManager.swapBinding(ioManager);
        if (outermost) {
            IoManager manager = ioManager != null ? ioManager : IoManager.current();
            if (running.manager != manager) {
                running.manager = manager;
            }
            // Odd: a task runs. A release store (no fence): the watchdog only needs to see it eventually. The
            // store that ends the task stays volatile, for the interrupt handshake (endInterrupt).
            Running.PHASE.setRelease(running, running.phase + 1);
        }
        try {
            task.run();
        } catch (Throwable t) {
            recordFailure(task, t);
        } finally {
            if (outermost) {
                long ended = running.phase;
                running.phase = ended + 1; // even: idle
                if (running.interruptPending) {
                    endInterrupt(running, ended);
                }
            }
            running.depth--;
            Irql[] cell = running.irql;
            Irql left = cell[0];
            if (left != base) {
                cell[0] = base;
                reportIrqlLeftRaised(task, left, base);
            }
            IoManager.restoreBinding(ioManager, previous);
        }
    }

    /**
     * Runs one of wsk4j's own tasks that runs no user code (a simulated network's timer task: it changes the
     * network's state and posts the callbacks and completions that follow, which run through {@link #run}), with the
     * executor's I/O manager bound, recording what it throws as {@link #run} does; but without the watchdog's phase
     * (two stores, the second volatile, and its interrupt handshake) and the IRQL check: the watchdog times user code
     * (completion routines, callbacks, provider steps), and this task neither blocks nor changes the IRQL. Called
     * by the executors' threads, as {@link #run}; it does not touch the thread's {@link Running} record, so a task it
     * runs inside an outer task leaves that task's timing as it was.
     */
    static void runOwn(Runnable task, IoManager ioManager) {
        IoManager previous = IoManager.swapBinding(ioManager);
        try {
            task.run();
        } catch (Throwable t) {
            recordFailure(task, t);
        } finally {
            IoManager.restoreBinding(ioManager, previous);
        }
    }

    /** What a task threw, recorded on the I/O manager bound while it ran ({@link #run} and {@link #runOwn}). */
    private static void recordFailure(Runnable task, Throwable t) {
        IoManager.current().recordRoutineFailure("completion executor task " + task, t);
    }

    /**
     * A task returned above PASSIVE_LEVEL (a KeRaiseIrql without its KeLowerIrql): a driver bug, reported once as
     * {@link VerifierRule#IRQL_BAD_TRANSITION} to the task's I/O manager (its verifier's sink decides whether it is
     * logged). The thread was already reset to PASSIVE_LEVEL; in mode FAIL the error is recorded, not thrown out of
     * the executor's thread.
     */
    private static void reportIrqlLeftRaised(Runnable task, Irql left, Irql base) {
        try {
            IoManager.current().verifier().report(VerifierRule.IRQL_BAD_TRANSITION, "completion executor task " + task
                    + " returned at " + left + " (no KeLowerIrql for its KeRaiseIrql); the thread was reset to "
                    + base, null);
        } catch (VerifierError recorded) {
            // recorded in violations() and passed to the sink; the executor thread carries on
        }
    }

    /**
     * The watchdog may have interrupted the task that just ended: wait (briefly, the watchdog is between two
     * statements) until its decision is carried out, then clear the interrupt so it never reaches a later task.
     * The watchdog writes {@code interruptPending} before it reads {@code phase}, and this thread writes
     * {@code phase} before it reads {@code interruptPending}: one of the two always sees the other.
     */
    private static void endInterrupt(Running running, long ended) {
        while (!running.interruptDone) {
            Thread.onSpinWait();
        }
        if (running.interruptedPhase == ended) {
            Thread.interrupted();
        }
        running.interruptDone = false;
        running.interruptPending = false;
    }

    /**
     * Tells the watchdog that the task running on this thread was already reported as blocked (by a bounded
     * {@link KEvent} wait), so it is not reported twice.
     */
    static void blockedReported() {
        Running running = CURRENT.get();
        running.reportedPhase = running.phase;
    }

    /**
     * Declares the calling thread one whose holds the watchdog watches: when one task (a completion routine or
     * callback) holds it longer than {@link Verifier#transportHoldLimit()}, the watchdog calls {@code onHeld} on its
     * own thread, once per task. For a transport's event thread ({@code report} true) {@code onHeld} should move the
     * event loop to a new thread and return true (false when it did not), and the hold is reported as
     * {@link VerifierRule#TRANSPORT_THREAD_HELD}; for an executor's worker ({@code report} false) it starts another
     * worker, so the tasks queued behind the held one go on, and nothing is reported (the task itself is
     * {@link VerifierRule#CALLBACK_TOO_LONG} if it runs for twice the blocking-wait limit).
     */
    static void watchHolds(BooleanSupplier onHeld, boolean report) {
        Running running = CURRENT.get();
        running.reportHolds = report;
        running.onHeld = onHeld;
    }

    private static Running register() {
        Running running = new Running();
        WATCHED.add(running);
        startWatchdog();
        return running;
    }

    private static void startWatchdog() {
        if (watchdog != null) {
            return;
        }
        synchronized (TaskRunner.class) {
            if (watchdog != null) {
                return;
            }
            ScheduledThreadPoolExecutor scanner = new ScheduledThreadPoolExecutor(1, r -> {
                Thread thread = new Thread(r, WATCHDOG_NAME);
                thread.setDaemon(true);
                return thread;
            });
            scanner.scheduleWithFixedDelay(TaskRunner::scan, SCAN_MILLIS, SCAN_MILLIS, TimeUnit.MILLISECONDS);
            watchdog = scanner;
        }
    }

    /** One pass of the watchdog: reports each task over its limit once, and forgets threads that ended. */
    static void scan() {
        for (Running running : WATCHED) {
            if (!running.thread.isAlive()) {
                WATCHED.remove(running);
                continue;
            }
            long phase = running.phase;
            if ((phase & 1) == 0 || phase != running.seenPhase) {
                running.seenPhase = phase;
                running.seenScans = 0;
                continue;
            }
            running.seenScans++;
            IoManager manager = running.manager;
            if (manager == null || running.reportedPhase == phase) {
                continue;
            }
            Verifier verifier = manager.verifier();
            BooleanSupplier onHeld = running.onHeld;
            if (onHeld != null && running.heldPhase != phase
                    && running.seenScans * SCAN_MILLIS >= verifier.transportHoldLimit().toMillis()) {
                running.heldPhase = phase;
                handOff(running, onHeld, verifier);
            }
            // Twice the limit: a bounded KEvent wait (one limit long) reports first. The task has run at least
            // seenScans scan periods.
            Duration allowed = verifier.blockingWaitLimit().multipliedBy(2);
            if (running.seenScans * SCAN_MILLIS <= allowed.toMillis()
                    || !verifier.isChecked(VerifierRule.CALLBACK_TOO_LONG)) {
                continue;
            }
            running.reportedPhase = phase;
            report(running, phase, verifier, allowed);
        }
    }

    /**
     * A task has held a transport's event thread longer than the hold limit: the transport moves its event loop to a
     * new thread (whatever the rule's mode: this keeps the other sockets going), then the hold is reported.
     */
    private static void handOff(Running running, BooleanSupplier onHeld, Verifier verifier) {
        boolean moved;
        try {
            moved = onHeld.getAsBoolean();
        } catch (RuntimeException e) {
            moved = false;
            LOG.warn("moving the event loop off {} failed", running.thread.getName(), e);
        }
        if (!running.reportHolds || !verifier.isChecked(VerifierRule.TRANSPORT_THREAD_HELD)) {
            return;
        }
        try {
            verifier.report(VerifierRule.TRANSPORT_THREAD_HELD, "a completion routine or event callback has held "
                    + running.thread.getName() + ", a transport's event thread (direct executor), longer than "
                    + verifier.transportHoldLimit() + "; "
                    + (moved ? "the transport moved its event loop to a new thread, so its other sockets go on; "
                            + "completions already queued behind this routine on " + running.thread.getName()
                            + " run when it returns"
                            : "its event loop was not moved (the transport is closing, or this thread no longer"
                                    + " runs it)")
                    + ". It is at:" + where(running.thread), null);
        } catch (VerifierError e) {
            // Mode FAIL: recorded and passed to the sink; the routine's thread is left alone.
        }
    }

    private static String where(Thread thread) {
        StringBuilder where = new StringBuilder();
        StackTraceElement[] frames = thread.getStackTrace();
        for (int i = 0; i < Math.min(frames.length, 12); i++) {
            where.append("\n      at ").append(frames[i]);
        }
        return where.toString();
    }

    private static void report(Running running, long phase, Verifier verifier, Duration limit) {
        String where = where(running.thread);
        boolean interrupt = verifier.mode(VerifierRule.CALLBACK_TOO_LONG) == Verifier.Mode.FAIL;
        try {
            verifier.report(VerifierRule.CALLBACK_TOO_LONG, "a completion routine, callback or provider task on "
                    + running.thread.getName() + " has run longer than " + limit
                    + (interrupt ? "; the thread was interrupted to end the wait it is blocked in" : "")
                    + ". It is at:" + where, null);
        } catch (VerifierError e) {
            // Mode FAIL: recorded and logged; the error belongs to the stuck thread, which the interrupt reaches.
        } finally {
            if (interrupt) {
                running.interruptPending = true;
                if (running.phase == phase) { // still the task reported, not a later one
                    running.interruptedPhase = phase;
                    running.thread.interrupt();
                }
                running.interruptDone = true;
            }
        }
    }
}
