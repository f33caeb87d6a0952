package org.wsk4j.spi;

import java.net.InetSocketAddress;
import org.wsk4j.nt.NtStatus;

/**
 * One TCP endpoint of a {@link Transport}. Thread-safe; the provider serialises state changes per socket.
 */
public interface TransportConnection {

    /**
     * Binds the endpoint. Synchronous.
     *
     * @param localAddress the local address; wildcard address and port 0 allowed
     * @return STATUS_SUCCESS, STATUS_ADDRESS_ALREADY_ASSOCIATED (in use), STATUS_INVALID_ADDRESS_COMPONENT
     *         (not a local address), STATUS_ACCESS_DENIED, or another failure
     */
    NtStatus bind(InetSocketAddress localAddress);

    /**
     * Returns the bound local address.
     *
     * @return the address, or null when unbound
     */
    InetSocketAddress localAddress();

    /**
     * Returns the connected peer's address.
     *
     * @return the address, or null when not connected
     */
    InetSocketAddress remoteAddress();

    /**
     * Starts connecting a bound endpoint. The outcome goes to {@code callback} exactly once, unless the
     * endpoint is closed first, in which case it may report STATUS_CANCELLED or nothing.
     *
     * @param remoteAddress the destination
     * @param callback      receives the outcome
     */
    void connect(InetSocketAddress remoteAddress, ConnectCallback callback);

    /**
     * Closes the endpoint and releases its resources; a pending connect is abandoned.
     *
     * @param abortive true to reset the connection (no graceful FIN, no TIME_WAIT)
     */
    void close(boolean abortive);
}
