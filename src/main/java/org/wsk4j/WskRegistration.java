package org.wsk4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.internal.GuardedBy;

/**
 * {@code WSK_REGISTRATION}: the registration block a client passes to {@code WskRegister} and every
 * other registration function. Opaque: create one per registration (as a C driver declares a static
 * variable) and never touch it; it can be registered again after {@code WskDeregister} returned.
 *
 * <p>Thread safety: all registration functions may be called on one block from different threads; the
 * block's state is guarded internally, by a private lock (never the block itself: a driver may synchronize on its
 * own block without stalling the provider).
 *
 * <p>Inside the provider the block is a state machine ({@link State}): {@code WskRegister} moves it from
 * UNUSED or DEREGISTERED to REGISTERED, {@code WskDeregister} to DEREGISTERING and, once every capture is released
 * and every socket closed, to DEREGISTERED. Every transition and every counter change is a method of this class,
 * made under its lock.
 */
public final class WskRegistration {

    /** The life cycle of a registration block. */
    enum State {
        /** Never registered. */
        UNUSED,
        /** Between WskRegister and WskDeregister: captures and sockets may be made. */
        REGISTERED,
        /** WskDeregister was called and waits for captures and sockets. */
        DEREGISTERING,
        /** WskDeregister returned; the block may be registered again. */
        DEREGISTERED
    }

    /** What {@link #checkClient} found about a client handle passed to a provider-dispatch function. */
    enum ClientCheck {
        /** Not this block's current client, or not of this subsystem. */
        FOREIGN,
        /** This block's client, with the provider NPI captured (or not registered any more: the call decides). */
        VALID,
        /** This block's client, registered, with every capture released: {@code NPI_USED_AFTER_RELEASE}. */
        RELEASED
    }

    private static final AtomicLong IDS = new AtomicLong();

    final long id = IDS.incrementAndGet();
    /**
     * Guards this block's state, and is what WskDeregister and waiting captures wait on. Also guards the per-client
     * state {@link ClientServices} keeps for the block's client (address lists, cached descriptors, list-change
     * IRPs), so that it changes atomically with the block's state.
     */
    final Object lock = new Object();
    // All guarded by lock.
    @GuardedBy("lock")
    private WskSubsystem subsystem;
    @GuardedBy("lock")
    private WskClientNpi clientNpi;
    @GuardedBy("lock")
    private WskClient client;
    @GuardedBy("lock")
    private State state = State.UNUSED;
    @GuardedBy("lock")
    private int captures;
    @GuardedBy("lock")
    private int sockets;
    @GuardedBy("lock")
    private long socketsOpened;
    @GuardedBy("lock")
    private long socketsClosed;
    @GuardedBy("lock")
    private DeregistrationSummary summary;
    /**
     * The open sockets, in creation order (for leak reports): a list linked through the sockets themselves
     * ({@link SocketImpl#prevOpen}, {@link SocketImpl#nextOpen}), so tracking a socket allocates nothing (a
     * {@code LinkedHashSet} entry cost about 48 bytes per socket).
     */
    @GuardedBy("lock")
    private SocketImpl firstOpen;
    @GuardedBy("lock")
    private SocketImpl lastOpen;
    /** Event mask set by WSK_SET_STATIC_EVENT_CALLBACKS (0 when none); applied to every new socket. */
    @GuardedBy("lock")
    private int staticEventMask;
    /** Whether any socket was ever created by this registration (static callbacks must come first). */
    @GuardedBy("lock")
    private boolean socketCreated;
    /**
     * What the per-call checks read (client, state, captures, static event mask): replaced in every critical section
     * that changes one of them, so a check reads one volatile instead of taking the lock, and still sees the block as
     * it was between two of those critical sections.
     */
    private volatile View view = new View(null, null, State.UNUSED, 0, 0);

    /** A snapshot of the fields the per-call checks read. */
    private record View(WskSubsystem subsystem, WskClient client, State state, int captures, int staticEventMask) {
    }

    /** Publishes the fields the checks read, after a change. */
    @GuardedBy("lock")
    private void publishLocked() {
        view = new View(subsystem, client, state, captures, staticEventMask);
    }

    /** Creates an unused registration block. */
    public WskRegistration() {
    }

    // ---- transitions -----------------------------------------------------------------------------------------

    /**
     * WskRegister: UNUSED or DEREGISTERED to REGISTERED, with a new client and every counter reset.
     *
     * @return false (nothing changed) when the block is registered or deregistering
     */
    boolean register(WskSubsystem owner, WskClientNpi npi, long clientId) {
        synchronized (lock) {
            if (state == State.REGISTERED || state == State.DEREGISTERING) {
                return false;
            }
            subsystem = owner;
            clientNpi = npi;
            client = new WskClient(this, clientId);
            state = State.REGISTERED;
            captures = 0;
            sockets = 0;
            socketsOpened = 0;
            socketsClosed = 0;
            socketCreated = false; // a new client: static callbacks may be set again
            staticEventMask = 0;
            publishLocked();
            return true;
        }
    }

    /**
     * WskCaptureProviderNPI: waits (up to {@code deadlineNanos}, unless {@code wait} is false) until
     * {@code providerReady} holds, then counts a capture if the client's version is supported.
     *
     * @return the client on success; null with {@code status[0]} set otherwise
     */
    WskClient capture(WskSubsystem owner, boolean wait, long deadlineNanos, BooleanSupplier providerReady,
                      IntPredicate versionSupported, NtStatus[] status) {
        synchronized (lock) {
            while (true) {
                NtStatus unusable = unusableFor(owner);
                if (unusable != null) {
                    status[0] = unusable;
                    return null;
                }
                if (providerReady.getAsBoolean()) {
                    break;
                }
                long remaining = deadlineNanos - System.nanoTime();
                if (!wait || remaining <= 0) {
                    status[0] = NtStatus.STATUS_DEVICE_NOT_READY;
                    return null;
                }
                try {
                    lock.wait(Math.max(1, Math.min(remaining / 1_000_000, 60_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    status[0] = NtStatus.STATUS_DEVICE_NOT_READY;
                    return null;
                }
            }
            if (!versionSupported.test(clientNpi.dispatch().version())) {
                status[0] = NtStatus.STATUS_NOINTERFACE;
                return null;
            }
            captures++;
            publishLocked();
            status[0] = NtStatus.STATUS_SUCCESS;
            return client;
        }
    }

    /**
     * WskReleaseProviderNPI: one capture fewer.
     *
     * @return false (nothing changed) when no capture is left to release
     */
    boolean release() {
        synchronized (lock) {
            if (captures == 0) {
                return false;
            }
            captures--;
            publishLocked();
            lock.notifyAll();
            return true;
        }
    }

    /**
     * Null when the block is registered with {@code owner}; else STATUS_DEVICE_NOT_READY (deregistration started or
     * done) or STATUS_INVALID_PARAMETER (not registered, or with another subsystem).
     */
    NtStatus unusableFor(WskSubsystem owner) {
        synchronized (lock) {
            if (state == State.DEREGISTERING || state == State.DEREGISTERED) {
                return NtStatus.STATUS_DEVICE_NOT_READY;
            }
            return state != State.REGISTERED || subsystem != owner ? NtStatus.STATUS_INVALID_PARAMETER : null;
        }
    }

    /**
     * WskDeregister's first step: REGISTERED to DEREGISTERING; captures waiting for the provider are released.
     *
     * @return false (nothing changed) when the block is not registered
     */
    boolean beginDeregister() {
        synchronized (lock) {
            if (state != State.REGISTERED) {
                return false;
            }
            state = State.DEREGISTERING;
            publishLocked();
            lock.notifyAll();
            return true;
        }
    }

    /**
     * WskDeregister's wait: until every capture is released and every socket closed, logging what still holds it
     * at the intervals {@code reportInterval} gives for the reports so far (backing off); then DEREGISTERING to DEREGISTERED. An interrupt does not end the wait (it is
     * restored afterwards).
     */
    void awaitDeregistered(java.util.function.IntFunction<Duration> reportInterval, Logger log) {
        synchronized (lock) {
            int reports = 0;
            long nextReport = System.nanoTime() + reportInterval.apply(reports).toNanos();
            boolean interrupted = false;
            while (captures > 0 || sockets > 0) {
                long now = System.nanoTime();
                if (now >= nextReport) {
                    log.warn("WskDeregister({}) is waiting: {} captured NPIs not released, {} sockets not closed: {}",
                            this, captures, sockets, openSocketsLocked());
                    nextReport = now + reportInterval.apply(++reports).toNanos(); // backs off
                }
                try {
                    lock.wait(Math.max(1, (nextReport - now) / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true; // WskDeregister cannot be abandoned: keep waiting
                }
            }
            state = State.DEREGISTERED;
            publishLocked();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether every capture is released and every socket closed (what WskDeregister waits for). */
    boolean drained() {
        synchronized (lock) {
            return captures == 0 && sockets == 0;
        }
    }

    /** Wakes captures waiting for the provider (its readiness changed, or the subsystem closed). */
    void wakeWaiters() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** Makes and keeps the deregistration summary from the block's socket counts (opened, closed). */
    DeregistrationSummary summarize(BiFunction<Long, Long, DeregistrationSummary> make) {
        synchronized (lock) {
            summary = make.apply(socketsOpened, socketsClosed);
            return summary;
        }
    }

    // ---- sockets and static callbacks ----------------------------------------------------------------------------

    void socketOpened(SocketImpl socket) {
        synchronized (lock) {
            sockets++;
            socketsOpened++;
            socket.prevOpen = lastOpen;
            socket.nextOpen = null;
            if (lastOpen == null) {
                firstOpen = socket;
            } else {
                lastOpen.nextOpen = socket;
            }
            lastOpen = socket;
            socketCreated = true;
        }
    }

    void socketClosed(SocketImpl socket) {
        synchronized (lock) {
            sockets--;
            socketsClosed++;
            unlinkOpen(socket);
            if (sockets == 0) {
                lock.notifyAll(); // WskDeregister waits for the last socket; nothing waits for one close among many
            }
        }
    }

    /**
     * WSK_SET_STATIC_EVENT_CALLBACKS: sets the static event mask.
     *
     * @return false (nothing changed) once a socket was created or a mask was set
     */
    boolean setStaticEventMask(int mask) {
        synchronized (lock) {
            if (socketCreated || staticEventMask != 0) {
                return false;
            }
            staticEventMask = mask;
            publishLocked();
            return true;
        }
    }

    int staticEventMask() {
        return view.staticEventMask();
    }

    boolean socketCreated() {
        synchronized (lock) {
            return socketCreated;
        }
    }

    // ---- queries -------------------------------------------------------------------------------------------------

    boolean isActive() {
        return view.state() == State.REGISTERED;
    }

    /** The subsystem of the last WskRegister (null before the first). */
    WskSubsystem subsystem() {
        return view.subsystem();
    }

    /** The current client handle (null before the first WskRegister). */
    WskClient client() {
        return view.client();
    }

    /** Whether {@code candidate} is this block's current client on {@code owner}, and whether its NPI is released. */
    ClientCheck checkClient(WskSubsystem owner, WskClient candidate) {
        View now = view; // one snapshot: the checks see the block between two of its transitions
        if (now.subsystem() != owner || now.client() != candidate) {
            return ClientCheck.FOREIGN;
        }
        return now.state() == State.REGISTERED && now.captures() == 0 ? ClientCheck.RELEASED : ClientCheck.VALID;
    }

    /**
     * Returns the number of sockets of this registration not yet closed (created and not closed).
     *
     * @return the count
     */
    public int openSocketCount() {
        synchronized (lock) {
            return sockets;
        }
    }

    /**
     * Returns the sockets of this registration not yet closed, in creation order. Their
     * {@code toString()} names them ({@code socket#7[connection, AF_INET]}); each is a
     * {@link org.wsk4j.nt.VerifiedObject} whose allocation site tells where it was created (for leak
     * reports such as the JUnit extension's).
     *
     * @return a snapshot
     */
    public List<WskSocket> openSockets() {
        synchronized (lock) {
            return openSocketsLocked();
        }
    }

    @GuardedBy("lock")
    private List<WskSocket> openSocketsLocked() {
        List<WskSocket> list = new ArrayList<>();
        for (SocketImpl socket = firstOpen; socket != null; socket = socket.nextOpen) {
            list.add(socket);
        }
        return list;
    }

    /** Takes a socket off the open list (nothing when it is not on it). */
    @GuardedBy("lock")
    private void unlinkOpen(SocketImpl socket) {
        if (socket.prevOpen == null && firstOpen != socket) {
            return; // not on the list
        }
        if (socket.prevOpen == null) {
            firstOpen = socket.nextOpen;
        } else {
            socket.prevOpen.nextOpen = socket.nextOpen;
        }
        if (socket.nextOpen == null) {
            lastOpen = socket.prevOpen;
        } else {
            socket.nextOpen.prevOpen = socket.prevOpen;
        }
        socket.prevOpen = null;
        socket.nextOpen = null;
    }

    /**
     * Returns the number of successful captures not yet released.
     *
     * @return the count
     */
    public int captureCount() {
        synchronized (lock) {
            return captures;
        }
    }

    /**
     * Returns what the last {@code WskDeregister} of this block found.
     *
     * @return the summary, or null before the first deregistration returned
     */
    public DeregistrationSummary deregistrationSummary() {
        synchronized (lock) {
            return summary;
        }
    }

    /**
     * Tells whether {@code WskDeregister} has been called and has not yet returned.
     *
     * @return true while deregistering
     */
    public boolean isDeregistering() {
        synchronized (lock) {
            return state == State.DEREGISTERING;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "WSK_REGISTRATION#" + id + "[" + state.name().toLowerCase(java.util.Locale.ROOT) + ", " + captures
                    + " captures, " + sockets + " sockets]";
        }
    }
}
