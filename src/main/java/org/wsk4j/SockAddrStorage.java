package org.wsk4j;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * {@code SOCKADDR_STORAGE}: a 128-byte buffer that holds an address of either family; the usual output
 * buffer when the family is not known in advance.
 *
 * <p>Empty ({@link Wsk#AF_UNSPEC}) until a WSK function fills it or {@link #set(SockAddr)} is called.
 * Mutable; see {@link SockAddr}.
 */
public final class SockAddrStorage extends SockAddr {

    /** {@code sizeof(SOCKADDR_STORAGE)}. */
    public static final int SIZE = 128;

    private SockAddr content;

    /** Creates an empty storage (AF_UNSPEC). */
    public SockAddrStorage() {
    }

    /**
     * Copies an address into the storage.
     *
     * @param address the address, or null to empty the storage
     * @return this storage
     */
    public SockAddrStorage set(SockAddr address) {
        content = address == null ? null : SockAddr.fromBytes(address.toBytes());
        return this;
    }

    /**
     * Returns the stored address as its family-specific structure (a copy).
     *
     * @return a {@link SockAddrIn} or {@link SockAddrIn6}, or null when empty
     */
    public SockAddr get() {
        return content == null ? null : SockAddr.fromBytes(content.toBytes());
    }

    @Override
    public int family() {
        return content == null ? Wsk.AF_UNSPEC : content.family();
    }

    @Override
    public int port() {
        return content == null ? 0 : content.port();
    }

    @Override
    public InetAddress address() {
        return content == null ? null : content.address();
    }

    @Override
    public int length() {
        return SIZE;
    }

    @Override
    public byte[] toBytes() {
        byte[] bytes = new byte[SIZE];
        if (content != null) {
            byte[] inner = content.toBytes();
            System.arraycopy(inner, 0, bytes, 0, inner.length);
        }
        return bytes;
    }

    @Override
    boolean fill(InetSocketAddress address) {
        content = SockAddr.of(address);
        return true;
    }

    @Override
    public String toString() {
        return content == null ? "SOCKADDR_STORAGE[AF_UNSPEC]" : content.toString();
    }

    @Override
    public boolean equals(Object other) {
        return super.equals(other);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {family(), port(), address()});
    }
}
