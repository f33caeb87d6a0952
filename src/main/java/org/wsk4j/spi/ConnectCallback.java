package org.wsk4j.spi;

import org.wsk4j.nt.NtStatus;

/**
 * Receives the outcome of {@link TransportConnection#connect}. Called at most once, on a transport thread
 * or on the thread that called connect; it must not block.
 */
@FunctionalInterface
public interface ConnectCallback {

    /**
     * Reports the outcome.
     *
     * @param status STATUS_SUCCESS, or the failure (for example STATUS_CONNECTION_REFUSED)
     * @param cause  the transport's exception behind a failure, or null
     */
    void connectCompleted(NtStatus status, Throwable cause);
}
