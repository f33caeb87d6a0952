package org.wsk4j.internal.nio;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.util.Arrays;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.NtStatus;

/**
 * Maps java.nio / java.net exceptions to the NTSTATUS a WSK client sees. The table is documented in
 * {@code docs/nio-status-mapping.md}; unknown exceptions map to STATUS_UNSUCCESSFUL and are logged.
 */
public final class NioStatusMapper {

    private static final Logger LOG = LoggerFactory.getLogger(NioStatusMapper.class);

    private NioStatusMapper() {
    }

    /**
     * Maps an exception from connecting to {@code destination}. Linux fails a connect with EINVAL ("Invalid
     * argument") where Windows answers differently: for a destination that can never be a TCP peer (multicast,
     * broadcast, the wildcard, an IPv6 link-local address with a scope that does not exist) Windows reports
     * WSAEADDRNOTAVAIL, STATUS_INVALID_ADDRESS_COMPONENT; otherwise the routing table rejected the destination
     * (a blackhole route), which Windows reports as STATUS_HOST_UNREACHABLE. Anything else maps as {@link #map}.
     *
     * @param failure     the exception from connect or finishConnect
     * @param destination the destination, or null when unknown
     * @return the status
     */
    public static NtStatus mapConnect(Throwable failure, InetSocketAddress destination) {
        String message = failure.getMessage() == null ? "" : failure.getMessage().toLowerCase(Locale.ROOT);
        if (!(failure instanceof SocketException) || !message.contains("invalid argument")) {
            return map(failure);
        }
        InetAddress address = destination == null ? null : destination.getAddress();
        if (address != null && (address.isMulticastAddress() || address.isAnyLocalAddress()
                || address.isLinkLocalAddress() && address instanceof Inet6Address
                || address instanceof Inet4Address && Arrays.equals(address.getAddress(), BROADCAST))) {
            return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
        }
        return NtStatus.STATUS_HOST_UNREACHABLE;
    }

    private static final byte[] BROADCAST = {(byte) 255, (byte) 255, (byte) 255, (byte) 255};

    /**
     * Maps an exception.
     *
     * @param failure the exception from a channel operation
     * @return the status
     */
    public static NtStatus map(Throwable failure) {
        String message = failure.getMessage() == null ? "" : failure.getMessage().toLowerCase(Locale.ROOT);
        if (failure instanceof AsynchronousCloseException || failure instanceof ClosedChannelException) {
            return NtStatus.STATUS_CANCELLED;
        }
        if (failure instanceof AlreadyConnectedException) {
            return NtStatus.STATUS_CONNECTION_ACTIVE;
        }
        if (failure instanceof ConnectionPendingException || failure instanceof NotYetConnectedException
                || failure instanceof NotYetBoundException || failure instanceof AlreadyBoundException) {
            return NtStatus.STATUS_INVALID_DEVICE_STATE;
        }
        if (failure instanceof UnresolvedAddressException) {
            return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
        }
        if (failure instanceof UnsupportedAddressTypeException) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (failure instanceof SecurityException) {
            return NtStatus.STATUS_ACCESS_DENIED;
        }
        if (failure instanceof SocketTimeoutException) {
            return NtStatus.STATUS_IO_TIMEOUT;
        }
        if (failure instanceof PortUnreachableException) {
            return NtStatus.STATUS_PORT_UNREACHABLE;
        }
        if (failure instanceof NoRouteToHostException) {
            return message.contains("network") ? NtStatus.STATUS_NETWORK_UNREACHABLE : NtStatus.STATUS_HOST_UNREACHABLE;
        }
        if (failure instanceof BindException) {
            if (message.contains("in use")) {
                return NtStatus.STATUS_ADDRESS_ALREADY_ASSOCIATED;
            }
            if (message.contains("assign requested address") || message.contains("not available")) {
                return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
            }
            if (message.contains("permission denied") || message.contains("access")) {
                return NtStatus.STATUS_ACCESS_DENIED;
            }
            return NtStatus.STATUS_ADDRESS_ALREADY_ASSOCIATED;
        }
        if (failure instanceof ConnectException) {
            if (message.contains("timed out")) {
                return NtStatus.STATUS_IO_TIMEOUT;
            }
            if (message.contains("network is unreachable")) {
                return NtStatus.STATUS_NETWORK_UNREACHABLE;
            }
            if (message.contains("no route") || message.contains("host is unreachable")) {
                return NtStatus.STATUS_HOST_UNREACHABLE;
            }
            return NtStatus.STATUS_CONNECTION_REFUSED;
        }
        if (failure instanceof SocketException || failure instanceof IOException) {
            if (message.contains("connection reset")) {
                return NtStatus.STATUS_CONNECTION_RESET;
            }
            if (message.contains("connection refused")) {
                return NtStatus.STATUS_CONNECTION_REFUSED;
            }
            if (message.contains("timed out")) {
                return NtStatus.STATUS_IO_TIMEOUT;
            }
            if (message.contains("network is unreachable")) {
                return NtStatus.STATUS_NETWORK_UNREACHABLE;
            }
            if (message.contains("host is unreachable") || message.contains("no route to host")) {
                return NtStatus.STATUS_HOST_UNREACHABLE;
            }
            if (message.contains("host is down")) {
                return NtStatus.STATUS_HOST_DOWN;
            }
            if (message.contains("broken pipe") || message.contains("connection aborted")) {
                return NtStatus.STATUS_CONNECTION_ABORTED;
            }
            if (message.contains("too many open files") || message.contains("no buffer space")) {
                return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
            }
            if (message.contains("address family not supported") || message.contains("protocol family unavailable")) {
                return NtStatus.STATUS_INVALID_PARAMETER;
            }
            if (message.contains("cannot assign requested address")) {
                return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
            }
            if (message.contains("permission denied")) {
                return NtStatus.STATUS_ACCESS_DENIED; // for example a broadcast without SO_BROADCAST
            }
        }
        LOG.warn("unmapped transport exception, reported as STATUS_UNSUCCESSFUL: {}", failure.toString());
        return NtStatus.STATUS_UNSUCCESSFUL;
    }
}
