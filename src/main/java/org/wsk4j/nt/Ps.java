package org.wsk4j.nt;

/**
 * Process and thread support routines ({@code Ps*}): system threads.
 *
 * <pre>{@code
 * Ref<Handle> threadHandle = new Ref<>();
 * NtStatus status = Ps.createSystemThread(threadHandle, THREAD_ALL_ACCESS, null, null, null,
 *         MyDriver::workerThread, workQueue);
 * }</pre>
 *
 * <p>A system thread is a driver thread of the calling thread's kernel ({@link Kernel}), bound to the same I/O manager
 * and subsystem as its creator. On the simulated network it is scheduled deterministically: it starts when the
 * scheduler chooses it (at the creator's next wait at the latest), and runs one at a time with the others.
 * Elsewhere it is a daemon Java thread. A thread still running when its test ends is a leak
 * ({@link VerifierRule#DRIVER_THREAD_LEAKED}).
 */
public final class Ps {

    /** {@code THREAD_ALL_ACCESS} (Windows Vista and later). */
    public static final int THREAD_ALL_ACCESS = 0x001FFFFF;
    /** {@code *PsThreadType}: the object type of thread objects, for {@link Ob#referenceObjectByHandle}. */
    public static final ObjectType PsThreadType = new ObjectType("PsThreadType");

    private Ps() {
    }

    /**
     * {@code PsCreateSystemThread}: creates a system thread running {@code startRoutine(startContext)} at
     * PASSIVE_LEVEL, and returns a handle to it (close it with {@link Zw#close}; it does not stop the thread).
     * PASSIVE_LEVEL.
     *
     * @param threadHandle     receives the handle
     * @param desiredAccess    the access to the handle, for example {@link #THREAD_ALL_ACCESS}
     * @param objectAttributes {@code POBJECT_ATTRIBUTES}: not modelled, pass null
     * @param processHandle    null for a system-process thread (others are not modelled and ignored)
     * @param clientId         {@code PCLIENT_ID}: not modelled, pass null
     * @param startRoutine     the thread's body
     * @param startContext     passed to {@code startRoutine}
     * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER (and a verifier report) for a null handle cell or routine
     */
    public static NtStatus createSystemThread(Out<Handle> threadHandle, int desiredAccess, Object objectAttributes,
                                              Handle processHandle, Object clientId, KStartRoutine startRoutine,
                                              Object startContext) {
        IoManager manager = IoManager.current();
        Ke.requirePassiveLevel("PsCreateSystemThread");
        if (threadHandle == null || startRoutine == null) {
            manager.verifier().report(VerifierRule.INVALID_ARGUMENT, "PsCreateSystemThread with "
                    + (threadHandle == null ? "a NULL ThreadHandle" : "a NULL StartRoutine"), null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        Kernel kernel = manager.kernel();
        KThread thread = kernel.createThread(KThread.Kind.SYSTEM, startRoutine, startContext, true);
        threadHandle.set(kernel.openHandle(thread));
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * {@code PsTerminateSystemThread}: ends the calling system thread with {@code exitStatus}; does not return. A
     * thread ends the same way when its start routine returns ({@code STATUS_SUCCESS}). PASSIVE_LEVEL.
     *
     * @param exitStatus the thread's exit status
     * @return only when the caller is not a system thread: STATUS_INVALID_PARAMETER
     */
    public static NtStatus terminateSystemThread(NtStatus exitStatus) {
        KThread self = KThread.CURRENT.get();
        if (self == null || self.kind != KThread.Kind.SYSTEM) {
            IoManager.current().verifier().report(VerifierRule.INVALID_ARGUMENT, "PsTerminateSystemThread called on "
                    + Thread.currentThread().getName() + ", which is not a system thread (PsCreateSystemThread)", null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        throw new SystemThreadExit(exitStatus == null ? NtStatus.STATUS_SUCCESS : exitStatus);
    }

    /**
     * {@code PsGetCurrentThread}: the calling driver thread.
     *
     * @return the thread object, or null when the calling thread is not a driver thread (on the simulated network a
     *         thread becomes one at its first blocking kernel call)
     */
    public static KThread getCurrentThread() {
        KThread own = KThread.CURRENT.get();
        if (own != null) {
            return own;
        }
        KScheduler scheduler = IoManager.current().kernel().scheduler();
        return scheduler == null ? null : scheduler.adoptedCurrent();
    }
}
