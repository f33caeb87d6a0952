package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class SockAddrTest {

    @Test
    void sockAddrInWireLayoutMatchesWindows() throws Exception {
        SockAddrIn address = new SockAddrIn((java.net.Inet4Address) InetAddress.getByName("192.168.1.2"), 40007);
        byte[] bytes = address.toBytes();
        assertEquals(16, bytes.length);
        assertEquals(SockAddrIn.SIZE, address.length());
        assertArrayEquals(new byte[] {2, 0, (byte) 0x9C, 0x47, (byte) 192, (byte) 168, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0},
                bytes, "family little-endian, port 40007 = 0x9C47 in network order, then the address");
        assertEquals(address, SockAddr.fromBytes(bytes));
    }

    @Test
    void sockAddrIn6WireLayoutMatchesWindows() {
        SockAddrIn6 address = SockAddrIn6.loopback(40007);
        byte[] bytes = address.toBytes();
        assertEquals(28, bytes.length);
        assertEquals(23, bytes[0], "AF_INET6 is 23 on Windows");
        assertEquals(0, bytes[1]);
        assertEquals((byte) 0x9C, bytes[2]);
        assertEquals(0x47, bytes[3]);
        assertEquals(1, bytes[23], "::1 ends the 16 address bytes at offset 8..23");
        SockAddr decoded = SockAddr.fromBytes(bytes);
        assertInstanceOf(SockAddrIn6.class, decoded);
        assertEquals(address, decoded);
    }

    @Test
    void conversionsToAndFromInetSocketAddress() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080);
        SockAddr a = SockAddr.of(v4);
        assertInstanceOf(SockAddrIn.class, a);
        assertEquals(AF_INET, a.family());
        assertEquals(8080, a.port());
        assertEquals(v4, a.toInetSocketAddress());

        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 443);
        SockAddr b = SockAddr.of(v6);
        assertInstanceOf(SockAddrIn6.class, b);
        assertEquals(AF_INET6, b.family());
        assertEquals(v6, b.toInetSocketAddress());

        assertThrows(IllegalArgumentException.class, () -> SockAddr.of(InetSocketAddress.createUnresolved("x", 1)));
        assertThrows(IllegalArgumentException.class, () -> SockAddrIn.loopback(65536));
        assertThrows(IllegalArgumentException.class, () -> new SockAddrIn().setPort(-1));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.fromBytes(new byte[] {9, 0, 0, 0}));
        assertThrows(IllegalArgumentException.class, () -> SockAddr.fromBytes(new byte[] {2, 0, 0, 0}),
                "too short for SOCKADDR_IN");
    }

    @Test
    void wildcardAndLoopbackHelpers() {
        assertTrue(SockAddrIn.any(0).isWildcard());
        assertTrue(SockAddrIn6.any(0).isWildcard());
        assertFalse(SockAddrIn.loopback(1).isWildcard());
        assertEquals("127.0.0.1:80", SockAddrIn.loopback(80).toString());
        assertEquals("[0:0:0:0:0:0:0:1]:80", SockAddrIn6.loopback(80).toString());
    }

    @Test
    void outputBuffersHoldOnlyTheirFamiliesExceptStorage() throws Exception {
        InetSocketAddress v4 = new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 1);
        InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("fe80::1"), 2);
        assertTrue(new SockAddrIn().fill(v4));
        assertFalse(new SockAddrIn().fill(v6));
        SockAddrIn6 mapped = new SockAddrIn6();
        assertTrue(mapped.fill(v4), "an IPv4 peer of a dual-stack socket appears IPv4-mapped");
        assertEquals(AF_INET6, mapped.family());
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 0, 0, 1},
                mapped.address().getAddress(), "::ffff:10.0.0.1 (Java would collapse it to 10.0.0.1 if parsed)");
        SockAddrStorage storage = new SockAddrStorage();
        assertEquals(AF_UNSPEC, storage.family());
        assertEquals(128, storage.toBytes().length);
        assertTrue(storage.fill(v6));
        assertEquals(AF_INET6, storage.family());
        assertInstanceOf(Inet6Address.class, storage.address());
        assertEquals(v6.getPort(), storage.get().port());
        assertTrue(storage.fill(v4));
        assertEquals(AF_INET, storage.family());
        assertThrows(IllegalStateException.class, () -> new SockAddrStorage().toInetSocketAddress());
    }
}
