package org.wsk4j.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.spi.TransportListener;

/** A simulated TCP listener: bind starts listening; established connections wait in a bounded backlog. */
final class SimListener extends SimEndpoint implements TransportListener {

    final ArrayDeque<SimConnection> queue = new ArrayDeque<>();
    final int backlog;
    boolean listening;

    SimListener(SimNetwork network, SimTransport transport, int family, SimNetwork.EndpointId id) {
        super(network, transport, family, id);
        this.backlog = network.config().backlog();
    }

    @Override
    boolean datagram() {
        return false;
    }

    @Override
    void onBound() {
        listening = true;
    }

    @Override
    int readyOps() {
        return queue.isEmpty() ? 0 : TransportHandler.ACCEPT;
    }

    @Override
    public TransportConnection accept() throws TransportException {
        synchronized (network.lock) {
            if (closed || !listening) {
                throw new TransportException(NtStatus.STATUS_INVALID_DEVICE_STATE, null);
            }
            SimConnection connection = queue.pollFirst();
            if (connection != null) {
                transport.adopt(connection);
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(id + " accepted " + connection.id + " from "
                            + SimNetwork.hostString(connection.remote));
                }
            }
            return connection;
        }
    }

    @Override
    void beforeCrash(boolean reset) {
        for (SimConnection waiting : new ArrayList<>(queue)) {
            waiting.crash(reset);
        }
        queue.clear();
    }

    @Override
    void beforeClose(boolean abortive) {
        listening = false;
        for (SimConnection waiting : new ArrayList<>(queue)) {
            waiting.close(true); // the connecting side sees a reset
        }
        queue.clear();
    }
}
