package org.wsk4j.spi;

/**
 * A TCP listening endpoint of a {@link Transport}. {@link #bind} (inherited) binds <em>and</em> starts
 * listening with the default backlog, as WSK listening sockets do.
 */
public interface TransportListener extends TransportEndpoint {

    /**
     * Takes one established connection, without blocking.
     *
     * @return the connection, or null when none is waiting
     * @throws TransportException with the NTSTATUS of a failure (the listener is unusable)
     */
    TransportConnection accept() throws TransportException;
}
