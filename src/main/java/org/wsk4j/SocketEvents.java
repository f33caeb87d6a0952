package org.wsk4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Irql;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.internal.GuardedBy;

/**
 * A socket's event callbacks: which events are enabled (SO_WSK_EVENT_CALLBACK, statically, or inherited and locked
 * on a listener), the delivery of a callback on the socket's serial queue at DISPATCH_LEVEL, and disable requests
 * that wait (pended, cancellable) for the callbacks of their event still running.
 *
 * <p>A part of its socket (composition, one per {@link SocketImpl}); its state is guarded by the socket's
 * {@code lock}. Callbacks never run while that lock is held.
 */
final class SocketEvents {

    private static final Logger LOG = LoggerFactory.getLogger(SocketEvents.class);

    private final SocketImpl socket;
    /** Events enabled with SO_WSK_EVENT_CALLBACK or statically. */
    @GuardedBy("socket.lock")
    private int mask;
    /** Events enabled statically (WSK_SET_STATIC_EVENT_CALLBACKS): can never be disabled. */
    private final int staticMask;
    /** Events that must stay on (inherited connection events on a listener). */
    @GuardedBy("socket.lock")
    private int lockedMask;
    // Created on first use: most sockets never need them (heap per socket, issue 7).
    /** Per event bit (index = its bit number): how many callbacks of that event are running now; or null. */
    @GuardedBy("socket.lock")
    private int[] running;
    /** Disable requests (pending, cancellable) waiting for running callbacks, per event flag; or null. */
    @GuardedBy("socket.lock")
    private Map<Integer, List<PendingOp>> disableWaiters;

    SocketEvents(SocketImpl socket, int staticMask) {
        this.socket = socket;
        this.staticMask = staticMask;
        this.mask = staticMask;
    }

    boolean isEnabled(int event) {
        synchronized (socket.lock) {
            return (mask & event) != 0;
        }
    }

    int mask() {
        synchronized (socket.lock) {
            return mask;
        }
    }

    /** Enables events (validated by the caller). */
    void enable(int events) {
        synchronized (socket.lock) {
            mask |= events;
        }
    }

    /** Makes enabled events impossible to disable (connection events a listener's accepted sockets inherit). */
    void keepEnabled(int events) {
        synchronized (socket.lock) {
            lockedMask |= events;
        }
    }

    /** Disables an event from the provider side (for example a receive-from event that returned DATA_NOT_ACCEPTED). */
    void clear(int event) {
        synchronized (socket.lock) {
            if ((staticMask & event) == 0) {
                mask &= ~event;
            }
        }
    }

    boolean isStatic(int event) {
        synchronized (socket.lock) {
            return (staticMask & event) != 0;
        }
    }

    /**
     * Runs an event callback on the serial queue at DISPATCH_LEVEL, unless the socket is being closed or the event
     * was disabled meanwhile (then {@code onSkipped}, if any, runs instead, at the thread's IRQL). What the callback
     * throws is recorded. The callback is counted as outstanding, so the close waits for it.
     */
    void deliver(int event, Runnable callback, Runnable onSkipped) {
        socket.countOutstanding();
        socket.post(() -> {
            try {
                boolean skip;
                synchronized (socket.lock) {
                    skip = socket.isCloseCalled() || (mask & event) == 0;
                    if (!skip) {
                        if (running == null) {
                            running = new int[32];
                        }
                        running[Integer.numberOfTrailingZeros(event)]++;
                    }
                }
                if (skip) {
                    if (onSkipped != null) {
                        onSkipped.run();
                    }
                    return;
                }
                Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
                try {
                    callback.run();
                } catch (Throwable t) {
                    socket.provider.subsystem.ioManager().recordRoutineFailure("event callback of " + socket, t);
                } finally {
                    Ke.lowerIrql(old);
                    callbackReturned(event);
                }
            } finally {
                socket.releaseOutstanding();
            }
        });
    }

    private void callbackReturned(int event) {
        List<PendingOp> waiters = null;
        synchronized (socket.lock) {
            int left = --running[Integer.numberOfTrailingZeros(event)];
            if (left == 0 && disableWaiters != null) {
                waiters = disableWaiters.remove(event);
            }
        }
        if (waiters != null) {
            for (PendingOp waiter : waiters) {
                socket.finish(waiter, NtStatus.STATUS_SUCCESS);
            }
        }
    }

    /** A cancelled disable request stops waiting for the callbacks and completes with STATUS_CANCELLED. */
    private void cancelDisable(int event, PendingOp waiter) {
        synchronized (socket.lock) {
            List<PendingOp> waiters = disableWaiters == null ? null : disableWaiters.get(event);
            if (waiters == null || !waiters.remove(waiter)) {
                return; // the callbacks returned meanwhile: it completes (or completed) with STATUS_SUCCESS
            }
        }
        socket.finish(waiter, NtStatus.STATUS_CANCELLED);
    }

    /** The disable requests still waiting, taken away (the close completes them: no callback runs after it). Lock held. */
    List<PendingOp> takeDisableWaiters() {
        synchronized (socket.lock) { // reentrant: the close holds it already
            if (disableWaiters == null || disableWaiters.isEmpty()) {
                return List.of(); // no disable waits (the common close): no list allocated
            }
            List<PendingOp> waiters = new ArrayList<>();
            disableWaiters.values().forEach(waiters::addAll);
            disableWaiters.clear();
            return waiters;
        }
    }

    /** SO_WSK_EVENT_CALLBACK: enables events, or disables one (waiting, pended, for its running callbacks). */
    NtStatus control(long inputSize, Object inputBuffer, Irp irp) {
        if (!(inputBuffer instanceof WskEventCallbackControl control) || inputSize < WskEventCallbackControl.SIZE) {
            return socket.controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0);
        }
        if (!Wsk.NPI_WSK_INTERFACE_ID.equals(control.npiId())) {
            return socket.controlDone(irp, NtStatus.STATUS_NOT_SUPPORTED, 0); // extension interfaces: not supported
        }
        int requested = control.eventMask();
        boolean disable = (requested & Wsk.WSK_EVENT_DISABLE) != 0;
        int events = requested & ~Wsk.WSK_EVENT_DISABLE;
        int valid = SocketRules.eventsValidFor(socket.category, socket.type);
        if (events == 0 || (events & ~valid) != 0) {
            return socket.controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0);
        }
        if (!disable) {
            NtStatus refused = null;
            synchronized (socket.lock) {
                if (!socket.eventsAllowedNow()) {
                    refused = NtStatus.STATUS_INVALID_DEVICE_STATE;
                } else {
                    mask |= events;
                }
            }
            if (refused != null) {
                return socket.controlDone(irp, refused, 0);
            }
            LOG.debug("{} events enabled: 0x{}", socket, Integer.toHexString(events));
            socket.onEventsEnabled(events);
            return socket.controlDone(irp, NtStatus.STATUS_SUCCESS, 0);
        }
        if (Integer.bitCount(events) != 1) {
            return socket.controlDone(irp, NtStatus.STATUS_INVALID_PARAMETER, 0); // one event per disable call
        }
        boolean pendingDisable;
        PendingOp waiter = null;
        synchronized (socket.lock) {
            if ((staticMask & events) != 0 || (lockedMask & events) != 0) {
                pendingDisable = false;
                events = -1;
            } else {
                mask &= ~events;
                pendingDisable = running != null && running[Integer.numberOfTrailingZeros(events)] > 0;
                if (pendingDisable && irp != null) {
                    waiter = socket.pend(irp, "event disable");
                    if (disableWaiters == null) {
                        disableWaiters = new HashMap<>(4);
                    }
                    disableWaiters.computeIfAbsent(events, k -> new ArrayList<>()).add(waiter);
                }
            }
        }
        if (events == -1) {
            return socket.controlDone(irp, NtStatus.STATUS_INVALID_DEVICE_STATE, 0); // static or inherited: stays on
        }
        if (waiter != null) {
            int event = events;
            PendingOp pended = waiter;
            waiter.arm(() -> cancelDisable(event, pended));
        }
        if (pendingDisable) {
            return irp != null ? NtStatus.STATUS_PENDING : NtStatus.STATUS_EVENT_PENDING;
        }
        return socket.controlDone(irp, NtStatus.STATUS_SUCCESS, 0);
    }
}
