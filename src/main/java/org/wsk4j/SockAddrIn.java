package org.wsk4j;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * {@code SOCKADDR_IN}: an IPv4 transport address ({@link Wsk#AF_INET}, 16 bytes).
 *
 * <p>Mutable, like the C structure; see {@link SockAddr}.
 */
public final class SockAddrIn extends SockAddr {

    /** {@code sizeof(SOCKADDR_IN)}. */
    public static final int SIZE = 16;

    private Inet4Address address;
    private int port;

    /** Creates 0.0.0.0:0, ready to be used as an output buffer. */
    public SockAddrIn() {
        this(anyAddress(), 0);
    }

    /**
     * Creates an IPv4 address.
     *
     * @param address the IPv4 address
     * @param port    the port in host order, 0 to 65535
     */
    public SockAddrIn(Inet4Address address, int port) {
        this.address = Objects.requireNonNull(address, "address");
        this.port = checkPort(port);
    }

    /**
     * {@code INADDR_ANY} with a port: the wildcard address.
     *
     * @param port the port, 0 for any
     * @return 0.0.0.0:port
     */
    public static SockAddrIn any(int port) {
        return new SockAddrIn(anyAddress(), port);
    }

    /**
     * {@code INADDR_LOOPBACK} with a port.
     *
     * @param port the port
     * @return 127.0.0.1:port
     */
    public static SockAddrIn loopback(int port) {
        return new SockAddrIn(ipv4(new byte[] {127, 0, 0, 1}), port);
    }

    @Override
    public int family() {
        return Wsk.AF_INET;
    }

    @Override
    public int port() {
        return port;
    }

    /**
     * Sets {@code sin_port}.
     *
     * @param port the port in host order
     * @return this address
     */
    public SockAddrIn setPort(int port) {
        this.port = checkPort(port);
        return this;
    }

    @Override
    public Inet4Address address() {
        return address;
    }

    /**
     * Sets {@code sin_addr}.
     *
     * @param address the IPv4 address
     * @return this address
     */
    public SockAddrIn setAddress(Inet4Address address) {
        this.address = Objects.requireNonNull(address, "address");
        return this;
    }

    @Override
    public int length() {
        return SIZE;
    }

    @Override
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(SIZE);
        buffer.order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) Wsk.AF_INET);
        buffer.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port);
        buffer.put(4, address.getAddress());
        return buffer.array();
    }

    @Override
    boolean fill(InetSocketAddress socketAddress) {
        InetAddress ip = socketAddress.getAddress();
        if (!(ip instanceof Inet4Address)) {
            return false;
        }
        address = (Inet4Address) ip;
        port = socketAddress.getPort();
        return true;
    }

    private static Inet4Address anyAddress() {
        return ipv4(new byte[4]);
    }

    static Inet4Address ipv4(byte[] bytes) {
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
