package org.wsk4j;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@code SOCKADDR_IN6}: an IPv6 transport address ({@link Wsk#AF_INET6} = 23, 28 bytes), with flow info
 * and scope id.
 *
 * <p>Mutable, like the C structure; see {@link SockAddr}. An IPv4 peer of a dual-stack socket appears as
 * an IPv4-mapped address ({@code ::ffff:a.b.c.d}).
 */
public final class SockAddrIn6 extends SockAddr {

    /** {@code sizeof(SOCKADDR_IN6)}. */
    public static final int SIZE = 28;

    private Inet6Address address;
    private int port;
    private int flowInfo;
    private int scopeId;

    /** Creates [::]:0, ready to be used as an output buffer. */
    public SockAddrIn6() {
        this(ipv6(new byte[16]), 0, 0, 0);
    }

    /**
     * Creates an IPv6 address.
     *
     * @param address  the IPv6 address
     * @param port     the port in host order
     * @param flowInfo {@code sin6_flowinfo}
     * @param scopeId  {@code sin6_scope_id}
     */
    public SockAddrIn6(Inet6Address address, int port, int flowInfo, int scopeId) {
        this.address = Objects.requireNonNull(address, "address");
        this.port = checkPort(port);
        this.flowInfo = flowInfo;
        this.scopeId = scopeId;
    }

    /**
     * {@code IN6ADDR_ANY} with a port: the wildcard address.
     *
     * @param port the port, 0 for any
     * @return [::]:port
     */
    public static SockAddrIn6 any(int port) {
        return new SockAddrIn6(ipv6(new byte[16]), port, 0, 0);
    }

    /**
     * {@code IN6ADDR_LOOPBACK} with a port.
     *
     * @param port the port
     * @return [::1]:port
     */
    public static SockAddrIn6 loopback(int port) {
        byte[] bytes = new byte[16];
        bytes[15] = 1;
        return new SockAddrIn6(ipv6(bytes), port, 0, 0);
    }

    @Override
    public int family() {
        return Wsk.AF_INET6;
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * Sets {@code sin6_port}.
     *
     * @param port the port in host order
     * @return this address
     */
    public SockAddrIn6 setPort(int port) {
        this.port = checkPort(port);
        return this;
    }

    @Override
    public Inet6Address address() {
        return address;
    }

    /**
     * {@code sin6_flowinfo}.
     *
     * @return the flow info
     */
    public int flowInfo() {
        return flowInfo;
    }

    /**
     * {@code sin6_scope_id}.
     *
     * @return the scope id
     */
    public int scopeId() {
        return scopeId;
    }

    @Override
    public int length() {
        return SIZE;
    }

    @Override
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(SIZE);
        buffer.order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) Wsk.AF_INET6);
        buffer.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port).putInt(4, flowInfo);
        buffer.put(8, address.getAddress());
        buffer.order(ByteOrder.LITTLE_ENDIAN).putInt(24, scopeId);
        return buffer.array();
    }

    @Override
    boolean fill(InetSocketAddress socketAddress) {
        InetAddress ip = socketAddress.getAddress();
        if (ip instanceof Inet4Address) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(ip.getAddress(), 0, mapped, 12, 4);
            address = ipv6(mapped);
            scopeId = 0;
        } else {
            address = (Inet6Address) ip;
            scopeId = address.getScopeId();
        }
        port = socketAddress.getPort();
        flowInfo = 0;
        return true;
    }

    static Inet6Address ipv6(byte[] bytes) {
        try {
            return Inet6Address.getByAddress(null, bytes, null);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
