package org.wsk4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.spi.NameService;

/**
 * Client-level services of the provider: {@code WskControlClient} and name resolution
 * ({@code WskGetAddressInfo}, {@code WskFreeAddressInfo}, {@code WskGetNameInfo}).
 *
 * <p>Per-client state (queued WSK_TRANSPORT_LIST_CHANGE requests, cached security descriptors, address lists
 * not yet freed) lives in a {@link ClientState} per {@link WskClient}, guarded by the client's
 * registration's lock. Client-level requests pend like socket operations: a {@link PendingOp} each (exactly-once
 * finish, armed for cancel), the queued list-change requests in a {@link PendingQueue}. Safe for concurrent use
 * from any thread.
 */
final class ClientServices {

    private static final Logger LOG = LoggerFactory.getLogger(ClientServices.class);

    /** The events WSK_SET_STATIC_EVENT_CALLBACKS may enable. */
    static final int STATIC_EVENT_MASK = Wsk.WSK_EVENT_ACCEPT | Wsk.WSK_EVENT_RECEIVE_FROM | Wsk.WSK_EVENT_RECEIVE
            | Wsk.WSK_EVENT_DISCONNECT | Wsk.WSK_EVENT_SEND_BACKLOG;

    /** {@code sizeof(PSECURITY_DESCRIPTOR)} on x64: what WSK_CACHE_SD writes. */
    static final int POINTER_SIZE = 8;

    /** The transports of WSK_TRANSPORT_LIST_QUERY, in order. */
    static final List<WskTransport> TRANSPORTS = List.of(
            new WskTransport(0x0100, Wsk.SOCK_STREAM, Wsk.IPPROTO_TCP, Wsk.AF_INET, WskTransport.WSK4J_PROVIDER_ID),
            new WskTransport(0x0100, Wsk.SOCK_DGRAM, Wsk.IPPROTO_UDP, Wsk.AF_INET, WskTransport.WSK4J_PROVIDER_ID),
            new WskTransport(0x0100, Wsk.SOCK_STREAM, Wsk.IPPROTO_TCP, Wsk.AF_INET6, WskTransport.WSK4J_PROVIDER_ID),
            new WskTransport(0x0100, Wsk.SOCK_DGRAM, Wsk.IPPROTO_UDP, Wsk.AF_INET6, WskTransport.WSK4J_PROVIDER_ID));

    /** The state of one client; every field guarded by the client's registration's lock. */
    static final class ClientState {
        /** Queued WSK_TRANSPORT_LIST_CHANGE requests, in acceptance order. */
        final PendingQueue listChanges = new PendingQueue();
        int listChangeCount;
        final Set<AddrInfoExW> addressLists = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<SecurityDescriptor> cachedDescriptors = Collections.newSetFromMap(new IdentityHashMap<>());
        long tdiBehavior;
    }

    private final WskProvider provider;
    private final NameResolver resolver;
    /** Weak keys: the state of a client goes away with the client handle (after re-registration). */
    private final Map<WskClient, ClientState> states = Collections.synchronizedMap(new WeakHashMap<>());

    ClientServices(WskProvider provider) {
        this.provider = provider;
        this.resolver = new NameResolver(provider.subsystem.name());
    }

    // ---- per-client state ---------------------------------------------------------------------------

    /** The state of the registration's current client; the caller holds the registration's lock. */
    private ClientState stateOf(WskRegistration registration) {
        return states.computeIfAbsent(registration.client(), client -> new ClientState());
    }

    /** The number of WskGetAddressInfo result lists of the registration's client not yet freed. */
    int outstandingAddressInfoCount(WskRegistration registration) {
        synchronized (registration.lock) {
            ClientState state = states.get(registration.client());
            return state == null ? 0 : state.addressLists.size();
        }
    }

    /** The number of security descriptors the registration's client cached and did not release. */
    int cachedSecurityDescriptorCount(WskRegistration registration) {
        synchronized (registration.lock) {
            ClientState state = states.get(registration.client());
            return state == null ? 0 : state.cachedDescriptors.size();
        }
    }

    /** The number of WSK_TRANSPORT_LIST_CHANGE IRPs queued for the registration's client. */
    int pendingTransportListChangeCount(WskRegistration registration) {
        synchronized (registration.lock) {
            ClientState state = states.get(registration.client());
            return state == null ? 0 : state.listChangeCount;
        }
    }

    /** The thread that ran the most recent resolution, or null; for tests. */
    Thread lastResolverThread() {
        return resolver.lastThread();
    }

    /**
     * Called by WskDeregister once the registration is DEREGISTERING (no new IRP can be queued): completes
     * the queued WSK_TRANSPORT_LIST_CHANGE IRPs with STATUS_CANCELLED, inline (so they have completed when
     * this returns, unless the thread's inline-completion depth forced a post), and logs leaks.
     */
    void deregistering(WskRegistration registration) {
        List<Irp> irps = new ArrayList<>();
        int lists;
        int descriptors;
        synchronized (registration.lock) {
            ClientState state = states.get(registration.client());
            if (state == null) {
                return;
            }
            for (PendingOp op : state.listChanges.snapshot()) {
                Irp irp = op.irp;
                if (takeListChange(state, op)) {
                    irps.add(irp);
                }
            }
            lists = state.addressLists.size();
            descriptors = state.cachedDescriptors.size();
        }
        for (Irp irp : irps) {
            // Finished (exactly once) and taken off the queue under the registration's lock: a racing cancel
            // routine finds it finished and does nothing, so the IRP is still ours to touch here.
            Io.setCancelRoutine(irp, null);
            LOG.debug("WskDeregister cancels WSK_TRANSPORT_LIST_CHANGE {}", irp);
            Completions.inline(irp, NtStatus.STATUS_CANCELLED, 0, provider.subsystem.executor());
        }
        if (lists > 0 || descriptors > 0) {
            LOG.warn("WskDeregister({}): the client leaks {} address lists (WskFreeAddressInfo not called) and {}"
                    + " cached security descriptors (WSK_RELEASE_SD not called)", registration, lists, descriptors);
        }
    }

    /** Stops the resolver threads (called by WskSubsystem.close); resolutions not started complete cancelled. */
    void close() {
        resolver.close();
    }

    // ---- WskControlClient ---------------------------------------------------------------------------

    NtStatus controlClient(WskRegistration registration, int controlCode, long inputSize, Object inputBuffer,
                           long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
        LOG.debug("WskControlClient({}, code {}, in {} bytes {}, out {} bytes {}, {})", registration, controlCode,
                inputSize, inputBuffer, outputSize, outputBuffer, irp);
        if (registration == null) {
            return fail(irp, NtStatus.STATUS_INVALID_HANDLE);
        }
        switch (controlCode) {
            case Wsk.WSK_TRANSPORT_LIST_CHANGE:
                return transportListChange(registration, irp);
            case Wsk.WSK_TRANSPORT_LIST_QUERY:
            case Wsk.WSK_CACHE_SD:
            case Wsk.WSK_RELEASE_SD:
            case Wsk.WSK_TDI_DEVICENAME_MAPPING:
            case Wsk.WSK_SET_STATIC_EVENT_CALLBACKS:
            case Wsk.WSK_TDI_BEHAVIOR:
                if (irp != null) {
                    return fail(irp, NtStatus.STATUS_INVALID_PARAMETER); // these codes take no IRP
                }
                break;
            default:
                return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus status;
        switch (controlCode) {
            case Wsk.WSK_TRANSPORT_LIST_QUERY:
                status = transportListQuery(outputSize, outputBuffer, outputSizeReturned);
                break;
            case Wsk.WSK_SET_STATIC_EVENT_CALLBACKS:
                status = setStaticEventCallbacks(registration, inputSize, inputBuffer);
                break;
            case Wsk.WSK_CACHE_SD:
                status = cacheSecurityDescriptor(registration, inputBuffer, outputBuffer, outputSizeReturned);
                break;
            case Wsk.WSK_RELEASE_SD:
                status = releaseSecurityDescriptor(registration, inputBuffer);
                break;
            case Wsk.WSK_TDI_BEHAVIOR:
                status = tdiBehavior(registration, inputSize, inputBuffer);
                break;
            default: // WSK_TDI_DEVICENAME_MAPPING: TDI is legacy and wsk4j has no TDI transports
                status = NtStatus.STATUS_NOT_SUPPORTED;
                break;
        }
        LOG.debug("WskControlClient({}, code {}) returns {}", registration, controlCode, status);
        return status;
    }

    /** Fails a call: returns the status when there is no IRP, else accepts the IRP and completes it with it. */
    private NtStatus fail(Irp irp, NtStatus status) {
        if (irp == null) {
            return status;
        }
        NtStatus rejected = provider.acceptIrp(irp, WskFunction.WskControlClient);
        return rejected != null ? rejected : provider.failNow(irp, status);
    }

    private static void setSize(Ref<Long> outputSizeReturned, long size) {
        if (outputSizeReturned != null) {
            outputSizeReturned.set(size);
        }
    }

    @SuppressWarnings("unchecked")
    private static NtStatus transportListQuery(long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned) {
        long needed = (long) TRANSPORTS.size() * WskTransport.SIZE;
        if (outputBuffer == null) {
            if (outputSize != 0) {
                return NtStatus.STATUS_INVALID_PARAMETER;
            }
            setSize(outputSizeReturned, needed);
            return NtStatus.STATUS_BUFFER_OVERFLOW;
        }
        if (outputBuffer instanceof WskTransport[]) {
            WskTransport[] array = (WskTransport[]) outputBuffer;
            if (Long.compareUnsigned(outputSize, needed) < 0 || array.length < TRANSPORTS.size()) {
                setSize(outputSizeReturned, needed);
                return NtStatus.STATUS_BUFFER_OVERFLOW;
            }
            for (int i = 0; i < TRANSPORTS.size(); i++) {
                array[i] = TRANSPORTS.get(i);
            }
            setSize(outputSizeReturned, needed);
            return NtStatus.STATUS_SUCCESS;
        }
        if (outputBuffer instanceof Ref) {
            ((Ref<Object>) outputBuffer).set(TRANSPORTS.toArray(new WskTransport[0]));
            setSize(outputSizeReturned, needed);
            return NtStatus.STATUS_SUCCESS;
        }
        return NtStatus.STATUS_INVALID_PARAMETER;
    }

    private static NtStatus setStaticEventCallbacks(WskRegistration registration, long inputSize, Object input) {
        if (!(input instanceof WskEventCallbackControl)
                || Long.compareUnsigned(inputSize, WskEventCallbackControl.SIZE) < 0) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        WskEventCallbackControl control = (WskEventCallbackControl) input;
        int mask = control.eventMask();
        if (!Wsk.NPI_WSK_INTERFACE_ID.equals(control.npiId()) || mask == 0 || (mask & ~STATIC_EVENT_MASK) != 0) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        return registration.setStaticEventMask(mask) ? NtStatus.STATUS_SUCCESS
                : NtStatus.STATUS_INVALID_DEVICE_STATE; // too late, or already set (static ones are fixed)
    }

    @SuppressWarnings("unchecked")
    private NtStatus cacheSecurityDescriptor(WskRegistration registration, Object input, Object output,
                                             Ref<Long> outputSizeReturned) {
        if (!(input instanceof SecurityDescriptor) || ((SecurityDescriptor) input).isCached()
                || !(output instanceof Ref)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        SecurityDescriptor cached;
        synchronized (registration.lock) {
            cached = new SecurityDescriptor(((SecurityDescriptor) input).description(), true);
            stateOf(registration).cachedDescriptors.add(cached);
        }
        ((Ref<Object>) output).set(cached);
        setSize(outputSizeReturned, POINTER_SIZE);
        return NtStatus.STATUS_SUCCESS;
    }

    private NtStatus releaseSecurityDescriptor(WskRegistration registration, Object input) {
        if (!(input instanceof SecurityDescriptor)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        SecurityDescriptor descriptor = (SecurityDescriptor) input;
        synchronized (registration.lock) {
            if (!stateOf(registration).cachedDescriptors.remove(descriptor)) {
                return NtStatus.STATUS_INVALID_PARAMETER; // not cached by this client, or already released
            }
        }
        descriptor.markReleased();
        return NtStatus.STATUS_SUCCESS;
    }

    private NtStatus tdiBehavior(WskRegistration registration, long inputSize, Object input) {
        if (!(input instanceof Integer || input instanceof Long) || Long.compareUnsigned(inputSize, 4) < 0) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        long flags = input instanceof Integer ? Integer.toUnsignedLong((Integer) input) : (Long) input;
        if ((flags & ~(long) Wsk.WSK_TDI_BEHAVIOR_BYPASS_TDI) != 0) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        synchronized (registration.lock) {
            if (registration.socketCreated()) {
                return NtStatus.STATUS_INVALID_DEVICE_STATE;
            }
            stateOf(registration).tdiBehavior = flags; // no TDI filters exist in wsk4j: recorded only
        }
        return NtStatus.STATUS_SUCCESS;
    }

    private NtStatus transportListChange(WskRegistration registration, Irp irp) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        NtStatus rejected = provider.acceptIrp(irp, WskFunction.WskControlClient);
        if (rejected != null) {
            return rejected;
        }
        ClientState state;
        PendingOp op = new PendingOp(null, irp, "WSK_TRANSPORT_LIST_CHANGE");
        synchronized (registration.lock) {
            if (!registration.isActive()) {
                state = null;
            } else {
                state = stateOf(registration);
                Io.markIrpPending(irp);
                state.listChanges.link(op);
                state.listChangeCount++;
            }
        }
        if (state == null) {
            return provider.failNow(irp, NtStatus.STATUS_DEVICE_NOT_READY); // WskDeregister has started
        }
        // Whoever finishes the request (the cancel action, or WskDeregister) takes it off the queue and completes it.
        op.arm(() -> cancelListChange(registration, state, op));
        // The transport list never changes in wsk4j: the IRP stays queued until cancelled or WskDeregister.
        return NtStatus.STATUS_PENDING;
    }

    /** Finishes a queued list-change request and takes it off the queue; false when already finished. Lock held. */
    private static boolean takeListChange(ClientState state, PendingOp op) {
        if (!op.tryFinish()) {
            return false;
        }
        state.listChanges.unlink(op);
        state.listChangeCount--;
        return true;
    }

    private void cancelListChange(WskRegistration registration, ClientState state, PendingOp op) {
        Irp irp = op.irp;
        boolean mine;
        synchronized (registration.lock) {
            mine = takeListChange(state, op);
        }
        if (mine) {
            completeLater(irp, NtStatus.STATUS_CANCELLED);
        }
    }

    /** Completes an IRP already marked pending, on the executor, with Information 0. */
    private void completeLater(Irp irp, NtStatus status) {
        LOG.debug("{} completes: {}", irp, status);
        Completions.record(irp, status, 0, null);
        provider.subsystem.executor().execute(() -> Io.completeRequest(irp));
    }

    // ---- name resolution ------------------------------------------------------------------------------

    NtStatus getAddressInfo(WskRegistration registration, String nodeName, String serviceName, int nameSpace,
                            Object nameProvider, AddrInfoExW hints, Ref<AddrInfoExW> result, Object owningProcess,
                            Object owningThread, Irp irp) {
        Ke.requirePassiveLevel("WskGetAddressInfo");
        LOG.debug("WskGetAddressInfo({}, node {}, service {}, namespace {}, hints {}, {})", registration, nodeName,
                serviceName, nameSpace, hints, irp);
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER; // observed: returned, nothing completed
        }
        NtStatus rejected = provider.acceptIrp(irp, WskFunction.WskGetAddressInfo);
        if (rejected != null) {
            return rejected;
        }
        if (registration == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_HANDLE);
        }
        NtStatus invalid = validateAddressInfo(nodeName, serviceName, nameSpace, nameProvider, hints, result);
        if (invalid != null || !validOwner(owningProcess, owningThread)) {
            return provider.failNow(irp, invalid != null ? invalid : NtStatus.STATUS_INVALID_PARAMETER);
        }
        NameService names = provider.subsystem.transport().nameService();
        if (names == null) {
            return resolveOffThread(irp, () -> addressPublication(registration, result,
                    NameResolver.resolveAddress(nodeName, serviceName, hints)));
        }
        String lookup = NameResolver.lookupName(nodeName, serviceName, hints);
        Pending pending = pend(irp);
        if (pending != null) {
            if (lookup == null) {
                pending.finish(addressPublication(registration, result,
                        NameResolver.resolveAddress(nodeName, serviceName, hints, null)));
            } else {
                names.lookupHost(lookup, answer -> pending.finish(addressPublication(registration, result,
                        NameResolver.resolveAddress(nodeName, serviceName, hints, answer))));
            }
        }
        return NtStatus.STATUS_PENDING;
    }

    /**
     * The WDK's rule for OwningProcess / OwningThread (WskGetAddressInfo, WskGetNameInfo): a thread may be given
     * only with its process. Impersonation is not modelled, so its rule (an owner given while the calling thread
     * impersonates is STATUS_INVALID_PARAMETER) never applies.
     */
    private static boolean validOwner(Object owningProcess, Object owningThread) {
        return owningThread == null || owningProcess != null;
    }

    private Publication addressPublication(WskRegistration registration, Ref<AddrInfoExW> result,
                                           NameResolver.Outcome<AddrInfoExW> outcome) {
        return new Publication(outcome.status(), () -> {
            synchronized (registration.lock) {
                stateOf(registration).addressLists.add(outcome.value());
            }
            result.set(outcome.value());
        });
    }

    private static NtStatus validateAddressInfo(String nodeName, String serviceName, int nameSpace,
                                                Object nameProvider, AddrInfoExW hints, Ref<AddrInfoExW> result) {
        boolean noNode = nodeName == null || nodeName.isEmpty();
        boolean noService = serviceName == null || serviceName.isEmpty();
        if (noNode && noService || result == null || nameProvider != null
                || nameSpace != Wsk.NS_ALL && nameSpace != Wsk.NS_DNS) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (hints != null) {
            if (hints.canonName() != null || hints.addr() != null || hints.next() != null
                    || hints.family() != Wsk.AF_UNSPEC && hints.family() != Wsk.AF_INET
                    && hints.family() != Wsk.AF_INET6) {
                return NtStatus.STATUS_INVALID_PARAMETER;
            }
            if ((hints.flags() & Wsk.AI_CANONNAME) != 0 && noNode) {
                return NtStatus.STATUS_INVALID_PARAMETER;
            }
        }
        return null;
    }

    void freeAddressInfo(WskRegistration registration, AddrInfoExW addrInfo) {
        Ke.requirePassiveLevel("WskFreeAddressInfo");
        LOG.debug("WskFreeAddressInfo({}, {})", registration, addrInfo);
        if (addrInfo == null) {
            return; // like FreeAddrInfoExW(NULL): nothing to free
        }
        if (registration == null) {
            provider.subsystem.ioManager().verifier().report(VerifierRule.ADDRINFO_BAD_FREE,
                    "WskFreeAddressInfo with a client that is not registered with this provider", null);
            return;
        }
        boolean freed;
        synchronized (registration.lock) {
            freed = stateOf(registration).addressLists.remove(addrInfo);
        }
        if (!freed) {
            provider.subsystem.ioManager().verifier().report(VerifierRule.ADDRINFO_BAD_FREE,
                    "WskFreeAddressInfo on a list that is not the head of a list WskGetAddressInfo returned to "
                            + registration + ", or that was already freed", null);
        }
    }

    NtStatus getNameInfo(WskRegistration registration, SockAddr sockAddr, int sockAddrLength, Ref<String> nodeName,
                         Ref<String> serviceName, int flags, Object owningProcess, Object owningThread, Irp irp) {
        Ke.requirePassiveLevel("WskGetNameInfo");
        LOG.debug("WskGetNameInfo({}, {} ({} bytes), flags {}, {})", registration, sockAddr, sockAddrLength,
                flags, irp);
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        NtStatus rejected = provider.acceptIrp(irp, WskFunction.WskGetNameInfo);
        if (rejected != null) {
            return rejected;
        }
        if (registration == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_HANDLE);
        }
        SockAddr address = sockAddr instanceof SockAddrStorage ? ((SockAddrStorage) sockAddr).get() : sockAddr;
        int allFlags = Wsk.NI_NOFQDN | Wsk.NI_NUMERICHOST | Wsk.NI_NAMEREQD | Wsk.NI_NUMERICSERV | Wsk.NI_DGRAM;
        if (nodeName == null && serviceName == null || address == null
                || address.family() != Wsk.AF_INET && address.family() != Wsk.AF_INET6
                || sockAddrLength > SockAddrStorage.SIZE || sockAddrLength < address.length()
                || (flags & ~allFlags) != 0 || !validOwner(owningProcess, owningThread)) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        String service = serviceName == null ? null : NameResolver.serviceText(address.port(), flags);
        if (nodeName == null || (flags & Wsk.NI_NUMERICHOST) != 0) {
            // Nothing to look up: no resolver thread needed.
            if (nodeName != null) {
                nodeName.set(NameResolver.numericHost(address));
            }
            if (serviceName != null) {
                serviceName.set(service);
            }
            return provider.completeLater(irp, NtStatus.STATUS_SUCCESS, null);
        }
        NameService names = provider.subsystem.transport().nameService();
        if (names == null) {
            return resolveOffThread(irp, () -> namePublication(NameResolver.reverseLookup(address, flags),
                    NtStatus.STATUS_NOT_FOUND, nodeName, serviceName, service));
        }
        Pending pending = pend(irp);
        if (pending != null) {
            names.lookupAddress(address.address(), answer -> pending.finish(namePublication(
                    NameResolver.reverseResult(address, flags, answer),
                    answer.status().isSuccess() ? NtStatus.STATUS_NOT_FOUND : answer.status(),
                    nodeName, serviceName, service)));
        }
        return NtStatus.STATUS_PENDING;
    }

    /** The publication of a reverse lookup: the host (null: failed with {@code failure}) and the service. */
    private static Publication namePublication(String host, NtStatus failure, Ref<String> nodeName,
                                               Ref<String> serviceName, String service) {
        if (host == null) {
            return new Publication(failure, null);
        }
        return new Publication(NtStatus.STATUS_SUCCESS, () -> {
            nodeName.set(host);
            if (serviceName != null) {
                serviceName.set(service);
            }
        });
    }

    /** A resolution's status and, for a success, how to publish its results (run only if not cancelled). */
    private record Publication(NtStatus status, Runnable publish) {
    }

    /**
     * A pended resolution IRP: the first of cancel, completion and abandonment to flip {@code decided}
     * completes it; the others must not touch it afterwards (it may already be completed and freed by its owner).
     */
    private final class Pending {
        private final Irp irp;
        private final PendingOp op;

        Pending(Irp irp, PendingOp op) {
            this.irp = irp;
            this.op = op;
        }

        /** Completes the IRP with the publication's status (publishing a success) unless it was decided. */
        void finish(Publication publication) {
            if (!op.tryFinish()) {
                LOG.debug("{} was cancelled; resolution result dropped", irp);
                return;
            }
            Io.setCancelRoutine(irp, null);
            if (publication.status() == NtStatus.STATUS_SUCCESS && publication.publish() != null) {
                publication.publish().run();
            }
            completeLater(irp, publication.status());
        }

        /** Completes the IRP with {@code status}, publishing nothing, unless it was decided. */
        void fail(NtStatus status) {
            if (op.tryFinish()) {
                Io.setCancelRoutine(irp, null);
                completeLater(irp, status);
            }
        }
    }

    /**
     * Marks an accepted IRP pending and cancelable through the one pending-operation protocol ({@link PendingOp}:
     * IoCancelIrp completes it with STATUS_CANCELLED and the result is dropped). Returns null when it was already
     * cancelled (then it has been completed cancelled).
     */
    private Pending pend(Irp irp) {
        PendingOp op = new PendingOp(null, irp, "name resolution");
        Io.markIrpPending(irp);
        op.arm(() -> {
            if (op.tryFinish()) {
                completeLater(irp, NtStatus.STATUS_CANCELLED);
            }
        });
        return op.isFinished() ? null : new Pending(irp, op);
    }

    /**
     * Pends an accepted IRP and runs {@code work} on a resolver thread; the IRP is completed on the executor
     * with the work's status and Information 0 (observed), or with STATUS_CANCELLED if IoCancelIrp comes
     * first (the result is then dropped), or the subsystem closes before the work started.
     */
    private NtStatus resolveOffThread(Irp irp, Supplier<Publication> work) {
        Pending pending = pend(irp);
        if (pending == null) {
            return NtStatus.STATUS_PENDING;
        }
        NameResolver.Task task = new NameResolver.Task() {
            @Override
            public void run() {
                Publication publication;
                try {
                    publication = work.get();
                } catch (RuntimeException e) {
                    LOG.warn("name resolution for {} failed unexpectedly", irp, e);
                    publication = new Publication(NtStatus.STATUS_UNSUCCESSFUL, null);
                }
                pending.finish(publication);
            }

            @Override
            void abandon() {
                pending.fail(NtStatus.STATUS_CANCELLED);
            }
        };
        if (!resolver.submit(task)) { // the subsystem is closing
            pending.fail(NtStatus.STATUS_DEVICE_NOT_READY);
        }
        return NtStatus.STATUS_PENDING;
    }
}
