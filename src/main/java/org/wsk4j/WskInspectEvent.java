package org.wsk4j;



/**
 * {@code PFN_WSK_INSPECT_EVENT}: conditional accept: decide about a connection request before the handshake. A null inspectId means the listener is dead.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskInspectEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    WskInspectAction wskInspectEvent(Object socketContext, SockAddr localAddress, SockAddr remoteAddress, WskInspectId inspectId);
}
