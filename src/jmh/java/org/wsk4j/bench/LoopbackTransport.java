package org.wsk4j.bench;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;
import org.wsk4j.spi.TransportListener;

/**
 * A transport without system calls, for measuring what wsk4j itself costs per operation: every connection is
 * its own echo peer (what is written becomes readable on the same connection), connects succeed at once, and
 * bytes are counted, not copied. Readiness is delivered by {@link #poll()}, which plays the NIO selector loop:
 * the thread that calls it is adopted as a direct-completion thread and runs the completions queued by each
 * callback right after it. Confined to that one thread.
 */
final class LoopbackTransport implements Transport {

    private final List<Connection> connections = new ArrayList<>();
    private final Thread owner = Thread.currentThread();

    LoopbackTransport() {
        DirectCompletionExecutor.adoptCurrentThread();
    }

    @Override
    public String name() {
        return "loopback-bench";
    }

    @Override
    public TransportConnection openConnection(int addressFamily) {
        Connection connection = new Connection();
        connections.add(connection);
        return connection;
    }

    @Override
    public TransportListener openListener(int addressFamily) throws TransportException {
        throw new TransportException(NtStatus.STATUS_NOT_SUPPORTED, null);
    }

    @Override
    public TransportDatagram openDatagram(int addressFamily) throws TransportException {
        throw new TransportException(NtStatus.STATUS_NOT_SUPPORTED, null);
    }

    /** One round of the "selector loop": readiness callbacks for readable connections, then their completions. */
    void poll() {
        for (int i = 0; i < connections.size(); i++) {
            Connection c = connections.get(i);
            if (c.readable > 0 && (c.interest & TransportHandler.READ) != 0) {
                c.handler.onReadable();
                DirectCompletionExecutor.runQueued();
            }
        }
    }

    @Override
    public void close() {
        connections.clear();
    }

    private final class Connection implements TransportConnection {
        private TransportHandler handler;
        private int interest;
        private long readable;
        private InetSocketAddress local;
        private InetSocketAddress remote;

        @Override
        public NtStatus bind(InetSocketAddress localAddress) {
            local = new InetSocketAddress(localAddress.getAddress(), 49152);
            return NtStatus.STATUS_SUCCESS;
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public void connect(InetSocketAddress remoteAddress, ConnectCallback callback) {
            remote = remoteAddress;
            callback.connectCompleted(NtStatus.STATUS_SUCCESS, null);
        }

        @Override
        public boolean readinessPolledNext() {
            return Thread.currentThread() == owner;
        }

        @Override
        public long read(ByteBuffer[] destinations) {
            long total = 0;
            for (ByteBuffer b : destinations) {
                int n = (int) Math.min(b.remaining(), readable - total);
                b.position(b.position() + n);
                total += n;
            }
            readable -= total;
            return total;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            long total = 0;
            for (ByteBuffer b : sources) {
                total += b.remaining();
                b.position(b.limit());
            }
            readable += total;
            return total;
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void setHandler(TransportHandler handler) {
            this.handler = handler;
        }

        @Override
        public void setInterest(int ops) {
            interest = ops;
        }

        @Override
        public <T> NtStatus setOption(SocketOption<T> option, T value) {
            return NtStatus.STATUS_SUCCESS;
        }

        @Override
        public <T> T getOption(SocketOption<T> option) throws TransportException {
            throw new TransportException(NtStatus.STATUS_NOT_SUPPORTED, null);
        }

        @Override
        public void close(boolean abortive) {
            connections.remove(this);
        }
    }
}
