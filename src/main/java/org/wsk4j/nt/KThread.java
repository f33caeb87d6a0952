package org.wsk4j.nt;

/**
 * {@code KTHREAD} / {@code ETHREAD}: a driver thread, and a dispatcher object that is signaled when the thread has
 * ended, so a driver can wait for its system thread at unload:
 *
 * <pre>{@code
 * Ref<Handle> handle = new Ref<>();
 * Ps.createSystemThread(handle, Ps.THREAD_ALL_ACCESS, null, null, null, queue::workerThread, null);
 * Ref<Object> thread = new Ref<>();
 * Ob.referenceObjectByHandle(handle.get(), Ps.THREAD_ALL_ACCESS, null, KernelMode, thread, null);
 * Zw.close(handle.get());
 * ...
 * Ke.waitForSingleObject(thread.get(), Executive, KernelMode, false, null);   // the thread has ended
 * Ob.dereferenceObject(thread.get());
 * }</pre>
 *
 * <p>Driver threads are: threads created with {@link Ps#createSystemThread}, the system worker threads that run
 * work items, and (on the simulated network) any thread bound to a simulated subsystem that calls a blocking kernel
 * function, such as a JUnit test method. On the simulated network the scheduler runs exactly one driver thread at a
 * time; elsewhere they are ordinary Java threads.
 *
 * <p>Thread safety: the accessors may be called from any thread.
 */
public final class KThread extends DispatcherHeader {

    /** What kind of driver thread this is. */
    enum Kind {
        /** Created with PsCreateSystemThread: must end before its subsystem does (or it is a leak). */
        SYSTEM,
        /** A system worker thread running work items. */
        WORKER,
        /** A thread the kernel adopted (the test thread, on the simulated network). */
        ADOPTED
    }

    /** Scheduling state; guarded by {@link Dispatcher#LOCK}. */
    enum State {
        /** May run, waiting to be chosen. */
        RUNNABLE,
        /** Holds the simulated processor (on the simulated network) or runs (elsewhere). */
        RUNNING,
        /** Blocked in a wait. */
        WAITING,
        /** Driving the completion executor (runUntilIdle, advanceTimeBy): runs again when nothing else can. */
        PUMPING,
        /** Ended. */
        TERMINATED
    }

    static final ThreadLocal<KThread> CURRENT = new ThreadLocal<>();

    final Kernel kernel;
    final Kind kind;
    final String name;
    /** The Java thread; set before the thread can be scheduled. */
    volatile Thread javaThread;
    /** Guarded by the lock. */
    State state;
    /** Guarded by the lock: the wait in progress. */
    Waiter waiter;
    /** Guarded by the lock: set when the kernel ends this thread (a deadlock, or the subsystem closing). */
    Error abort;
    /** Guarded by the lock: references (handle, ObReferenceObjectByHandle, the running thread itself). */
    int references;
    /** Guarded by the lock. */
    boolean objectFreed;
    /** Guarded by the lock. */
    NtStatus exitStatus;
    /** Consecutive polls that found nothing to do (busy-loop detection); touched only by this thread. */
    int idleSpins;

    KThread(Kernel kernel, Kind kind, String name, State state) {
        this.kernel = kernel;
        this.kind = kind;
        this.name = name;
        this.state = state;
    }

    /**
     * Returns the thread's name: {@code wsk4j-system-thread-N}, {@code wsk4j-worker-N}, or the adopted Java thread's.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Tells whether the thread has ended (the object is signaled).
     *
     * @return true once its start routine returned or it called {@code PsTerminateSystemThread}
     */
    public boolean isTerminated() {
        synchronized (Dispatcher.LOCK) {
            return state == State.TERMINATED;
        }
    }

    /**
     * Returns the status the thread ended with.
     *
     * @return the status given to {@code PsTerminateSystemThread}, {@code STATUS_SUCCESS} when the start routine
     *         returned, or null while it runs
     */
    public NtStatus exitStatus() {
        synchronized (Dispatcher.LOCK) {
            return exitStatus;
        }
    }

    @Override
    boolean freed() {
        return objectFreed;
    }

    @Override
    boolean signaledLocked() {
        return state == State.TERMINATED;
    }

    /** Under the lock: what the thread is doing, for reports. */
    String describeLocked() {
        StringBuilder text = new StringBuilder(name).append(" (").append(kind.name().toLowerCase()).append("): ");
        if (state == State.WAITING && waiter != null) {
            text.append("waiting in ").append(waiter.describe());
        } else {
            text.append(state.name().toLowerCase());
        }
        return text.toString();
    }

    /** The thread's current stack, outside the kernel model's own frames, for reports. */
    String stack() {
        Thread thread = javaThread;
        if (thread == null) {
            return "";
        }
        StringBuilder text = new StringBuilder();
        int shown = 0;
        for (StackTraceElement frame : thread.getStackTrace()) {
            String type = frame.getClassName();
            if (shown == 0 && (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")
                    || (type.startsWith("org.wsk4j.nt.") && !type.startsWith("org.wsk4j.nt.Ke")))) {
                continue;
            }
            text.append("\n    at ").append(frame);
            if (++shown == 8) {
                text.append("\n    ...");
                break;
            }
        }
        return text.toString();
    }

    @Override
    public String toString() {
        return "KTHREAD(" + name + ")";
    }
}
