package org.wsk4j.sim;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.wsk4j.nt.NtStatus;

/**
 * One TCP connect attempt on a {@link SimNetwork}, as recorded by {@link SimNetwork#attempts()} (a snapshot)
 * and as passed to a decider function ({@link SimNetwork#onConnect(java.util.function.Function)}, with no
 * fault and status yet).
 *
 * @param index       the attempt's number in the network, from 1
 * @param time        the virtual time at which the connect started
 * @param host        the name of the connecting host
 * @param source      the local address the connect uses
 * @param destination the address connected to
 * @param fault       the scripted fault applied, or null when the attempt followed normal behaviour
 * @param status      the final status reported to the provider; null while pending; STATUS_CANCELLED when
 *                    the endpoint was closed before an outcome
 * @param completedAt the virtual time of the outcome, or null while pending
 */
public record ConnectAttempt(int index, Duration time, String host, InetSocketAddress source,
                             InetSocketAddress destination, Fault fault, NtStatus status, Duration completedAt) {

    /**
     * Whether the attempt has an outcome.
     *
     * @return true once the status is known
     */
    public boolean isFinished() {
        return status != null;
    }
}
