package org.wsk4j;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportHandler;

/** Test support: forwards every endpoint call to an inner endpoint; fault-injecting subclasses override what they break. */
abstract class ForwardingEndpoint<E extends TransportEndpoint> implements TransportEndpoint {

    final E inner;

    ForwardingEndpoint(E inner) {
        this.inner = inner;
    }

    @Override
    public NtStatus bind(InetSocketAddress localAddress) {
        return inner.bind(localAddress);
    }

    @Override
    public InetSocketAddress localAddress() {
        return inner.localAddress();
    }

    @Override
    public void setHandler(TransportHandler handler) {
        inner.setHandler(handler);
    }

    @Override
    public void setInterest(int ops) {
        inner.setInterest(ops);
    }

    @Override
    public <T> NtStatus setOption(SocketOption<T> option, T value) {
        return inner.setOption(option, value);
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws TransportException {
        return inner.getOption(option);
    }

    @Override
    public void close(boolean abortive) {
        inner.close(abortive);
    }
}
