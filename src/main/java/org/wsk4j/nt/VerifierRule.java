package org.wsk4j.nt;

/**
 * The kernel rules wsk4j checks, in the manner of Driver Verifier.
 *
 * <p>Each rule names the Windows bug check the real kernel (or Driver Verifier) would raise where one
 * exists, and a one-line hint on the usual fix. The {@link Verifier} of each {@link IoManager}
 * decides per rule whether a violation is ignored, logged or raised as a {@link VerifierError}.
 */
public enum VerifierRule {
    /** An IRP was completed while it was not in flight: twice, or never handed to a driver. */
    IRP_MULTIPLE_COMPLETE(0x44, "MULTIPLE_IRP_COMPLETE_REQUESTS",
            "complete each IRP exactly once; after IoCompleteRequest the IRP belongs to its owner"),
    /** An IRP was passed on with no stack location left for the next driver. */
    IRP_NO_MORE_STACK_LOCATIONS(0x35, "NO_MORE_IRP_STACK_LOCATIONS",
            "allocate the IRP with enough stack locations: IoAllocateIrp(1, FALSE) for a WSK call"),
    /** An IRP still owned by a lower driver (WSK) was freed. */
    IRP_FREED_WHILE_OWNED(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            "free an IRP only in its completion routine or after it completed; WSK owns it until then"),
    /** An IRP still owned by a lower driver (WSK) was reinitialised with IoReuseIrp. */
    IRP_REUSED_WHILE_OWNED(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            "reuse an IRP only after its completion routine returned STATUS_MORE_PROCESSING_REQUIRED"),
    /** An IRP was freed twice. */
    IRP_DOUBLE_FREE(0xC2, "BAD_POOL_CALLER",
            "call IoFreeIrp exactly once per IoAllocateIrp"),
    /**
     * A freed IRP was used: completed, cancelled, reused, passed to a driver, or read (its IoStatus or a stack
     * location).
     */
    IRP_USED_AFTER_FREE(0xC2, "BAD_POOL_CALLER",
            "read IoStatus before IoFreeIrp and do not touch the IRP after it; allocate a new one or reuse it instead"),
    /** An IRP already in flight (pending in WSK) was passed to a second call. */
    IRP_ALREADY_IN_FLIGHT(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            "one IRP per outstanding request: wait for the completion routine before passing the IRP again"),
    /** A driver-allocated IRP was completed past its top stack location (no routine stopped it). */
    IRP_COMPLETED_TO_IO_MANAGER(0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION",
            "the completion routine of an IRP from IoAllocateIrp must return STATUS_MORE_PROCESSING_REQUIRED"),
    /** IoCompleteRequest was called with STATUS_PENDING, or with a cancel routine still set. */
    IRP_BAD_COMPLETION_STATE(0x48, "CANCEL_STATE_IN_COMPLETED_IRP",
            "clear the cancel routine (IoSetCancelRoutine(irp, NULL)) and set the final status before completing"),
    /** An IRP was handed to WSK without a completion routine, or with an invoke flag FALSE. */
    IRP_COMPLETION_ROUTINE_REQUIRED(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "call IoSetCompletionRoutine(irp, routine, context, TRUE, TRUE, TRUE) before each WSK call"),
    /** IRPs were allocated and never freed. */
    IRP_LEAKED(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "free every IRP from IoAllocateIrp with IoFreeIrp, also on error and cancel paths"),
    /** A PASSIVE_LEVEL-only function was called at a higher IRQL (completion routine or callback). */
    IRQL_NOT_PASSIVE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "queue a work item from the completion routine or callback and do the blocking call there"),
    /** A socket was used after WskCloseSocket was called for it (including a second close). */
    SOCKET_USED_AFTER_CLOSE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "never touch a socket after calling WskCloseSocket; the WSK subsystem frees it"),
    /**
     * WskCloseSocket was called while another call into one of the socket's functions was still running on
     * another thread (pending IRPs are allowed; running calls are not).
     */
    SOCKET_CLOSED_DURING_CALL(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "count calls in progress per socket (a reference count around each call) and close only when it is zero"),
    /** A dispatch-table member was called with a socket of another category (for example WskSend on a listener). */
    SOCKET_WRONG_CATEGORY(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "call each function through the dispatch table of the socket it is given (Socket->Dispatch)"),
    /** A wait at DISPATCH_LEVEL (in a completion routine or callback) did not end within the verifier's limit. */
    CALLBACK_BLOCKED(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "never wait in a completion routine or callback: the completion you wait for may need this very thread"),
    /**
     * A completion routine, event callback or other executor task ran longer than the verifier's blocking-wait
     * limit (the watchdog of wsk4j's completion executors; Windows' DPC watchdog bug-checks a DPC that runs too
     * long). In mode FAIL the stuck thread is interrupted, which ends a Java-level wait it is blocked in.
     */
    CALLBACK_TOO_LONG(0x133, "DPC_WATCHDOG_VIOLATION",
            "return from completion routines and callbacks promptly; queue a work item for anything that waits"),
    /**
     * A completion routine or event callback that the direct executor ran on a transport's event thread (the NIO
     * selector thread) held that thread longer than the verifier's transport hold limit (1 s by default), so no socket
     * of the transport made progress meanwhile. The transport moves its event loop to a new thread when this happens,
     * whatever the rule's mode; completions already queued behind the routine on the old thread wait for it.
     */
    TRANSPORT_THREAD_HELD(0x133, "DPC_WATCHDOG_VIOLATION",
            "with the direct executor never block or loop long in a routine or callback: queue a work item (IoQueueWorkItem) for slow work, or build the subsystem with threadedExecutor(n)"),
    /** A provider-dispatch function was called after every captured NPI was released. */
    NPI_USED_AFTER_RELEASE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "keep the provider NPI captured while calling WSK_PROVIDER_DISPATCH functions; release it afterwards"),
    /** WskReleaseProviderNPI without a matching successful WskCaptureProviderNPI. */
    NPI_RELEASE_IMBALANCE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "call WskReleaseProviderNPI exactly once per successful WskCaptureProviderNPI"),
    /** A socket was closed while data indications retained by its callbacks were not released. */
    INDICATION_NOT_RELEASED(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "give back every indication a callback retained (returned STATUS_PENDING) with WskRelease before closing"),
    /** WskDeregister called on a thread of the subsystem's own completion executor (it may deadlock). */
    DEREGISTER_ON_COMPLETION_THREAD(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "call WskDeregister from the driver's own thread (Unload, a worker), never from a completion or callback"),
    /**
     * WskDeregister called while this thread is inside a call into a socket's function (from a completion routine
     * the failing call ran inline): the deregistration waits for that socket, which the call still uses.
     */
    DEREGISTER_INSIDE_CALL(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "never call WskDeregister from a completion routine or callback; signal the driver's unload thread instead"),
    /**
     * KeRaiseIrql to a lower level, KeLowerIrql to a higher level, or a completion executor task (completion
     * routine, callback, work item) that returned above PASSIVE_LEVEL.
     */
    IRQL_BAD_TRANSITION(0x0A, "IRQL_NOT_LESS_OR_EQUAL",
            "pair each KeRaiseIrql with a KeLowerIrql to the level it returned"),
    /** An invalid argument was passed to a kernel routine (not to a WSK function). */
    INVALID_ARGUMENT(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "check the argument against the routine's documented range"),
    /** A buffer description (MDL, WSK_BUF) is longer than the memory it describes. */
    BUFFER_OUT_OF_RANGE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "make Offset + Length lie within the MDL chain; WSK never truncates silently"),
    /**
     * An MDL was freed (IoFreeMdl) or relinked (Mdl-&gt;Next changed) while a pending WSK operation still uses it.
     */
    MDL_RELEASED_WHILE_IN_USE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "keep every MDL of a WSK_BUF allocated, locked and linked until the IRP's completion routine has run"),
    /**
     * Bytes a pending WSK operation uses were given to a second operation where one of the two writes them
     * (two pending receives into the same bytes, or a send of bytes a pending receive is filling).
     */
    MDL_REUSED_WHILE_IN_USE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "give each pending receive its own buffer; reuse a buffer only after the completion routine ran"),
    /** A freed MDL was given to a WSK function in a WSK_BUF. */
    MDL_USED_AFTER_FREE(0xC2, "BAD_POOL_CALLER",
            "do not pass an MDL to WSK after IoFreeMdl; allocate a new one"),
    /** WskFreeAddressInfo was given a list twice, or a list this client did not get from WskGetAddressInfo. */
    ADDRINFO_BAD_FREE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "pass WskFreeAddressInfo exactly once the head of each list WskGetAddressInfo returned to this client"),
    /** A wait named NULL, something that is not a dispatcher object, an uninitialized object, or a freed one. */
    WAIT_OBJECT_INVALID(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "wait only on initialized KEVENT, KTIMER or KTHREAD objects you still hold a reference to"),
    /** KeWaitForMultipleObjects named more than 64 objects, or more than 3 without a wait block array. */
    MAXIMUM_WAIT_OBJECTS_EXCEEDED(0x0C, "MAXIMUM_WAIT_OBJECTS_EXCEEDED",
            "wait on at most 64 objects, and pass a KWAIT_BLOCK array for more than THREAD_WAIT_OBJECTS (3)"),
    /** A timer or DPC was used (set, cancelled, queued) without having been initialized. */
    TIMER_OR_DPC_INVALID(0xC7, "TIMER_OR_DPC_INVALID",
            "call KeInitializeTimer(Ex) and KeInitializeDpc before KeSetTimer(Ex) or KeInsertQueueDpc"),
    /** A work item was queued while already queued, freed while queued, or used after IoFreeWorkItem. */
    WORK_ITEM_INVALID(0xE4, "WORKER_INVALID",
            "queue a work item only when its previous run has started, and free it only when it is not queued"),
    /** A work item's routine returned above PASSIVE_LEVEL. */
    WORKER_THREAD_RETURNED_AT_BAD_IRQL(0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL",
            "lower the IRQL (KeLowerIrql, KeReleaseSpinLock) before the work item routine returns"),
    /** A system thread's start routine let an exception escape. */
    SYSTEM_THREAD_EXCEPTION_NOT_HANDLED(0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED",
            "catch what the thread's code can throw; end the thread by returning or with PsTerminateSystemThread"),
    /**
     * Every driver thread of a simulated kernel waits and no completion, DPC or timer is due: they wait for ever
     * (wsk4j's own check: Driver Verifier's deadlock detection covers locks, not events).
     */
    DRIVER_THREADS_DEADLOCKED(0, null,
            "each thread waits for something only another waiting thread would do: signal before waiting, or wait with"
                    + " a timeout"),
    /** A driver thread polled over and over while nothing else could run (simulated kernel). */
    DRIVER_THREAD_BUSY_LOOP(0, null,
            "block (KeWaitForSingleObject with a timeout, KeDelayExecutionThread) instead of polling in a loop"),
    /** A driver thread (or a queued work item) was still running when its subsystem or test ended. */
    DRIVER_THREAD_LEAKED(0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS",
            "signal each system thread to stop and wait for its thread object before unloading"),
    /** A wait outlasted the wait limit of the real kernel model (the JUnit extension sets the test's). */
    WAIT_LIMIT_EXCEEDED(0, null,
            "the thread waits for something that does not happen: see what every driver thread waits for"),
    /** A spin lock acquired by the thread holding it, released by one that does not, or used uninitialized. */
    SPIN_LOCK_MISUSE(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "acquire each spin lock once and release it on the same thread, with the IRQL its acquisition returned"),
    /** A bad handle, or an object dereferenced more often than referenced. */
    OBJECT_REFERENCE_INVALID(0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION",
            "pass ObReferenceObjectByHandle and ZwClose only open handles, and dereference each object once per"
                    + " reference");

    private final int bugCheckCode;
    private final String bugCheckName;
    private final String hint;

    VerifierRule(int bugCheckCode, String bugCheckName, String hint) {
        this.bugCheckCode = bugCheckCode;
        this.bugCheckName = bugCheckName;
        this.hint = hint;
    }

    /**
     * Returns the Windows bug check code, or 0 when Windows has none for this rule.
     *
     * @return the bug check code, for example 0x44
     */
    public int bugCheckCode() {
        return bugCheckCode;
    }

    /**
     * Returns the Windows bug check name, or null when Windows has none for this rule.
     *
     * @return for example {@code MULTIPLE_IRP_COMPLETE_REQUESTS}
     */
    public String bugCheckName() {
        return bugCheckName;
    }

    /**
     * Returns a one-line hint on the usual fix.
     *
     * @return the hint
     */
    public String hint() {
        return hint;
    }
}
