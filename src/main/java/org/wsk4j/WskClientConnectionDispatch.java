package org.wsk4j;

/**
 * {@code WSK_CLIENT_CONNECTION_DISPATCH}: the event callbacks of a connection-oriented socket; unused
 * members are null.
 *
 * @param wskReceiveEvent     {@code WskReceiveEvent}, or null
 * @param wskDisconnectEvent  {@code WskDisconnectEvent}, or null
 * @param wskSendBacklogEvent {@code WskSendBacklogEvent}, or null
 */
public record WskClientConnectionDispatch(WskReceiveEvent wskReceiveEvent, WskDisconnectEvent wskDisconnectEvent,
                                          WskSendBacklogEvent wskSendBacklogEvent) {
}
