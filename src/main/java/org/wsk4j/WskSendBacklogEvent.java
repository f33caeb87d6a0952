package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * {@code PFN_WSK_SEND_BACKLOG_EVENT}: the ideal amount of outstanding send data changed. Must return STATUS_SUCCESS.
 *
 * <p>Runs at DISPATCH_LEVEL on a completion or transport thread; it must not block and must not wait
 * for WSK requests to complete. Address arguments are valid only during the call.
 */
@FunctionalInterface
public interface WskSendBacklogEvent {

    /**
     * Handles the event (see the interface documentation).
     *
     * @return the callback's status, as documented for the interface
     */
    NtStatus wskSendBacklogEvent(Object socketContext, long idealBacklogSize);
}
