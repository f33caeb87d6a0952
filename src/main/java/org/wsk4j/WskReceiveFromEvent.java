package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * {@code PFN_WSK_RECEIVE_FROM_EVENT}: datagrams arrived. A null dataIndication means the socket is dead. Return STATUS_SUCCESS, STATUS_PENDING to retain the list until WskRelease, or STATUS_DATA_NOT_ACCEPTED.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskReceiveFromEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    NtStatus wskReceiveFromEvent(Object socketContext, int flags, WskDatagramIndication dataIndication);
}
