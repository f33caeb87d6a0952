package org.wsk4j;

/**
 * {@code WSK_CLIENT_DATAGRAM_DISPATCH}: the event callback of a datagram socket.
 *
 * @param wskReceiveFromEvent {@code WskReceiveFromEvent}, or null
 */
public record WskClientDatagramDispatch(WskReceiveFromEvent wskReceiveFromEvent) {
}
