package org.wsk4j;

/**
 * {@code WSK_CLIENT_DISPATCH}: the WSK version the client asks for and its optional client-level event
 * callback.
 *
 * @param version        {@code Version}, for example {@code Wsk.MAKE_WSK_VERSION(1, 0)}
 * @param reserved       {@code Reserved}; must be 0
 * @param wskClientEvent {@code WskClientEvent}, or null
 */
public record WskClientDispatch(int version, int reserved, WskClientEvent wskClientEvent) {
}
