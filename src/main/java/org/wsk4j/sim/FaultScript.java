package org.wsk4j.sim;

import java.util.Objects;

/**
 * The faults attached to one hook point of a {@link SimNetwork} (connects or datagrams to an address or a
 * port): a FIFO queue, each fault used by one attempt, and an optional standing fault used when the queue
 * is empty.
 *
 * <pre>{@code
 * network.onConnect(new InetSocketAddress("10.0.0.2", 80)).thenFault(Fault.refuse(), Fault.blackHole());
 * network.onConnect(443).always(Fault.refuse());
 * }</pre>
 *
 * <p>Threading: like {@link SimNetwork}, use from the thread that drives the network's executor.
 */
public final class FaultScript {

    private final SimNetwork network;
    final SimNetwork.Hook hook;

    FaultScript(SimNetwork network, SimNetwork.Hook hook) {
        this.network = network;
        this.hook = hook;
    }

    /**
     * Queues faults, each consumed by one attempt, in order.
     *
     * @param faults the faults
     * @return this script
     * @throws IllegalArgumentException when a fault does not fit the hook (a datagram fault on a connect hook)
     */
    public FaultScript thenFault(Fault... faults) {
        for (Fault fault : faults) {
            hook.check(Objects.requireNonNull(fault, "fault"));
        }
        synchronized (network.lock) {
            for (Fault fault : faults) {
                hook.queue.addLast(fault);
            }
        }
        return this;
    }

    /**
     * Sets the fault used for every attempt while the queue is empty (null to remove it).
     *
     * @param fault the standing fault, or null
     * @return this script
     */
    public FaultScript always(Fault fault) {
        if (fault != null) {
            hook.check(fault);
        }
        synchronized (network.lock) {
            hook.standing = fault;
        }
        return this;
    }

    /**
     * Returns how many queued faults are still unused.
     *
     * @return the count
     */
    public int remaining() {
        synchronized (network.lock) {
            return hook.queue.size();
        }
    }

    @Override
    public String toString() {
        return "FaultScript[" + hook.description + "]";
    }
}
