package org.wsk4j;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@code SOCKADDR}: a transport address, as the WSK functions take and return it.
 *
 * <p>Three concrete structures exist, as in C: {@link SockAddrIn} ({@code SOCKADDR_IN}, 16 bytes,
 * {@link Wsk#AF_INET}), {@link SockAddrIn6} ({@code SOCKADDR_IN6}, 28 bytes, {@link Wsk#AF_INET6} = 23)
 * and {@link SockAddrStorage} ({@code SOCKADDR_STORAGE}, 128 bytes, either family). They are mutable
 * like their C counterparts, so they can be passed as output buffers (WskGetLocalAddress, WskAccept);
 * an output buffer must be able to hold the socket's family: {@code SockAddrIn} holds only IPv4,
 * {@code SockAddrIn6} only IPv6, {@code SockAddrStorage} both.
 *
 * <p>Ports are in host order in Java ({@link #port()} is 0 to 65535); {@link #toBytes()} produces the
 * Windows wire layout with the port and address in network byte order.
 *
 * <pre>{@code
 * SockAddr remote = SockAddr.of(new InetSocketAddress("127.0.0.1", 40007));
 * SockAddrIn wildcard = SockAddrIn.any(0);       // 0.0.0.0:0, for WskBind before WskConnect
 * }</pre>
 *
 * <p>Thread safety: not synchronized; do not change an address while a call that uses it is pending.
 */
public abstract sealed class SockAddr permits SockAddrIn, SockAddrIn6, SockAddrStorage {

    SockAddr() {
    }

    /**
     * Creates the structure for a Java socket address: {@link SockAddrIn} for IPv4,
     * {@link SockAddrIn6} for IPv6.
     *
     * @param address a resolved address
     * @return the structure
     * @throws IllegalArgumentException when the address is unresolved
     */
    public static SockAddr of(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address: " + address);
        }
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet4Address) {
            return new SockAddrIn((Inet4Address) ip, address.getPort());
        }
        return new SockAddrIn6((Inet6Address) ip, address.getPort(), 0, ((Inet6Address) ip).getScopeId());
    }

    /**
     * Decodes a structure from its Windows wire layout (family first, little-endian; port and address in
     * network order).
     *
     * @param bytes the bytes, at least 16 for AF_INET and 28 for AF_INET6
     * @return the structure
     * @throws IllegalArgumentException when the family is unknown or the length is too short
     */
    public static SockAddr fromBytes(byte[] bytes) {
        if (bytes.length < 2) {
            throw new IllegalArgumentException("a SOCKADDR needs at least 2 bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        int family = Short.toUnsignedInt(buffer.order(ByteOrder.LITTLE_ENDIAN).getShort(0));
        buffer.order(ByteOrder.BIG_ENDIAN);
        try {
            if (family == Wsk.AF_INET && bytes.length >= SockAddrIn.SIZE) {
                byte[] ip = new byte[4];
                buffer.get(4, ip);
                return new SockAddrIn((Inet4Address) InetAddress.getByAddress(ip), Short.toUnsignedInt(buffer.getShort(2)));
            }
            if (family == Wsk.AF_INET6 && bytes.length >= SockAddrIn6.SIZE) {
                byte[] ip = new byte[16];
                buffer.get(8, ip);
                int flow = buffer.getInt(4);
                int scope = buffer.order(ByteOrder.LITTLE_ENDIAN).getInt(24);
                return new SockAddrIn6(Inet6Address.getByAddress(null, ip, null), Short.toUnsignedInt(
                        buffer.order(ByteOrder.BIG_ENDIAN).getShort(2)), flow, scope);
            }
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        throw new IllegalArgumentException("unsupported family " + family + " or too short (" + bytes.length + " bytes)");
    }

    /**
     * {@code sa_family}.
     *
     * @return {@link Wsk#AF_INET}, {@link Wsk#AF_INET6}, or {@link Wsk#AF_UNSPEC} for an empty storage
     */
    public abstract int family();

    /**
     * The port, in host order.
     *
     * @return 0 to 65535
     */
    public abstract int port();

    /**
     * The IP address.
     *
     * @return the address, or null for an empty storage
     */
    public abstract InetAddress address();

    /**
     * The size of the C structure: 16, 28 or 128.
     *
     * @return the size in bytes
     */
    public abstract int length();

    /**
     * Tells whether the address is the wildcard (0.0.0.0 or ::).
     *
     * @return true for the any-address
     */
    public boolean isWildcard() {
        InetAddress ip = address();
        return ip != null && ip.isAnyLocalAddress();
    }

    /**
     * Converts to a Java socket address.
     *
     * @return the address
     * @throws IllegalStateException for an empty storage
     */
    public InetSocketAddress toInetSocketAddress() {
        InetAddress ip = address();
        if (ip == null) {
            throw new IllegalStateException("empty SOCKADDR_STORAGE");
        }
        return new InetSocketAddress(ip, port());
    }

    /**
     * Encodes the Windows wire layout of the structure: {@link #length()} bytes.
     *
     * @return the bytes
     */
    public abstract byte[] toBytes();

    /**
     * Sets this structure from a Java socket address, as a WSK function fills an output buffer.
     *
     * @param address the address
     * @return false when this structure cannot hold the address's family
     */
    abstract boolean fill(InetSocketAddress address);

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof SockAddr)) {
            return false;
        }
        SockAddr that = (SockAddr) other;
        return family() == that.family() && port() == that.port() && Objects.equals(address(), that.address());
    }

    @Override
    public int hashCode() {
        return Objects.hash(family(), port(), address());
    }

    @Override
    public String toString() {
        InetAddress ip = address();
        if (ip == null) {
            return "SOCKADDR[AF_UNSPEC]";
        }
        return ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]:" + port() : ip.getHostAddress() + ":" + port();
    }

    static int checkPort(int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port must be between 0 and 65535: " + port);
        }
        return port;
    }
}
