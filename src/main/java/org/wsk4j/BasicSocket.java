package org.wsk4j;

import org.wsk4j.spi.TransportEndpoint;

/** A basic socket ({@code WSK_FLAG_BASIC_SOCKET}): options and IOCTLs only, no endpoint, no events. */
final class BasicSocket extends SocketImpl {

    BasicSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                Object context, Object clientDispatch) {
        super(provider, registration, family, type, protocol, Wsk.WSK_FLAG_BASIC_SOCKET, context, clientDispatch);
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
}
