package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * {@code PFN_WSK_CLIENT_EVENT}: client-level event notification. No event types are defined; return STATUS_NOT_IMPLEMENTED.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskClientEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    NtStatus wskClientEvent(Object clientContext, int eventType, Object information, long informationLength);
}
