package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.packet.IpPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.TcpPacket;
import org.pcap4j.packet.UdpPacket;
import org.wsk4j.Completion;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskSocket;

/**
 * The simulated network's pcap export, read back by an independent parser (pcap4j's pure-Java packet factories):
 * the right number of packets, TCP flags, sequence and acknowledgement numbers, valid checksums, virtual times.
 */
class SimPacketCaptureTest extends SimTestBase {

    /** One record of the pcap file: its timestamp (ns) and the parsed IP packet. */
    private record Record(long nanos, IpPacket packet) {
        TcpPacket tcp() {
            return packet.get(TcpPacket.class);
        }

        String flags() {
            TcpPacket.TcpHeader h = tcp().getHeader();
            List<String> names = new ArrayList<>();
            if (h.getSyn()) {
                names.add("SYN");
            }
            if (h.getFin()) {
                names.add("FIN");
            }
            if (h.getRst()) {
                names.add("RST");
            }
            if (h.getPsh()) {
                names.add("PSH");
            }
            if (h.getAck()) {
                names.add("ACK");
            }
            return String.join("|", names);
        }

        long seq() {
            return tcp().getHeader().getSequenceNumberAsLong();
        }

        long ack() {
            return tcp().getHeader().getAcknowledgmentNumberAsLong();
        }

        int payload() {
            Packet payload = tcp().getPayload();
            return payload == null ? 0 : payload.length();
        }
    }

    /** Parses a pcap file: the global header, then each record as an IPv4 or IPv6 packet (link type RAW). */
    private static List<Record> read(Path file) throws Exception {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xa1b23c4d, in.getInt(), "nanosecond pcap magic");
        assertEquals(2, in.getShort());
        assertEquals(4, in.getShort());
        in.getInt();
        in.getInt();
        in.getInt(); // snaplen
        assertEquals(101, in.getInt(), "LINKTYPE_RAW");
        List<Record> records = new ArrayList<>();
        while (in.hasRemaining()) {
            long seconds = in.getInt() & 0xFFFFFFFFL;
            long nanos = in.getInt() & 0xFFFFFFFFL;
            int captured = in.getInt();
            assertEquals(captured, in.getInt(), "nothing truncated");
            byte[] bytes = new byte[captured];
            in.get(bytes);
            IpPacket packet = (bytes[0] >> 4) == 4 ? IpV4Packet.newPacket(bytes, 0, bytes.length)
                    : IpV6Packet.newPacket(bytes, 0, bytes.length);
            records.add(new Record(seconds * 1_000_000_000L + nanos, packet));
        }
        return records;
    }

    private static void assertChecksumsValid(Record record) {
        InetAddress source = record.packet().getHeader().getSrcAddr();
        InetAddress destination = record.packet().getHeader().getDstAddr();
        if (record.packet() instanceof IpV4Packet) {
            assertTrue(((IpV4Packet) record.packet()).getHeader().hasValidChecksum(false), "IPv4 header checksum");
        }
        TcpPacket tcp = record.packet().get(TcpPacket.class);
        if (tcp != null) {
            assertTrue(tcp.hasValidChecksum(source, destination, false), "TCP checksum");
        }
        UdpPacket udp = record.packet().get(UdpPacket.class);
        if (udp != null) {
            assertTrue(udp.hasValidChecksum(source, destination, false), "UDP checksum");
        }
    }

    private Completion send(WskSocket socket, String text) {
        Completion c = new Completion();
        connection(socket).wskSend(socket, SimDataPathTest.buf(text), 0, c.irp);
        return c;
    }

    private Completion receive(WskSocket socket, int size) {
        Completion c = new Completion();
        connection(socket).wskReceive(socket, SimDataPathTest.buf("x".repeat(size)), WSK_FLAG_WAITALL, c.irp);
        return c;
    }

    private Completion disconnect(WskSocket socket) {
        Completion c = new Completion();
        connection(socket).wskDisconnect(socket, null, 0, c.irp);
        return c;
    }

    /** A connection's whole life, a refused connect and a datagram, captured; returns the pcap bytes. */
    private byte[] capturedLife(String serverLiteral, Path file) throws Exception {
        PacketCapture capture = network.startCapture();
        int family = serverLiteral.indexOf(':') >= 0 ? AF_INET6 : AF_INET;
        WskSocket listener = listen(serverLiteral, 80);
        Completion accepted = accept(listener);
        WskSocket socket = connectionSocket(family);
        assertEquals(STATUS_SUCCESS, bind(socket, any(family)));
        Completion connected = new Completion();
        connection(socket).wskConnect(socket, addr(serverLiteral, 80), 0, connected.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, connected.status);
        WskSocket served = accepted.socket();
        Completion request = receive(served, 5);
        send(socket, "hello");
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, request.status);
        Completion reply = receive(socket, 6);
        send(served, "world!");
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, reply.status);
        disconnect(socket);
        executor.runUntilIdle();
        disconnect(served);
        executor.runUntilIdle();
        // Both ends read the end of stream, so both closes are graceful (a close before that would reset: the
        // socket notices the FIN only while reading, issue 19 item 3).
        for (WskSocket end : new WskSocket[] {socket, served}) {
            Completion eof = new Completion();
            connection(end).wskReceive(end, SimDataPathTest.buf("x"), 0, eof.irp);
            executor.runUntilIdle();
            assertEquals(0, eof.information, "end of stream");
        }
        close(socket);
        close(served);
        close(listener);
        WskSocket refusedSocket = connectionSocket(family);
        assertEquals(STATUS_SUCCESS, bind(refusedSocket, any(family)));
        Completion refused = new Completion();
        connection(refusedSocket).wskConnect(refusedSocket, addr(serverLiteral, 81), 0, refused.irp);
        executor.runUntilIdle();
        assertEquals(STATUS_CONNECTION_REFUSED, refused.status);
        close(refusedSocket);
        WskSocket a = socket(client, family, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(a, any(family)));
        Completion sent = new Completion();
        ((WskProviderDatagramDispatch) a.dispatch()).wskSendTo(a, SimDataPathTest.buf("ping"), 0,
                addr(serverLiteral, 53), 0, null, sent.irp);
        executor.runUntilIdle();
        close(a);
        assertEquals(capture, network.stopCapture());
        capture.writePcap(file);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        capture.writePcap(copy);
        assertArrayEquals(Files.readAllBytes(file), copy.toByteArray());
        return copy.toByteArray();
    }

    @Test
    void aConnectionsLifeReadsBackWithTheRightPacketsFlagsAndNumbers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("life.pcap");
        capturedLife(SERVER_V4, file);
        List<Record> records = read(file);
        List<String> flags = new ArrayList<>();
        for (Record record : records) {
            assertChecksumsValid(record);
            flags.add(record.tcp() != null ? record.flags() : "UDP");
        }
        assertEquals(List.of("SYN", "SYN|ACK", "ACK", "PSH|ACK", "PSH|ACK", "FIN|ACK", "FIN|ACK", "SYN", "RST|ACK", "UDP"),
                flags);
        Record syn = records.get(0);
        Record synAck = records.get(1);
        Record ack = records.get(2);
        Record hello = records.get(3);
        Record world = records.get(4);
        assertEquals(syn.seq() + 1, synAck.ack());
        assertEquals(synAck.seq() + 1, ack.ack());
        assertEquals(syn.seq() + 1, hello.seq(), "data starts after the SYN");
        assertEquals(5, hello.payload());
        assertEquals(synAck.seq() + 1, world.seq());
        assertEquals(hello.seq() + 5, world.ack(), "the server acknowledges the request");
        assertEquals(6, world.payload());
        assertEquals("hello", new String(hello.tcp().getPayload().getRawData(), StandardCharsets.US_ASCII));
        assertEquals(hello.seq() + 5, records.get(5).seq(), "the client's FIN follows its data");
        assertEquals(80, syn.tcp().getHeader().getDstPort().valueAsInt());
        assertEquals(SERVER_V4, syn.packet().getHeader().getDstAddr().getHostAddress());
        // virtual time: SYN-ACK one connect latency (100 µs) after the SYN, the ACK one more
        assertEquals(100_000, synAck.nanos() - syn.nanos());
        assertEquals(100_000, ack.nanos() - synAck.nanos());
        UdpPacket udp = records.get(9).packet().get(UdpPacket.class);
        assertNotNull(udp);
        assertEquals(53, udp.getHeader().getDstPort().valueAsInt());
        assertEquals("ping", new String(udp.getPayload().getRawData(), StandardCharsets.US_ASCII));
    }

    @Test
    void ipv6TrafficReadsBackWithValidChecksums(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("v6.pcap");
        capturedLife(SERVER_V6, file);
        List<Record> records = read(file);
        assertEquals(10, records.size());
        for (Record record : records) {
            assertTrue(record.packet() instanceof IpV6Packet);
            assertChecksumsValid(record);
        }
    }

    @Test
    void theSameRunWritesTheSameFile(@TempDir Path dir) throws Exception {
        byte[] first = capturedLife(SERVER_V4, dir.resolve("a.pcap"));
        restartNetwork(SimNetwork.Config.defaults());
        assertArrayEquals(first, capturedLife(SERVER_V4, dir.resolve("b.pcap")));
    }

    @Test
    void nothingIsCapturedWithoutACapture() {
        assertEquals(null, network.stopCapture());
        WskSocket a = socket(client, AF_INET, SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(a, any(AF_INET)));
        PacketCapture capture = network.startCapture();
        Completion sent = new Completion();
        ((WskProviderDatagramDispatch) a.dispatch()).wskSendTo(a, SimDataPathTest.buf("one"), 0, addr(SERVER_V4, 53),
                0, null, sent.irp);
        executor.runUntilIdle();
        network.stopCapture();
        Completion later = new Completion();
        ((WskProviderDatagramDispatch) a.dispatch()).wskSendTo(a, SimDataPathTest.buf("two"), 0, addr(SERVER_V4, 53),
                0, null, later.irp);
        executor.runUntilIdle();
        assertEquals(1, capture.packets().size(), "only while capturing");
        close(a);
    }
}
