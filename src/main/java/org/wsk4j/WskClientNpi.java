package org.wsk4j;

/**
 * {@code WSK_CLIENT_NPI}: the client's network programming interface, given to {@code WskRegister}.
 *
 * @param clientContext {@code ClientContext}: passed back to the client event callback, or null
 * @param dispatch      {@code Dispatch}: the client dispatch table; must not be null
 */
public record WskClientNpi(Object clientContext, WskClientDispatch dispatch) {
}
