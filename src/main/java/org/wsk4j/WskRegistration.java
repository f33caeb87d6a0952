package org.wsk4j;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code WSK_REGISTRATION}: the registration block a client passes to {@code WskRegister} and every
 * other registration function. Opaque: create one per registration (as a C driver declares a static
 * variable) and never touch it; it can be registered again after {@code WskDeregister} returned.
 *
 * <p>Thread safety: all registration functions may be called on one block from different threads; the
 * block's state is guarded internally.
 */
public final class WskRegistration {

    static final int UNUSED = 0;
    static final int REGISTERED = 1;
    static final int DEREGISTERING = 2;
    static final int DEREGISTERED = 3;

    private static final AtomicLong IDS = new AtomicLong();

    final long id = IDS.incrementAndGet();
    /**
     * Guards the fields below and is what WskDeregister and waiting captures wait on: a private object, never this
     * block, which the driver holds (a driver synchronizing on its own registration cannot stall the provider).
     */
    final Object lock = new Object();
    // All guarded by lock.
    WskSubsystem subsystem;
    WskClientNpi clientNpi;
    WskClient client;
    int state = UNUSED;
    int captures;
    int sockets;
    long socketsOpened;
    long socketsClosed;
    DeregistrationSummary summary;
    /** The open sockets, in creation order (for leak reports). */
    final Set<WskSocket> openSockets = new LinkedHashSet<>();
    /** Event mask set by WSK_SET_STATIC_EVENT_CALLBACKS (0 when none); applied to every new socket. */
    int staticEventMask;
    /** Whether any socket was ever created by this registration (static callbacks must come first). */
    boolean socketCreated;

    /** Creates an unused registration block. */
    public WskRegistration() {
    }

    boolean isActive() {
        synchronized (lock) {
            return state == REGISTERED;
        }
    }

    void socketOpened(WskSocket socket) {
        synchronized (lock) {
            sockets++;
            socketsOpened++;
            openSockets.add(socket);
            socketCreated = true;
        }
    }

    void socketClosed(WskSocket socket) {
        synchronized (lock) {
            sockets--;
            socketsClosed++;
            openSockets.remove(socket);
            if (sockets == 0) {
                lock.notifyAll(); // WskDeregister waits for the last socket; nothing waits for one close among many
            }
        }
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
            return new ArrayList<>(openSockets);
        }
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
            return state == DEREGISTERING;
        }
    }

    @Override
    public String toString() {
        synchronized (lock) {
            String[] names = {"unused", "registered", "deregistering", "deregistered"};
            return "WSK_REGISTRATION#" + id + "[" + names[state] + ", " + captures + " captures, " + sockets
                    + " sockets]";
        }
    }
}
