package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;

/**
 * A stream socket ({@code WSK_FLAG_STREAM_SOCKET}): becomes a listener (WskListen) or a connection
 * (WskConnect, WskConnectEx) on first use.
 */
final class StreamSocket extends SocketImpl {

    StreamSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                 Object context, Object clientDispatch) {
        super(provider, registration, family, type, protocol, Wsk.WSK_FLAG_STREAM_SOCKET, context, clientDispatch);
    }

    @Override
    TransportEndpoint endpoint() {
        return null;
    }

    @Override
    void closeEndpoint() {
    }

    @Override
    boolean eventsAllowedNow() {
        return false;
    }

    NtStatus listen(Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }
}
