package org.wsk4j.sim;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.wsk4j.nt.NtStatus;

/** One host of a {@link SimNetwork}: its addresses and its TCP and UDP port tables (guarded by the network). */
final class SimHost {

    final String name;
    final List<InetAddress> addresses = new ArrayList<>();
    /** Bound TCP endpoints (connections and listeners), in bind order. */
    final List<SimEndpoint> tcp = new ArrayList<>();
    /** Bound UDP endpoints, in bind order. */
    final List<SimEndpoint> udp = new ArrayList<>();
    private int nextEphemeral = SimNetwork.FIRST_EPHEMERAL_PORT;
    /** Crashed and not restarted: no traffic in or out, no new sockets. */
    boolean down;
    /** Paused: no traffic in or out until resumed. */
    boolean paused;
    /** The transports created for this host, in creation order. */
    final List<SimTransport> transports = new ArrayList<>();
    /** The completion executors of the subsystems created for this host, in creation order. */
    final List<HostExecutor> executors = new ArrayList<>();

    /** Whether the host neither sends nor answers (crashed or paused). */
    boolean silent() {
        return down || paused;
    }

    SimHost(String name) {
        this.name = name;
    }

    void addAddress(InetAddress address) {
        if (!addresses.contains(address)) {
            addresses.add(address);
        }
    }

    boolean hasFamily(int family) {
        for (InetAddress address : addresses) {
            if (SimNetwork.familyMatches(family, address)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the address can be bound on this host (wildcard, loopback of a family it has, or its own). */
    boolean isLocal(int family, InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return true;
        }
        if (address.isLoopbackAddress()) {
            return hasFamily(family);
        }
        return addresses.contains(address);
    }

    /** Binds an endpoint (wildcard and port 0 allowed); returns the status. */
    NtStatus bind(SimEndpoint endpoint, InetSocketAddress requested, boolean datagram) {
        InetAddress address = requested.getAddress();
        if (address == null || !SimNetwork.familyMatches(endpoint.family, address)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (!isLocal(endpoint.family, address)) {
            return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
        }
        List<SimEndpoint> table = datagram ? udp : tcp;
        int port = requested.getPort();
        if (port == 0) {
            port = ephemeral(endpoint.family, address, table);
            if (port == 0) {
                return NtStatus.STATUS_TOO_MANY_ADDRESSES;
            }
        } else if (inUse(endpoint.family, address, port, table)) {
            return NtStatus.STATUS_ADDRESS_ALREADY_ASSOCIATED;
        }
        endpoint.setLocal(new InetSocketAddress(address, port));
        table.add(endpoint);
        return NtStatus.STATUS_SUCCESS;
    }

    void unbind(SimEndpoint endpoint) {
        tcp.remove(endpoint);
        udp.remove(endpoint);
    }

    private static boolean inUse(int family, InetAddress address, int port, List<SimEndpoint> table) {
        for (SimEndpoint bound : table) {
            InetAddress other = bound.local.getAddress();
            if (bound.family == family && bound.local.getPort() == port
                    && (other.isAnyLocalAddress() || address.isAnyLocalAddress() || other.equals(address))) {
                return true;
            }
        }
        return false;
    }

    private int ephemeral(int family, InetAddress address, List<SimEndpoint> table) {
        int range = 65536 - SimNetwork.FIRST_EPHEMERAL_PORT;
        for (int i = 0; i < range; i++) {
            int port = nextEphemeral;
            nextEphemeral = port == 65535 ? SimNetwork.FIRST_EPHEMERAL_PORT : port + 1;
            if (!inUse(family, address, port, table)) {
                return port;
            }
        }
        return 0;
    }

    private static boolean accepts(SimEndpoint endpoint, InetSocketAddress target) {
        InetAddress bound = endpoint.local.getAddress();
        return !endpoint.closed && endpoint.local.getPort() == target.getPort()
                && SimNetwork.familyMatches(endpoint.family, target.getAddress())
                && (bound.isAnyLocalAddress() || bound.equals(target.getAddress())
                    || bound.isLoopbackAddress() && target.getAddress().isLoopbackAddress());
    }

    /** The listener a connect to {@code target} reaches, or null. */
    SimListener listenerFor(InetSocketAddress target) {
        for (SimEndpoint endpoint : tcp) {
            if (endpoint instanceof SimListener && ((SimListener) endpoint).listening && accepts(endpoint, target)) {
                return (SimListener) endpoint;
            }
        }
        return null;
    }

    /** The UDP endpoint a datagram to {@code target} reaches, or null. */
    SimDatagram datagramFor(InetSocketAddress target) {
        for (SimEndpoint endpoint : udp) {
            if (accepts(endpoint, target)) {
                return (SimDatagram) endpoint;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "SimHost[" + name + " " + addresses + "]";
    }
}
