package org.wsk4j.spi;

/**
 * The transport SPI: what the WSK provider needs from a network to carry out socket operations. The
 * provider owns all WSK semantics (validation, states, which status goes where, IRP completion,
 * cancellation); a transport only moves bytes and reports outcomes as NTSTATUS values.
 *
 * <p>wsk4j ships two transports: real sockets through java.nio (the default) and the simulated network.
 * Implementations must be thread-safe: the provider calls them from any thread.
 */
public interface Transport extends AutoCloseable {

    /**
     * A short name for diagnostics, for example {@code "nio"}.
     *
     * @return the name
     */
    String name();

    /**
     * Creates an unbound TCP endpoint of the given family.
     *
     * @param addressFamily {@code AF_INET} (2) or {@code AF_INET6} (23)
     * @return the endpoint
     * @throws TransportException with STATUS_INSUFFICIENT_RESOURCES (or another status) when it cannot
     *                            be created
     */
    TransportConnection openConnection(int addressFamily) throws TransportException;

    /**
     * Creates an unbound TCP listening endpoint of the given family.
     *
     * @param addressFamily {@code AF_INET} (2) or {@code AF_INET6} (23)
     * @return the endpoint
     * @throws TransportException when it cannot be created
     */
    TransportListener openListener(int addressFamily) throws TransportException;

    /**
     * Creates an unbound UDP endpoint of the given family.
     *
     * @param addressFamily {@code AF_INET} (2) or {@code AF_INET6} (23)
     * @return the endpoint
     * @throws TransportException when it cannot be created
     */
    TransportDatagram openDatagram(int addressFamily) throws TransportException;

    /**
     * Returns the name service that answers the host-name lookups of {@code WskGetAddressInfo} and
     * {@code WskGetNameInfo} on this transport, or null (the default) to let the provider use the JVM's
     * resolver on its own threads.
     *
     * @return the name service, or null
     */
    default NameService nameService() {
        return null;
    }

    /** Releases the transport's threads and resources; endpoints still open are closed. Idempotent. */
    @Override
    void close();
}
