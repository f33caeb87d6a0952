package org.wsk4j;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifiedObject;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.internal.GuardedBy;

/**
 * The provider's socket object, the {@link WskSocket} a driver holds: what every category shares (pending operations
 * and completion, the serial queue, events, options, bind, close). What the socket does in its category is its
 * {@link SocketRole} ({@link #role()}): basic, connection, listen or datagram for good; a stream socket's role is
 * {@link StreamSocket} until its first WskConnect/WskConnectEx or WskListen replaces it, once, with a connection or
 * listen role.
 *
 * <p><b>Completion order and close.</b> Every completion and event callback of a socket runs on the socket's
 * own serial queue (on the completion executor), in the order it was posted, never two at once. Each pending
 * IRP and each queued callback is counted as outstanding until it ran, except an operation finished and posted
 * under the socket lock (uncounted as it is posted: the close posts its own task after its critical section, so
 * it cannot overtake it); the close IRP completes only after everything outstanding ran and everything posted
 * before it, so once it completed nothing else runs for the socket. Completion routines and callbacks never run
 * while the socket's lock is held.
 *
 * <p>State is guarded by {@link #lock}, a private object: never by the socket object the driver holds.
 */
final class SocketImpl extends WskSocket implements VerifiedObject {

    private static final Logger LOG = LoggerFactory.getLogger(SocketImpl.class);
    private static final AtomicLong IDS = new AtomicLong();

    /** Every event flag a socket of any category may enable. */
    static final int ALL_EVENTS = Wsk.WSK_EVENT_ACCEPT | Wsk.WSK_EVENT_RECEIVE_FROM | Wsk.WSK_EVENT_RECEIVE
            | Wsk.WSK_EVENT_DISCONNECT | Wsk.WSK_EVENT_SEND_BACKLOG;

    final WskProvider provider;
    final WskRegistration registration;
    final long id = IDS.incrementAndGet();
    final int family;
    final int type;
    final int protocol;
    final int category;
    /** The client's socket context; volatile: an accepted socket gets it when WskAcceptEvent returned. */
    volatile Object context;
    /** The client's event dispatch table; volatile for the same reason as {@link #context}. */
    volatile Object clientDispatch;
    private final WskProviderBasicDispatch dispatch;
    private final Throwable allocationSite;

    /**
     * Guards the socket's state (here and in its role). A private object, never the {@link WskSocket} the driver
     * holds: a driver that synchronizes on its own socket object cannot stall the provider. It is the socket's
     * {@link SocketEvents} object, which is private to the provider and always there: no lock object of its own
     * (16 bytes per socket).
     */
    final Object lock;

    /** What the socket does in its category; replaced once for a stream socket (see {@link #commit}). */
    private volatile SocketRole role;

    // guarded by lock
    /**
     * The pending operations the role keeps in no queue of its own, in the order they were accepted; also the first of
     * the socket's queues, which chains the role's ({@link #newQueue}) under one acceptance order.
     */
    @GuardedBy("lock")
    private final PendingQueue pending = new PendingQueue();
    @GuardedBy("lock")
    private int outstanding;
    @GuardedBy("lock")
    private Irp closeIrp;
    private volatile boolean closeCalled;
    /** The socket's event callbacks: enabled events, delivery, disable requests waiting for running callbacks. */
    final SocketEvents events;

    /**
     * The socket's options (its part of WskControlSocket's WskSetOption and WskGetOption); created on first use
     * (most sockets never set or read an option).
     */
    @GuardedBy("lock")
    private SocketOptions options;
    /**
     * The socket's neighbours in its registration's list of open sockets; guarded by the registration's lock
     * (see {@link WskRegistration#openSockets()}).
     */
    SocketImpl prevOpen;
    SocketImpl nextOpen;
    /** Completion routines and callbacks of this socket, in order, one at a time (lock-free). */
    private final SerialQueue serial;

    SocketImpl(WskProvider provider, WskRegistration registration, int family, int type, int protocol, int category,
               Object context, Object clientDispatch) {
        this.provider = provider;
        this.registration = registration;
        this.family = family;
        this.type = type;
        this.protocol = protocol;
        this.category = category;
        this.context = context;
        this.clientDispatch = clientDispatch;
        this.events = new SocketEvents(this, registration.staticEventMask() & SocketRules.eventsValidFor(category, type));
        this.lock = events;
        this.serial = new SerialQueue(this, provider.subsystem.executor());
        this.dispatch = provider.tables.forCategory(category);
        this.allocationSite = provider.subsystem.ioManager().verifier().captureSite(this, " created");
    }

    /** Gives the socket its first role (before the socket is handed out). */
    SocketImpl withRole(SocketRole first) {
        this.role = first;
        return this;
    }

    /** What the socket does in its category now. */
    SocketRole role() {
        return role;
    }

    /**
     * Replaces a stream socket's {@link StreamSocket} role with the role it commits to; false when the role changed
     * meanwhile (another thread committed first). Lock held.
     */
    @GuardedBy("lock")
    boolean commit(StreamSocket from, SocketRole to) {
        if (role != from) {
            return false;
        }
        role = to;
        return true;
    }

    /**
     * The target of a dispatch-table function that needs {@code kind}: this socket for the functions every category
     * has, else its role when it is one; a stream socket not committed yet commits to the connection role on
     * WskConnect and WskConnectEx. Null when the role does not fit (a stream socket committed to the other role).
     */
    <T> T target(Class<T> kind, WskFunction function) {
        if (kind == SocketImpl.class) {
            return kind.cast(this);
        }
        SocketRole current = role;
        if (kind.isInstance(current)) {
            return kind.cast(current);
        }
        if (current instanceof StreamSocket stream && kind == ConnectionSocket.class
                && (function == WskFunction.WskConnect || function == WskFunction.WskConnectEx)) {
            return kind.cast(stream.commitToConnection());
        }
        return null;
    }

    /** Whether the socket's category has the functions that need {@code kind} (else SOCKET_WRONG_CATEGORY). */
    boolean categoryHas(Class<?> kind) {
        if (kind == SocketImpl.class) {
            return true;
        }
        return switch (category) {
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> kind == ConnectionSocket.class;
            case Wsk.WSK_FLAG_LISTEN_SOCKET -> kind == ListenSocket.class;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> kind == DatagramSocket.class;
            case Wsk.WSK_FLAG_STREAM_SOCKET -> kind == ConnectionSocket.class || kind == ListenSocket.class
                    || kind == StreamSocket.class;
            default -> false;
        };
    }

    /** A queue for the role's pending operations, numbered in this socket's acceptance order. */
    PendingQueue newQueue() {
        synchronized (lock) {
            return pending.sharing();
        }
    }

    SocketOptions options() {
        synchronized (lock) {
            if (options == null) {
                options = new SocketOptions(this);
            }
            return options;
        }
    }

    @Override
    public WskProviderBasicDispatch dispatch() {
        return dispatch;
    }

    @Override
    public Throwable allocationSite() {
        return allocationSite;
    }

    @Override
    public Throwable handoverSite() {
        return null;
    }

    /** Calls into this socket's functions running now (all threads); see {@link #enterCall()}. */
    private volatile int callsRunning;
    private static final java.lang.invoke.VarHandle CALLS_RUNNING;

    static {
        try {
            CALLS_RUNNING = java.lang.invoke.MethodHandles.lookup().findVarHandle(SocketImpl.class, "callsRunning",
                    int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A dispatch-table call on this socket starts (counted for the close-during-call check). */
    void enterCall() {
        CALLS_RUNNING.getAndAdd(this, 1);
    }

    /** The call counted by {@link #enterCall()} returned. */
    void exitCall() {
        CALLS_RUNNING.getAndAdd(this, -1);
    }

    /** How many calls into this socket's functions are running now, on any thread. */
    int callsRunning() {
        return callsRunning;
    }

    boolean isCloseCalled() {
        return closeCalled;
    }

    /** The transport endpoint of the role, or null. */
    TransportEndpoint endpoint() {
        return role.endpoint();
    }

    // ---- pending operations and completion -------------------------------------------------------

    /**
     * Registers an accepted IRP as pending, in the socket's own queue: marks it pending and counts it. Throws
     * {@link ClosedDuringCall} when the socket is closing.
     */
    PendingOp pend(Irp irp, String kind) {
        synchronized (lock) {
            return pendLocked(new PendingOp(this, irp, kind), false, null, pending);
        }
    }

    /**
     * {@link #pend(Irp, String)} for an operation that uses the bytes of {@code buffers} until it completes: claims
     * them (see {@link org.wsk4j.nt.MdlClaim}) before the operation is visible to other threads, so that freeing
     * or reusing them meanwhile is reported and the claim is released exactly when the operation finishes.
     */
    <O extends PendingOp> O pend(O op, boolean writes, WskBuf[] buffers, PendingQueue queue) {
        if (buffers != null) {
            for (WskBuf buffer : buffers) {
                claim(op, buffer, writes);
            }
        }
        synchronized (lock) {
            return pendLocked(op, writes, null, queue);
        }
    }

    /**
     * Pends an operation (a {@link PendingOp} or a role's subclass carrying its arguments) into {@code queue} (this
     * socket's own, or one of its role's from {@link #newQueue}), claiming the bytes of {@code buffer}: one critical
     * section for a role that queues, arms and starts the operation under the lock.
     */
    @GuardedBy("lock")
    <O extends PendingOp> O pendLocked(O op, boolean writes, WskBuf buffer, PendingQueue queue) {
        if (closeCalled) {
            op.tryFinish(); // releases the claim on its buffers
            throw ClosedDuringCall.INSTANCE;
        }
        claim(op, buffer, writes);
        queue.link(op);
        outstanding++;
        op.countsOutstanding = true;
        Io.markIrpPending(op.irp);
        return op;
    }

    /**
     * Completes an operation whose work was done during its call, under the lock that accepted it (a send the
     * transport took whole): the IRP is marked pending and its completion posted as for any operation, but the
     * operation is never queued, armed for cancellation, counted outstanding or holding its bytes, since no other
     * thread could reach it before it finished. Posted under this lock, the completion cannot be overtaken by a
     * close (whose own post follows its critical section). Returns STATUS_PENDING.
     *
     * @throws ClosedDuringCall when WskCloseSocket was called on another thread (see {@link #pendLocked})
     */
    @GuardedBy("lock")
    NtStatus completeAtOnce(PendingOp op, NtStatus status, long information) {
        refuseIfClosed();
        Io.markIrpPending(op.irp);
        op.finishedAtOnce();
        op.countsOutstanding = false;
        Completions.record(op.irp, status, information, null);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} completes at once: {} ({})", this, op, status, information);
        }
        post(op);
        return NtStatus.STATUS_PENDING;
    }

    /**
     * Thrown (without a stack trace) by the pend methods when WskCloseSocket was called on another thread after the
     * call passed its socket lookup (a {@link org.wsk4j.nt.VerifierRule#SOCKET_CLOSED_DURING_CALL} race): the
     * close took its list of operations to cancel already, so the operation must not be pended; the dispatch table
     * completes the IRP with STATUS_INVALID_HANDLE, as for a call that finds the socket closed.
     */
    static final class ClosedDuringCall extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final ClosedDuringCall INSTANCE = new ClosedDuringCall();

        private ClosedDuringCall() {
            super("socket closed during the call", null, false, false);
        }
    }

    /** Throws {@link ClosedDuringCall} once the close was called. Lock held. */
    private void refuseIfClosed() {
        if (closeCalled) {
            throw ClosedDuringCall.INSTANCE;
        }
    }

    /** Adds a buffer's bytes to the operation's claim, when the verifier checks MDL use. */
    private void claim(PendingOp op, WskBuf buffer, boolean writes) {
        if (buffer == null || buffer.length() <= 0 || buffer.mdl() == null) {
            return;
        }
        if (op.claim == null) {
            if (!WskBufs.claimsChecked(provider.subsystem.ioManager().verifier())) {
                return;
            }
            op.claim = new org.wsk4j.nt.MdlClaim(op);
        } else if (op.claim.isReleased()) {
            op.claim.renew(); // a reused operation (see PendingOp.reuse): its last use's ranges are reused too
        }
        op.claim.add(buffer.mdl(), buffer.offset(), buffer.length(), writes);
    }

    /** Completes a pending operation exactly once, on the serial queue. Returns false when already finished. */
    boolean finish(PendingOp op, NtStatus status, long information, Object informationObject) {
        if (!op.tryFinish()) {
            return false;
        }
        synchronized (lock) {
            PendingQueue queue = op.queue;
            if (queue != null) { // null: whoever took it off its queue finishes it (this call)
                queue.unlink(op);
            }
        }
        complete(op, status, information, informationObject);
        return true;
    }

    /** {@link #finish(PendingOp, NtStatus, long, Object)} for a caller that holds this socket's lock. */
    @GuardedBy("lock")
    boolean finishLocked(PendingOp op, NtStatus status, long information) {
        if (!op.tryFinish()) {
            return false;
        }
        PendingQueue queue = op.queue;
        if (queue != null) {
            queue.unlink(op);
        }
        if (op.countsOutstanding && closeIrp == null) {
            // Posted below under this lock: a later close posts its own task after this one, so the count that
            // keeps the close waiting is not needed (it is for operations posted outside the lock, see finish).
            outstanding--;
            op.countsOutstanding = false;
        }
        complete(op, status, information, null);
        return true;
    }

    /** The rest of finishing, after the operation was claimed and unlinked: status, then the completion task. */
    private void complete(PendingOp op, NtStatus status, long information, Object informationObject) {
        Irp irp = op.irp;
        if (Io.setCancelRoutine(irp, null) == null) {
            op.retire(); // IoCancelIrp took the routine (or none was armed): the cancel may still run it, never reuse it
        }
        Completions.record(irp, status, information, informationObject);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} completes: {} ({})", this, op, status, information);
        }
        post(op); // completes the IRP, then releases the socket's outstanding count
    }

    boolean finish(PendingOp op, NtStatus status) {
        return finish(op, status, 0, null);
    }

    /** Posts a task to this socket's serial queue. */
    void post(Runnable task) {
        serial.post(task);
    }

    /** Counts a queued task (an event callback) as outstanding: the close waits for it. */
    void countOutstanding() {
        synchronized (lock) {
            outstanding++;
        }
    }

    /** The task counted by {@link #countOutstanding()} ran. */
    void releaseOutstanding() {
        outstandingDone();
    }

    void outstandingDone() {
        Irp toComplete = null;
        synchronized (lock) {
            outstanding--;
            if (outstanding == 0 && closeIrp != null) {
                toComplete = closeIrp;
                closeIrp = null;
            }
        }
        if (toComplete != null) {
            completeClose(toComplete);
        }
    }

    // ---- event callbacks -----------------------------------------------------------------------------

    boolean isEventEnabled(int event) {
        return events.isEnabled(event);
    }

    int eventMask() {
        return events.mask();
    }

    /** Disables an event from the provider side (for example a receive-from event that returned DATA_NOT_ACCEPTED). */
    void clearEvent(int event) {
        events.clear(event);
    }

    boolean isStaticEvent(int event) {
        return events.isStatic(event);
    }

    /** Runs an event callback on the serial queue at DISPATCH_LEVEL (see {@link SocketEvents#deliver}). */
    void deliver(int event, Runnable callback) {
        events.deliver(event, callback, null);
    }

    /** {@link #deliver(int, Runnable)}, running {@code onSkipped} instead when closing or disabled meanwhile. */
    void deliver(int event, Runnable callback, Runnable onSkipped) {
        events.deliver(event, callback, onSkipped);
    }

    /**
     * A socket accepted through WskAcceptEvent: takes the context and dispatch table the callback returned and
     * the connection events inherited from the listener (enabled as if with SO_WSK_EVENT_CALLBACK).
     */
    void acceptedThroughEvent(Object acceptContext, Object acceptDispatch, int inheritedEvents) {
        synchronized (lock) {
            this.context = acceptContext;
            this.clientDispatch = acceptDispatch;
            events.enable(inheritedEvents & SocketRules.eventsValidFor(category, type)); // reentrant: one critical section
        }
    }

    /** The number of indication lists its callbacks retained and the client has not released. */
    int retainedIndications() {
        return role.retainedIndications();
    }

    /** Called (outside the lock) after events were enabled, so the role can indicate what is waiting. */
    void onEventsEnabled(int enabled) {
        role.onEventsEnabled(enabled);
    }

    /** Whether events may be enabled now: after bind (listen, datagram) or after connect (connection). */
    boolean eventsAllowedNow() {
        return role.eventsAllowedNow();
    }

    // ---- WskControlSocket ----------------------------------------------------------------------------

    NtStatus control(WskControlSocketType requestType, int controlCode, int level, long inputSize, Object inputBuffer,
                     long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
        if (requestType == null) {
            return controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0);
        }
        if (requestType == WskControlSocketType.WskSetOption && level == Wsk.SOL_SOCKET
                && controlCode == Wsk.SO_WSK_EVENT_CALLBACK) {
            return events.control(inputSize, inputBuffer, irp);
        }
        if (requestType == WskControlSocketType.WskIoctl) {
            return role.ioctl(controlCode, inputSize, inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp);
        }
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER; // socket options require an IRP
        }
        if (requestType == WskControlSocketType.WskSetOption) {
            Integer value = SocketOptions.ulong(inputSize, inputBuffer);
            NtStatus status = value == null ? NtStatus.STATUS_INVALID_PARAMETER : role.setOption(level, controlCode, value);
            return controlDone(irp, status, 0);
        }
        if (outputSize < 4 || outputBuffer == null) {
            if (outputSizeReturned != null) {
                outputSizeReturned.set(4L);
            }
            return controlDone(irp, NtStatus.STATUS_BUFFER_OVERFLOW, 4);
        }
        Ref<Integer> value = new Ref<>();
        NtStatus status = options().get(level, controlCode, value);
        if (status == NtStatus.STATUS_SUCCESS && !SocketOptions.writeUlong(outputBuffer, value.get())) {
            status = NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (status == NtStatus.STATUS_SUCCESS && outputSizeReturned != null) {
            outputSizeReturned.set(4L);
        }
        return controlDone(irp, status, status == NtStatus.STATUS_SUCCESS ? 4 : 0);
    }

    /**
     * Completes an accepted IRP with a failure found in one of this socket's functions: inline with the failure
     * returned, or, for a function that reports failures through the completion (WskBind), through this socket's serial
     * queue with STATUS_PENDING returned (decided by {@link Completions#failure}).
     */
    NtStatus fail(Irp irp, NtStatus status) {
        return fail(irp, status, 0);
    }

    /** {@link #fail(Irp, NtStatus)} with an Information value (the size needed, for STATUS_BUFFER_OVERFLOW). */
    NtStatus fail(Irp irp, NtStatus status, long information) {
        LOG.debug("{} {} fails: {}", this, irp, status);
        return Completions.failure(irp, status, information, provider.subsystem.executor(), this::post, lock);
    }

    /** Completes a control request: with no IRP, the status is just returned. */
    NtStatus controlDone(Irp irp, NtStatus status, long information) {
        if (irp == null) {
            return status;
        }
        if (!status.isSuccess()) {
            return fail(irp, status, information);
        }
        return completeSoon(irp, status, information, null);
    }

    /**
     * Completes an accepted IRP that succeeded at once, through the serial queue (so it cannot overtake a
     * close), and returns STATUS_PENDING, as Windows does.
     */
    NtStatus completeSoon(Irp irp, NtStatus status, long information, Object informationObject) {
        return Completions.later(irp, status, information, informationObject, this::post, lock);
    }

    /**
     * IOCTLs every socket has; roles handle theirs and delegate here for the rest.
     *
     * <ul>
     *   <li>SIO_ADDRESS_LIST_QUERY (PASSIVE_LEVEL, no IRP): the local addresses of the socket's family.</li>
     *   <li>SIO_ADDRESS_LIST_CHANGE (PASSIVE_LEVEL, IRP required): pends until the address list changes, which
     *       wsk4j never observes, so it completes only by cancellation or close.</li>
     *   <li>SIO_WSK_REGISTER_EXTENSION, SIO_WSK_SET_TCP_SILENT_MODE: STATUS_NOT_SUPPORTED.</li>
     * </ul>
     */
    NtStatus commonIoctl(int controlCode, long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned,
                         Irp irp) {
        switch (controlCode) {
            case Wsk.SIO_ADDRESS_LIST_QUERY:
                Ke.requirePassiveLevel("WskControlSocket(SIO_ADDRESS_LIST_QUERY)");
                return irp != null ? controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0) // this IOCTL takes no IRP
                        : SocketRules.addressListQuery(family, outputSize, outputBuffer, outputSizeReturned);
            case Wsk.SIO_ADDRESS_LIST_CHANGE:
                Ke.requirePassiveLevel("WskControlSocket(SIO_ADDRESS_LIST_CHANGE)");
                if (irp == null) {
                    return NtStatus.STATUS_INVALID_PARAMETER; // this IOCTL requires an IRP
                }
                PendingOp change = pend(irp, "SIO_ADDRESS_LIST_CHANGE");
                change.arm(() -> finish(change, NtStatus.STATUS_CANCELLED));
                return NtStatus.STATUS_PENDING;
            case Wsk.SIO_WSK_REGISTER_EXTENSION: // no extension interfaces are provided
            case Wsk.SIO_WSK_SET_TCP_SILENT_MODE: // java.nio cannot stop the kernel from sending
                return controlDone(irp, NtStatus.STATUS_NOT_SUPPORTED, 0);
            default:
                return controlDone(irp, NtStatus.STATUS_INVALID_DEVICE_REQUEST, 0);
        }
    }

    /** Whether the socket has a local address (options that must precede bind check this). */
    boolean isBound() {
        TransportEndpoint endpoint = endpoint();
        return endpoint != null && endpoint.localAddress() != null;
    }

    // ---- addresses -----------------------------------------------------------------------------------

    NtStatus getLocalAddress(SockAddr localAddress, Irp irp) {
        if (localAddress == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        TransportEndpoint endpoint = endpoint();
        InetSocketAddress local = endpoint == null ? null : endpoint.localAddress();
        if (local == null) {
            return fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE);
        }
        return fillAddress(localAddress, local, irp);
    }

    NtStatus fillAddress(SockAddr target, InetSocketAddress address, Irp irp) {
        if (!target.fill(address)) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER); // buffer cannot hold the family
        }
        return completeSoon(irp, NtStatus.STATUS_SUCCESS, 0, null);
    }

    // ---- bind ----------------------------------------------------------------------------------------

    /**
     * WskBind: checks, then the role's {@link SocketRole#bindEndpoint}. Every failure completes the IRP later with
     * STATUS_PENDING returned, as on Windows ({@link WskFunction#failurePends}).
     */
    NtStatus bind(SockAddr localAddress, int flags, Irp irp) {
        TransportEndpoint endpoint = endpoint();
        if (endpoint == null) {
            return fail(irp, NtStatus.STATUS_NOT_IMPLEMENTED); // type does not fit the category (observed)
        }
        if (flags != 0 || localAddress == null) {
            return fail(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        NtStatus status = bindNow(localAddress);
        return status == NtStatus.STATUS_SUCCESS ? completeSoon(irp, status, 0, null) : fail(irp, status);
    }

    /** Binds the endpoint synchronously; STATUS_SUCCESS or the failure. */
    NtStatus bindNow(SockAddr localAddress) {
        return bindNow(localAddress, false);
    }

    /**
     * Binds the endpoint synchronously; with {@code thenConnect} (WskSocketConnect, whose connect follows at once)
     * through {@link #bindEndpoint}'s connect variant, which may leave the bind to the connect.
     */
    NtStatus bindNow(SockAddr localAddress, boolean thenConnect) {
        if (localAddress.family() != family) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        synchronized (lock) {
            SocketRole current = role;
            TransportEndpoint endpoint = current.endpoint();
            if (endpoint.localAddress() != null || !current.canBind()) {
                return NtStatus.STATUS_INVALID_DEVICE_STATE;
            }
            NtStatus status = current.bindEndpoint(localAddress.toInetSocketAddress(), thenConnect);
            LOG.debug("{} bind {}{}: {}", this, localAddress, thenConnect ? " (then connect)" : "", status);
            if (status == NtStatus.STATUS_SUCCESS) {
                current.onBound();
            }
            return status;
        }
    }

    // ---- close ---------------------------------------------------------------------------------------

    NtStatus close(Irp irp) {
        List<PendingOp> toCancel;
        List<PendingOp> waiters;
        Io.markIrpPending(irp);
        synchronized (lock) {
            closeCalled = true;
            toCancel = pending.snapshotAll();
            closeIrp = irp;
            outstanding++; // held until the cancellations below are queued
            waiters = events.takeDisableWaiters();
        }
        for (PendingOp waiter : waiters) {
            finish(waiter, NtStatus.STATUS_SUCCESS); // no callback runs after the close: the disable is done
        }
        for (PendingOp op : toCancel) {
            finish(op, NtStatus.STATUS_CANCELLED);
        }
        role.closeEndpoint();
        post(this::outstandingDone); // after everything already queued for this socket
        return NtStatus.STATUS_PENDING;
    }

    private void completeClose(Irp irp) {
        Completions.record(irp, NtStatus.STATUS_SUCCESS, 0, null);
        LOG.debug("{} closed", this);
        try {
            Io.completeRequest(irp);
        } finally {
            // Counted closed only once the close IRP's completion routine returned, so WskDeregister (which waits for
            // the count) cannot return while a routine of this socket is still to run: a driver may unload then.
            registration.socketClosed(this);
        }
    }

    /** Marks a socket that was never handed out as closed and releases it (WskSocketConnect failure paths). */
    void destroy() {
        synchronized (lock) {
            closeCalled = true;
        }
        role.closeEndpoint();
        registration.socketClosed(this);
    }

    String kind() {
        return switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET -> "listen";
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> "connection";
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> "datagram";
            case Wsk.WSK_FLAG_STREAM_SOCKET -> "stream";
            default -> "basic";
        };
    }

    @Override
    public String toString() {
        return "socket#" + id + "[" + kind() + (family == Wsk.AF_INET6 ? ", AF_INET6" : ", AF_INET") + "]";
    }
}
