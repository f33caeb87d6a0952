package org.wsk4j.nt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The deterministic scheduler of the simulated network: one simulated processor, so exactly one driver thread runs
 * at a time, and every choice is made from the seed.
 *
 * <p>The running thread holds the processor until it blocks (a wait that cannot be satisfied yet), polls, or ends.
 * Then, on that same thread, the scheduler runs what is due in the completion executor first (completions, DPCs
 * and timers run at DISPATCH_LEVEL before any thread), then hands the processor to a driver thread that can run
 * (chosen with the seeded random when there are several), else to the thread driving the executor
 * ({@code runUntilIdle}, {@code advanceTimeBy}), else moves virtual time to the next timer. When none of these is
 * possible every driver thread waits for something nothing can deliver: a deadlock, reported with each thread's wait
 * and stack.
 *
 * <p>Threading: all state is guarded by {@link Dispatcher#LOCK}; the hand-over parks the Java threads that do not
 * hold the processor. Driver code, completions and conditions run without the lock.
 */
final class KScheduler {

    /** Polls in a row that find nothing to do before a thread is reported as a busy loop. */
    static final int MAX_IDLE_SPINS = 10_000;

    private final ManualCompletionExecutor executor;
    private final SplittableRandom random;
    private final Consumer<String> eventLog;
    /** Guarded by the lock: the driver threads not yet ended, in creation order. */
    private final List<KThread> threads = new ArrayList<>();
    /** Guarded by the lock: the threads adopted as driver threads (a thread may belong to several networks). */
    private final java.util.Map<Thread, KThread> adopted = new java.util.HashMap<>();
    /** Guarded by the lock: the thread holding the processor, or null when none does. */
    private KThread running;
    /** Guarded by the lock: the innermost thread driving the executor, or null. */
    private KThread idle;
    /** Guarded by the lock: set once the run failed (deadlock, busy loop); every later entry throws it. */
    private VerifierError failure;
    /** Guarded by the lock. */
    private long decisions;
    /**
     * Threads the kernel created (system threads, workers) that have not ended: written under the lock, read without
     * it by the executor's run methods, which need the scheduler only when there is a thread to schedule.
     */
    private volatile int kernelThreads;
    /** The schedule deciding the choice points when a test explores schedules, else null (the seeded choices). */
    private volatile Schedule schedule;

    KScheduler(ManualCompletionExecutor executor, long seed, Consumer<String> eventLog) {
        this.executor = executor;
        this.random = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
        this.eventLog = eventLog;
    }

    /** The exploring schedule, or null. */
    Schedule schedule() {
        return schedule;
    }

    /** Attaches (or, with null, detaches) the schedule that decides the choice points from now on. */
    void explore(Schedule next) {
        Schedule previous = schedule;
        if (previous != null) {
            previous.detach();
        }
        if (next != null) {
            next.attach(eventLog);
        }
        schedule = next;
    }

    /** Whether the calling thread runs one of the executor's tasks (a completion routine, callback, DPC, timer). */
    boolean inTask() {
        return executor.inExecutorThread();
    }

    private void log(String event) {
        if (eventLog != null) {
            eventLog.accept(event);
        }
    }

    // ---- threads ----------------------------------------------------------------------------------------------

    /** Registers a new driver thread; it runs when the scheduler chooses it. Called by the creating driver thread. */
    void add(KThread thread) {
        synchronized (Dispatcher.LOCK) {
            threads.add(thread);
            kernelThreads++;
            log(thread.name + " created");
        }
    }

    /**
     * Makes the calling thread the one holding the processor, adopting it as a driver thread if it is not one yet.
     *
     * @throws IllegalStateException when another driver thread holds the processor: a thread outside the simulation
     *                               called into it
     */
    KThread enter(Kernel kernel) {
        Thread current = Thread.currentThread();
        synchronized (Dispatcher.LOCK) {
            if (failure != null) {
                throw failure;
            }
            KThread self = KThread.CURRENT.get(); // set for the kernel's own threads only
            if (self == null || self.kernel.scheduler() != this) {
                self = adopted.get(current); // an adopted thread is known per scheduler: it may outlive the network
            }
            if (self == null) {
                self = new KThread(kernel, KThread.Kind.ADOPTED, current.getName(), KThread.State.RUNNING);
                self.javaThread = current;
                adopted.put(current, self);
                threads.add(self);
            }
            if (running == null) {
                running = self;
                self.state = KThread.State.RUNNING;
            } else if (running != self) {
                throw new IllegalStateException("thread " + current.getName() + " called into the simulated kernel while"
                        + " driver thread " + running.name + " runs: on the simulated network only driver threads"
                        + " (the test thread, PsCreateSystemThread threads, work items) may call it, one at a time");
            }
            return self;
        }
    }

    /** The calling thread's adopted driver thread on this scheduler, or null. */
    KThread adoptedCurrent() {
        synchronized (Dispatcher.LOCK) {
            return adopted.get(Thread.currentThread());
        }
    }

    /** Whether any thread the kernel created is alive (without the lock: a hint for the executor's fast path). */
    boolean hasKernelThreads() {
        return kernelThreads > 0;
    }

    /** Whether the calling thread holds the processor (or nobody does and it may take it). */
    boolean mayEnter() {
        synchronized (Dispatcher.LOCK) {
            return running == null || running.javaThread == Thread.currentThread();
        }
    }

    /** A new thread's first step: waits until the scheduler chooses it. */
    void awaitFirstRun(KThread self) {
        awaitProcessor(self);
    }

    /**
     * A thread's last step: it is removed, its object signaled, and the processor handed on (or released when no
     * thread is left).
     */
    void exit(KThread self) {
        synchronized (Dispatcher.LOCK) {
            self.state = KThread.State.TERMINATED;
            if (threads.remove(self) && self.kind != KThread.Kind.ADOPTED) {
                kernelThreads--;
            }
            self.wakeWaitersLocked();
            log(self.name + " ended");
            if (running != self) {
                return; // aborted while not running: nothing to hand on
            }
        }
        while (true) {
            if (failed()) {
                release(self);
                return;
            }
            if (executor.runNext()) {
                continue;
            }
            KThread next = choose(null);
            if (next == null) {
                next = idleThread(null);
            }
            if (next != null) {
                handTo(next);
                return;
            }
            if (!anyWaiting()) {
                release(self);
                return;
            }
            if (executor.advanceToNextTimer()) {
                continue;
            }
            try {
                deadlock(null);
            } catch (VerifierError reported) {
                release(self);
                return;
            }
        }
    }

    private boolean failed() {
        synchronized (Dispatcher.LOCK) {
            return failure != null;
        }
    }

    private void release(KThread self) {
        synchronized (Dispatcher.LOCK) {
            if (running == self) {
                running = null;
            }
        }
    }

    private boolean anyWaiting() {
        synchronized (Dispatcher.LOCK) {
            for (KThread thread : threads) {
                if (thread.state != KThread.State.TERMINATED) {
                    return true;
                }
            }
            return false;
        }
    }

    // ---- waits ------------------------------------------------------------------------------------------------

    /**
     * Blocks the calling driver thread in {@code waiter} until it can end; other threads, completions and timers run
     * meanwhile, and virtual time moves when nothing else can happen.
     *
     * @param timeoutNanos the timeout in virtual nanoseconds, or -1 for none
     * @return the wait's status
     */
    NtStatus block(Kernel kernel, Waiter waiter, long timeoutNanos) {
        KThread self = enter(kernel);
        synchronized (Dispatcher.LOCK) {
            if (waiter.canEndLocked()) {
                return waiter.endLocked();
            }
            self.state = KThread.State.WAITING;
            self.waiter = waiter;
            self.idleSpins = 0;
        }
        if (timeoutNanos >= 0) {
            waiter.timer = executor.scheduleKernel(Duration.ofNanos(timeoutNanos), () -> {
                synchronized (Dispatcher.LOCK) {
                    waiter.timedOut = true;
                }
            });
        }
        try {
            while (true) {
                KThread preempt = null;
                synchronized (Dispatcher.LOCK) {
                    if (waiter.canEndLocked()) {
                        preempt = schedule == null ? null : chooseOnWakeUp(self);
                        if (preempt == null) {
                            self.state = KThread.State.RUNNING;
                            return waiter.endLocked();
                        }
                    }
                }
                if (preempt != null) {
                    switchTo(self, preempt); // another processor ran it first; this wait ends when self runs again
                    continue;
                }
                if (executor.runNext()) {
                    continue;
                }
                KThread next = choose(self);
                if (next == null) {
                    next = idleThread(self);
                }
                if (next != null) {
                    switchTo(self, next);
                    continue;
                }
                if (executor.advanceToNextTimer()) {
                    continue;
                }
                deadlock(self);
            }
        } finally {
            synchronized (Dispatcher.LOCK) {
                self.waiter = null;
                if (self.state == KThread.State.WAITING) {
                    self.state = KThread.State.RUNNING;
                }
            }
            if (waiter.timer != null) {
                waiter.timer.cancel();
            }
        }
    }

    /**
     * A poll by the running driver thread (a zero-timeout wait, {@code KeDelayExecutionThread} of 0): completions due
     * now run, and another runnable thread may be chosen to run first. A thread that polls
     * {@value #MAX_IDLE_SPINS} times in a row while nothing else can happen is reported as a busy loop.
     */
    void poll(Kernel kernel) {
        KThread self = enter(kernel);
        boolean progress = false;
        while (executor.runNext()) {
            progress = true;
        }
        KThread next;
        synchronized (Dispatcher.LOCK) {
            next = choose(self);
            if (next != null && chooseAmong(self, next)) {
                self.state = KThread.State.RUNNABLE;
            } else {
                next = null;
            }
        }
        if (next != null) {
            switchTo(self, next);
            progress = true;
        }
        if (!progress && !executor.advanceToNextTimer()) {
            if (++self.idleSpins >= MAX_IDLE_SPINS) {
                self.idleSpins = 0;
                busyLoop(self);
            }
        } else {
            self.idleSpins = 0;
        }
    }

    /**
     * Exploring only: the wait of {@code self} can end while other driver threads can run too; which goes first is a
     * choice (option 0, {@code self}, is what happens without exploration). Returns the other thread to run, or null.
     * Lock held.
     */
    private KThread chooseOnWakeUp(KThread self) {
        List<KThread> ready = null;
        for (KThread thread : threads) {
            if (thread != self && (thread.state == KThread.State.RUNNABLE || (thread.state == KThread.State.WAITING
                    && thread.waiter != null && thread.waiter.canEndLocked()))) {
                if (ready == null) {
                    ready = new ArrayList<>(2);
                    ready.add(self);
                }
                ready.add(thread);
            }
        }
        if (ready == null) {
            return null;
        }
        int chosen = schedule.choose(ChoiceKind.THREAD, "wake-up of " + self.name, names(ready));
        return chosen == 0 ? null : ready.get(chosen);
    }

    /** The threads' names: a thread choice's options. */
    private static List<String> names(List<KThread> threads) {
        List<String> names = new ArrayList<>(threads.size());
        for (KThread thread : threads) {
            names.add(thread.name);
        }
        return names;
    }

    /** Seeded choice between letting {@code self} go on and switching to {@code other}. */
    private boolean chooseAmong(KThread self, KThread other) {
        Schedule exploring = schedule;
        if (exploring != null) {
            return exploring.choose(ChoiceKind.THREAD, "poll by " + self.name, List.of(self.name, other.name)) == 1;
        }
        boolean switchNow = random.nextBoolean();
        decisions++;
        log("decision " + decisions + ": " + (switchNow ? other.name : self.name) + " runs (poll by " + self.name + ")");
        return switchNow;
    }

    // ---- driving the executor ---------------------------------------------------------------------------------

    /**
     * The calling thread drives the executor up to virtual time {@code target}: runs due work, lets driver threads
     * run whenever the executor has nothing due, and moves time to each timer up to {@code target}.
     *
     * @param target the virtual time to stop at, or {@link Long#MAX_VALUE} to run until nothing is left
     * @return the number of tasks run
     */
    int drive(Kernel kernel, long target) {
        KThread self = enter(kernel);
        KThread previousIdle;
        KThread.State previousState;
        synchronized (Dispatcher.LOCK) {
            previousIdle = idle;
            previousState = self.state;
            idle = self;
            self.state = KThread.State.PUMPING;
        }
        int count = 0;
        try {
            while (true) {
                while (executor.runNext()) {
                    count++;
                    if (count >= ManualCompletionExecutor.MAX_TASKS_PER_RUN) {
                        throw new IllegalStateException("ran " + count + " tasks without becoming idle");
                    }
                }
                KThread next = choose(self);
                if (next != null) {
                    switchTo(self, next);
                    continue;
                }
                if (executor.advanceToNextTimerUpTo(target)) {
                    continue;
                }
                return count;
            }
        } finally {
            synchronized (Dispatcher.LOCK) {
                idle = previousIdle;
                self.state = previousState == KThread.State.PUMPING ? KThread.State.PUMPING : KThread.State.RUNNING;
            }
        }
    }

    // ---- choosing and switching -------------------------------------------------------------------------------

    /** The driver threads that can run now, other than {@code self}; the seed picks one. Null when none can. */
    private KThread choose(KThread self) {
        synchronized (Dispatcher.LOCK) {
            List<KThread> ready = null;
            for (KThread thread : threads) {
                if (thread == self) {
                    continue;
                }
                boolean can = thread.state == KThread.State.RUNNABLE
                        || (thread.state == KThread.State.WAITING && thread.waiter != null && thread.waiter.canEndLocked());
                if (can) {
                    if (ready == null) {
                        ready = new ArrayList<>(2);
                    }
                    ready.add(thread);
                }
            }
            if (ready == null) {
                return null;
            }
            Schedule exploring = schedule;
            if (exploring != null) {
                if (ready.size() == 1) {
                    return ready.get(0);
                }
                return ready.get(exploring.choose(ChoiceKind.THREAD, self == null ? "run" : "run, " + self.name
                        + " waiting", names(ready)));
            }
            KThread chosen = ready.size() == 1 ? ready.get(0) : ready.get(random.nextInt(ready.size()));
            if (ready.size() > 1) {
                decisions++;
                StringBuilder text = new StringBuilder("decision ").append(decisions).append(": ").append(chosen.name)
                        .append(" runs, of");
                for (KThread thread : ready) {
                    text.append(' ').append(thread.name);
                }
                log(text.toString());
            }
            return chosen;
        }
    }

    /** The thread driving the executor, when it is not {@code self}. */
    private KThread idleThread(KThread self) {
        synchronized (Dispatcher.LOCK) {
            return idle != null && idle != self ? idle : null;
        }
    }

    /** Hands the processor to {@code target} and parks {@code self} until it is handed back. */
    private void switchTo(KThread self, KThread target) {
        handTo(target);
        awaitProcessor(self);
    }

    private void handTo(KThread target) {
        synchronized (Dispatcher.LOCK) {
            running = target;
            if (target.state == KThread.State.RUNNABLE) {
                target.state = KThread.State.RUNNING;
            }
        }
        LockSupport.unpark(target.javaThread);
    }

    private void awaitProcessor(KThread self) {
        while (true) {
            Error abort;
            synchronized (Dispatcher.LOCK) {
                abort = self.abort;
            }
            if (abort != null) {
                if (self.kind == KThread.Kind.ADOPTED && abort instanceof VerifierError) {
                    // A test thread woken by a failed run: let the kernel's own threads finish unwinding first, so what
                    // runs next on this thread (the test's assertions, its leak check) sees them ended.
                    joinKernelThreads(self);
                }
                throw abort;
            }
            synchronized (Dispatcher.LOCK) {
                if (running == self) {
                    if (self.state == KThread.State.RUNNABLE) {
                        self.state = KThread.State.RUNNING;
                    }
                    return;
                }
            }
            LockSupport.park(this);
        }
    }

    // ---- failures -----------------------------------------------------------------------------------------------

    /** Every driver thread waits and nothing is due: reports it, ends every other thread's wait, and throws. */
    private void deadlock(KThread self) {
        StringBuilder text = new StringBuilder("every driver thread is waiting and no completion, DPC or timer is due"
                + " (virtual time " + Duration.ofNanos(executor.nanoTime()) + "):");
        synchronized (Dispatcher.LOCK) {
            for (KThread thread : threads) {
                text.append("\n  ").append(thread.describeLocked()).append(thread.stack());
            }
        }
        fail(VerifierRule.DRIVER_THREADS_DEADLOCKED, text.toString(), self);
    }

    private void busyLoop(KThread self) {
        String text = self.name + " polled " + MAX_IDLE_SPINS + " times in a row while no other thread, completion or"
                + " timer could run: a busy loop that waits for something only another thread could do"
                + self.stack();
        fail(VerifierRule.DRIVER_THREAD_BUSY_LOOP, text, self);
    }

    /**
     * Reports the failure (the verifier records it unless the rule is off) and ends the run: every other driver thread
     * still waiting is woken with the error, which unwinds it, and this thread throws it.
     */
    private void fail(VerifierRule rule, String text, KThread self) {
        VerifierError error;
        Verifier verifier = IoManager.current().verifier();
        try {
            verifier.report(rule, text, null);
            error = new VerifierError(new VerifierReport(rule, text, null, null, null, Thread.currentThread().getName()));
        } catch (VerifierError reported) {
            error = reported;
        }
        List<Thread> wake = new ArrayList<>();
        synchronized (Dispatcher.LOCK) {
            failure = error;
            for (KThread thread : threads) {
                if (thread != self && thread.state != KThread.State.TERMINATED) {
                    thread.abort = error;
                    wake.add(thread.javaThread);
                }
            }
            running = self;
        }
        wake.forEach(LockSupport::unpark);
        if (self == null || self.kind == KThread.Kind.ADOPTED) {
            joinKernelThreads(self);
        }
        throw error;
    }

    /**
     * Waits (bounded: a driver's finally block that blocks for real cannot hang this) until the kernel's own threads
     * of this scheduler, woken to unwind by a failed run, have ended.
     */
    private void joinKernelThreads(KThread self) {
        List<Thread> join = new ArrayList<>();
        synchronized (Dispatcher.LOCK) {
            for (KThread thread : threads) {
                if (thread != self && thread.kind != KThread.Kind.ADOPTED && thread.javaThread != Thread.currentThread()) {
                    join.add(thread.javaThread);
                }
            }
        }
        for (Thread thread : join) {
            try {
                thread.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Ends every driver thread still alive (the subsystem or network is closing): each unwinds from its wait with
     * {@link KernelAbort}.
     */
    void abortAll() {
        List<Thread> wake = new ArrayList<>();
        synchronized (Dispatcher.LOCK) {
            for (KThread thread : threads) {
                if (thread.javaThread != Thread.currentThread() && thread.state != KThread.State.TERMINATED) {
                    thread.abort = KernelAbort.INSTANCE;
                    wake.add(thread.javaThread);
                }
            }
            if (failure == null) {
                failure = new VerifierError(new VerifierReport(VerifierRule.DRIVER_THREAD_LEAKED,
                        "the simulated kernel was closed", null, null, null, Thread.currentThread().getName()));
            }
        }
        wake.forEach(LockSupport::unpark);
    }

    /** Under no lock: the live driver threads, for reports. */
    List<KThread> threads() {
        synchronized (Dispatcher.LOCK) {
            return new ArrayList<>(threads);
        }
    }
}
