package org.wsk4j.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.wsk4j.nt.NtStatus;

/**
 * One TCP connection endpoint of a {@link Transport}: bind, connect, then non-blocking reads and writes
 * driven by readiness. Thread-safe, but the provider serialises reads (and writes) per socket.
 */
public interface TransportConnection extends TransportEndpoint {

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
     * Binds for a connect that follows at once ({@code WskSocketConnect}, where the socket is invisible until it
     * is connected, so nobody can observe when its port was chosen). The default is {@link #bind}.
     *
     * <p>A transport may defer a wildcard bind with port 0 to the connect, where the operating system chooses the
     * port knowing the destination: Linux then walks the ephemeral range per destination instead of picking a
     * random port, which matters at high connect rates (a random port can meet the peer's TIME_WAIT entry for
     * the same four-tuple, and the SYN is answered with a reset). After a deferred bind {@link #localAddress()}
     * is null until the connect completes, and {@link #connect} must accept the unbound connection.
     *
     * @param localAddress the local address
     * @return STATUS_SUCCESS, or the failure (as {@link #bind})
     */
    default NtStatus bindForConnect(InetSocketAddress localAddress) {
        return bind(localAddress);
    }

    /**
     * Whether a read tried before readiness is reported is wasted on the calling thread. A provider that is
     * handed a receive normally tries to read at once, so data that is already there completes it without a trip
     * through readiness. On the transport's own readiness thread that read is never needed: the thread polls
     * readiness as soon as the current callback returns, and that poll reports the data without a read system
     * call that, in request/response traffic, usually finds nothing. The default is false (always worth trying).
     *
     * <p>May be called on any thread; the answer concerns the calling thread only.
     *
     * @return true when the caller runs on the thread that delivers this connection's readiness callbacks and
     *         polls readiness before it runs anything else
     */
    default boolean readinessPolledNext() {
        return false;
    }

    /**
     * Reads what is available, without blocking.
     *
     * @param destinations the buffers to fill, in order
     * @return the number of bytes read, 0 when nothing is available, -1 at end of stream (the peer closed
     *         gracefully)
     * @throws TransportException with the NTSTATUS of a failure (for example STATUS_CONNECTION_RESET)
     */
    long read(ByteBuffer[] destinations) throws TransportException;

    /**
     * Writes what the transport can take now, without blocking.
     *
     * @param sources the buffers to send, in order
     * @return the number of bytes written, possibly 0
     * @throws TransportException with the NTSTATUS of a failure
     */
    long write(ByteBuffer[] sources) throws TransportException;

    /**
     * Sends a FIN: no more data will be written; reading goes on (half-close).
     *
     * @throws TransportException with the NTSTATUS of a failure
     */
    void shutdownOutput() throws TransportException;
}
