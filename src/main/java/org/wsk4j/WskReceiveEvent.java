package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * {@code PFN_WSK_RECEIVE_EVENT}: data arrived on a connection. A null dataIndication means the socket is dead. Return STATUS_SUCCESS (set bytesAccepted for a partial take), STATUS_PENDING to retain the list until WskRelease, or STATUS_DATA_NOT_ACCEPTED.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskReceiveEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    NtStatus wskReceiveEvent(Object socketContext, int flags, WskDataIndication dataIndication, long bytesIndicated, Ref<Long> bytesAccepted);
}
