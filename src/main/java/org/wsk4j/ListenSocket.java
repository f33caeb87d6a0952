package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportListener;

/**
 * A listening socket ({@code WSK_FLAG_LISTEN_SOCKET}): bind starts listening; connections are taken with
 * WskAccept IRPs or delivered through WskAcceptEvent (conditional accept: WskInspectEvent / WskAbortEvent).
 */
class ListenSocket extends SocketImpl {

    final TransportListener listener;

    ListenSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                 int category, Object context, Object clientDispatch, TransportListener listener) {
        super(provider, registration, family, type, protocol, category, context, clientDispatch);
        this.listener = listener;
    }

    @Override
    TransportEndpoint endpoint() {
        return listener;
    }

    @Override
    void closeEndpoint() {
        if (listener != null) {
            listener.close(true);
        }
    }

    @Override
    boolean eventsAllowedNow() {
        return listener != null && listener.localAddress() != null;
    }

    NtStatus accept(int flags, Object acceptSocketContext, WskClientConnectionDispatch acceptSocketDispatch,
                    SockAddr localAddress, SockAddr remoteAddress, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus inspectComplete(WskInspectId inspectId, WskInspectAction action, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }
}
