package org.wsk4j.spi;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** A UDP endpoint of a {@link Transport}. Non-blocking; readiness through {@link TransportHandler}. */
public interface TransportDatagram extends TransportEndpoint {

    /** The largest datagram payload the transports carry (65,507 bytes for IPv4 UDP; 65,527 for IPv6). */
    int MAX_DATAGRAM = 65_535;

    /**
     * Receives one datagram, without blocking. The whole datagram is always taken from the endpoint; when
     * it is longer than {@code destination} has room for, the excess is dropped.
     *
     * @param destination where the payload goes
     * @return the datagram's sender and full length, or null when none is waiting
     * @throws TransportException with the NTSTATUS of a failure (for example STATUS_PORT_UNREACHABLE)
     */
    Received receive(ByteBuffer destination) throws TransportException;

    /**
     * Sends one datagram, without blocking.
     *
     * @param source the payload (all of it, or nothing)
     * @param target the destination
     * @return true when sent; false when the transport cannot take it now (retry on writability)
     * @throws TransportException with the NTSTATUS of a failure
     */
    boolean send(ByteBuffer source, InetSocketAddress target) throws TransportException;

    /**
     * A received datagram's sender and its full length (which exceeds the bytes stored when truncated).
     *
     * @param sender the sender
     * @param length the datagram's length before any truncation
     */
    record Received(InetSocketAddress sender, int length) {
    }
}
