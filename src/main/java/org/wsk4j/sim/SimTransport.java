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

    SimTransport(SimNetwork network, SimHost host) {
        this.network = network;
        this.host = host;
        this.names = new SimNameService(network, this);
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

    private void check(int addressFamily, String kind) throws TransportException {
        synchronized (network) {
            if (closed) {
                throw new TransportException(NtStatus.STATUS_DEVICE_NOT_READY, null);
            }
            if (addressFamily != SimNetwork.AF_INET && addressFamily != SimNetwork.AF_INET6) {
                throw new TransportException(NtStatus.STATUS_INVALID_PARAMETER, null);
            }
            network.checkCreation(host, kind);
        }
    }

    @Override
    public TransportConnection openConnection(int addressFamily) throws TransportException {
        check(addressFamily, "connection");
        synchronized (network) {
            SimConnection connection = new SimConnection(network, this, addressFamily, network.nextId("c"), false);
            endpoints.add(connection);
            return connection;
        }
    }

    @Override
    public TransportListener openListener(int addressFamily) throws TransportException {
        check(addressFamily, "listener");
        synchronized (network) {
            SimListener listener = new SimListener(network, this, addressFamily, network.nextId("l"));
            endpoints.add(listener);
            return listener;
        }
    }

    @Override
    public TransportDatagram openDatagram(int addressFamily) throws TransportException {
        check(addressFamily, "datagram");
        synchronized (network) {
            SimDatagram datagram = new SimDatagram(network, this, addressFamily, network.nextId("d"));
            endpoints.add(datagram);
            return datagram;
        }
    }

    /** An accepted connection now belongs to this transport (monitor held). */
    void adopt(SimEndpoint endpoint) {
        endpoints.add(endpoint);
    }

    void forget(SimEndpoint endpoint) {
        endpoints.remove(endpoint);
    }

    @Override
    public void close() {
        synchronized (network) {
            if (closed) {
                return;
            }
            closed = true;
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
