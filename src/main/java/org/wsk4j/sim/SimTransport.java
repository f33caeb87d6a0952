package org.wsk4j.sim;

import java.util.ArrayList;
import java.util.List;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.NameService;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/** The transport of one simulated host: its endpoints live in that host's port tables. */
final class SimTransport implements Transport {

    final SimNetwork network;
    final SimHost host;
    /** Open endpoints, in creation order (guarded by the network). */
    private final List<SimEndpoint> endpoints = new ArrayList<>();
    private boolean closed;
    private final SimNameService names;
    /**
     * Where this transport's callbacks to the provider run (readiness, connect outcomes): the network's executor,
     * or for a subsystem {@link SimNetwork#newSubsystem(String)} built, its host's view of it, so a paused host
     * gets no callbacks until it resumes.
     */
    final org.wsk4j.nt.CompletionExecutor callbacks;

    SimTransport(SimNetwork network, SimHost host, org.wsk4j.nt.CompletionExecutor callbacks) {
        this.network = network;
        this.host = host;
        this.callbacks = callbacks;
        this.names = new SimNameService(network, this);
        host.transports.add(this);
    }

    /** Whether the host crashed under this transport: it is dead for good (a restarted host needs a new one). */
    boolean crashed;

    /**
     * The host crashed (network lock held): every endpoint vanishes without a FIN or a RST (with {@code reset}, the
     * peers of its connections are reset), no callback of this transport runs again, and it opens nothing more.
     */
    void crash(boolean reset) {
        if (crashed || closed) {
            return;
        }
        crashed = true;
        for (SimEndpoint endpoint : new ArrayList<>(endpoints)) {
            endpoint.crash(reset);
        }
    }

    /** The simulated host-name lookups: answered from the network's hosts, in virtual time. */
    @Override
    public NameService nameService() {
        return names;
    }

    @Override
    public String name() {
        return "sim";
    }

    /** Whether an endpoint may be created now (network lock held). */
    private void check(int addressFamily, String kind) throws TransportException {
        if (closed || crashed || host.down) {
            throw new TransportException(NtStatus.STATUS_DEVICE_NOT_READY, null);
        }
        if (addressFamily != SimNetwork.AF_INET && addressFamily != SimNetwork.AF_INET6) {
            throw new TransportException(NtStatus.STATUS_INVALID_PARAMETER, null);
        }
        network.checkCreation(host, kind);
    }

    @Override
    public TransportConnection openConnection(int addressFamily) throws TransportException {
        return open(addressFamily, "connection", "c", id -> new SimConnection(network, this, addressFamily, id, false));
    }

    @Override
    public TransportListener openListener(int addressFamily) throws TransportException {
        return open(addressFamily, "listener", "l", id -> new SimListener(network, this, addressFamily, id));
    }

    @Override
    public TransportDatagram openDatagram(int addressFamily) throws TransportException {
        return open(addressFamily, "datagram", "d", id -> new SimDatagram(network, this, addressFamily, id));
    }

    /** Checks the creation, then creates the endpoint with the next id of its kind: one critical section. */
    private <T extends SimEndpoint> T open(int addressFamily, String kind, String idPrefix,
                                           java.util.function.Function<SimNetwork.EndpointId, T> create)
            throws TransportException {
        synchronized (network.lock) {
            check(addressFamily, kind);
            T endpoint = create.apply(network.nextId(idPrefix));
            endpoints.add(endpoint);
            return endpoint;
        }
    }

    /** An accepted connection now belongs to this transport (network lock held). */
    void adopt(SimEndpoint endpoint) {
        endpoints.add(endpoint);
    }

    void forget(SimEndpoint endpoint) {
        endpoints.remove(endpoint);
    }

    @Override
    public void close() {
        synchronized (network.lock) {
            if (closed) {
                return;
            }
            closed = true;
            host.transports.remove(this);
            for (SimEndpoint endpoint : new ArrayList<>(endpoints)) {
                endpoint.close(true);
            }
            network.log(host.name + " transport closed");
        }
        names.abandon();
    }

    @Override
    public String toString() {
        return "SimTransport[" + host.name + "]";
    }
}
