package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * {@code PFN_WSK_ACCEPT_EVENT}: a connection was accepted on a listening socket. A null acceptSocket means the listener is no longer functional. Return STATUS_SUCCESS to keep the connection (setting the two out-parameters) or STATUS_REQUEST_NOT_ACCEPTED to reject it.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskAcceptEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    NtStatus wskAcceptEvent(Object socketContext, int flags, SockAddr localAddress, SockAddr remoteAddress, WskSocket acceptSocket, Ref<Object> acceptSocketContext, Ref<WskClientConnectionDispatch> acceptSocketDispatch);
}
