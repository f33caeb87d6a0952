package org.wsk4j;

import org.wsk4j.spi.TransportEndpoint;

/** The role of a basic socket ({@code WSK_FLAG_BASIC_SOCKET}): options and IOCTLs only, no endpoint, no events. */
final class BasicSocket extends SocketRole {

    BasicSocket(SocketImpl socket) {
        super(socket);
    }

    @Override
    TransportEndpoint endpoint() {
        return null;
    }

    @Override
    void closeEndpoint() {
    }
}
