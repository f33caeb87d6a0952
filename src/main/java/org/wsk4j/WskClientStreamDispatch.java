package org.wsk4j;

/**
 * {@code WSK_CLIENT_STREAM_DISPATCH}: the event callbacks of a stream socket, for the role it takes.
 *
 * @param listen  {@code Listen}: callbacks if it becomes a listener, or null
 * @param connect {@code Connect}: callbacks if it becomes a connection, or null
 */
public record WskClientStreamDispatch(WskClientListenDispatch listen, WskClientConnectionDispatch connect) {
}
