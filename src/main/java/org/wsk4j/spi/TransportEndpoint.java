package org.wsk4j.spi;

import java.net.InetSocketAddress;
import java.net.SocketOption;
import org.wsk4j.nt.NtStatus;

/**
 * What every transport endpoint (connection, listener, datagram) offers: bind, readiness notification,
 * options and close. Thread-safe; readiness callbacks arrive on the transport's thread.
 */
public interface TransportEndpoint {

    /**
     * Binds the endpoint (for a listener: binds and starts listening, see {@link TransportListener}).
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
     * Sets the handler that receives readiness callbacks. Call before the first {@link #setInterest}.
     *
     * @param handler the handler
     */
    void setHandler(TransportHandler handler);

    /**
     * Sets the readiness the handler wants to hear about: a combination of {@link TransportHandler#READ},
     * {@link TransportHandler#WRITE} and {@link TransportHandler#ACCEPT}; 0 for none. Interest is level
     * triggered: while set and ready, callbacks keep coming.
     *
     * @param ops the interest set
     */
    void setInterest(int ops);

    /**
     * Sets a socket option.
     *
     * @param option the option, for example {@code StandardSocketOptions.SO_RCVBUF}
     * @param value  the value
     * @param <T>    the value type
     * @return STATUS_SUCCESS, STATUS_NOT_SUPPORTED when the transport lacks the option, or another failure
     */
    <T> NtStatus setOption(SocketOption<T> option, T value);

    /**
     * Reads a socket option.
     *
     * @param option the option
     * @param <T>    the value type
     * @return the value
     * @throws TransportException with STATUS_NOT_SUPPORTED when the transport lacks the option
     */
    <T> T getOption(SocketOption<T> option) throws TransportException;

    /**
     * Closes the endpoint and releases its resources. Pending readiness interest is dropped.
     *
     * @param abortive for a connection: reset it (no graceful FIN, no TIME_WAIT)
     */
    void close(boolean abortive);
}
