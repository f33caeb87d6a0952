package org.wsk4j;

/**
 * {@code WSK_CLIENT_LISTEN_DISPATCH}: the event callbacks of a listening socket; unused members are null.
 *
 * @param wskAcceptEvent  {@code WskAcceptEvent}, or null
 * @param wskInspectEvent {@code WskInspectEvent} (conditional accept), or null
 * @param wskAbortEvent   {@code WskAbortEvent} (conditional accept), or null
 */
public record WskClientListenDispatch(WskAcceptEvent wskAcceptEvent, WskInspectEvent wskInspectEvent,
                                      WskAbortEvent wskAbortEvent) {
}
