package org.wsk4j.sim;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The traffic of a {@link SimNetwork} as packets a capture tool understands: every TCP segment (SYN, SYN-ACK,
 * ACK, data, FIN, RST) and UDP datagram the simulation sends, with synthesised IPv4/IPv6, TCP and UDP headers
 * (correct lengths, flags, sequence and acknowledgement numbers, checksums) and its virtual time, written as a
 * pcap file (nanosecond timestamps, link type RAW: each record is an IP packet) that Wireshark and tshark open.
 *
 * <p>Start one with {@link SimNetwork#startCapture()}; packets are recorded from then on until
 * {@link SimNetwork#stopCapture()}. Packets are captured where they are sent (their timestamp is the departure),
 * including those a partition or a hold will hold or a link profile will lose. A TCP payload larger than
 * {@link #MAX_SEGMENT} bytes is split into several segments. Sequence numbers start from an initial sequence
 * number derived from the endpoint's id, so the same run gives the same file.
 *
 * <p>Threading: recorded under the network's lock; read it from the thread that drives the network.
 */
public final class PacketCapture {

    /** Guards the recorded packets (never this object, which the test holds). */
    private final Object lock = new Object();

    /** The largest TCP payload of one captured segment (fits an IPv4 packet). */
    public static final int MAX_SEGMENT = 65_000;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;

    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;

    /** One captured packet: its virtual time and its bytes (an IPv4 or IPv6 packet). */
    public record Packet(long timeNanos, byte[] data) {
    }

    private final List<Packet> packets = new ArrayList<>();

    PacketCapture() {
    }

    /**
     * Returns the packets captured so far, in the order they were sent.
     *
     * @return a copy of the list
     */
    public List<Packet> packets() {
        synchronized (lock) {
            return List.copyOf(packets);
        }
    }

    /**
     * Writes the capture as a pcap file (magic {@code 0xa1b23c4d}: nanosecond timestamps; link type 101, RAW).
     *
     * @param file the file to create or replace
     * @throws IOException when it cannot be written
     */
    public void writePcap(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            writePcap(out);
        }
    }

    /**
     * Writes the capture as a pcap stream; see {@link #writePcap(Path)}.
     *
     * @param out where to write (not closed)
     * @throws IOException when it cannot be written
     */
    public void writePcap(OutputStream out) throws IOException {
        List<Packet> snapshot = packets();
        DataOutputStream data = new DataOutputStream(out);
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65_535 + 40)
                .putInt(101);
        data.write(header.array());
        for (Packet packet : snapshot) {
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            record.putInt((int) (packet.timeNanos() / 1_000_000_000L)).putInt((int) (packet.timeNanos() % 1_000_000_000L))
                    .putInt(packet.data().length).putInt(packet.data().length);
            data.write(record.array());
            data.write(packet.data());
        }
        data.flush();
    }

    // ---- recording (the network's lock held) ---------------------------------------------------------

    /** Records a TCP segment (split when the payload exceeds MAX_SEGMENT). */
    void tcp(long now, InetSocketAddress from, InetSocketAddress to, long seq, long ack, int flags, byte[] payload,
             int offset, int length) {
        int at = 0;
        do {
            int n = Math.min(length - at, MAX_SEGMENT);
            boolean last = at + n >= length;
            int segmentFlags = last ? flags : flags & ~(FIN | PSH);
            ByteBuffer tcp = ByteBuffer.allocate(20 + n);
            tcp.putShort((short) from.getPort()).putShort((short) to.getPort()).putInt((int) (seq + at))
                    .putInt((int) ack).put((byte) 0x50).put((byte) segmentFlags).putShort((short) 65_535)
                    .putShort((short) 0).putShort((short) 0);
            if (n > 0) {
                tcp.put(payload, offset + at, n);
            }
            add(now, ip(from, to, PROTO_TCP, tcp.array(), 16));
            at += n;
        } while (at < length);
    }

    /** Records a UDP datagram. */
    void udp(long now, InetSocketAddress from, InetSocketAddress to, byte[] payload) {
        int n = Math.min(payload.length, 65_535 - 8 - 40);
        ByteBuffer udp = ByteBuffer.allocate(8 + n);
        udp.putShort((short) from.getPort()).putShort((short) to.getPort()).putShort((short) (8 + n)).putShort((short) 0)
                .put(payload, 0, n);
        add(now, ip(from, to, PROTO_UDP, udp.array(), 6));
    }

    private void add(long now, byte[] packet) {
        synchronized (lock) {
            packets.add(new Packet(now, packet));
        }
    }

    /** Wraps a transport segment in an IP header and fills in the transport checksum at {@code checksumAt}. */
    private static byte[] ip(InetSocketAddress from, InetSocketAddress to, int protocol, byte[] segment, int checksumAt) {
        byte[] source = from.getAddress().getAddress();
        byte[] destination = to.getAddress().getAddress();
        long sum = sum(source) + sum(destination) + protocol + segment.length + sum(segment);
        int checksum = fold(sum);
        if (protocol == PROTO_UDP && checksum == 0) {
            checksum = 0xFFFF; // UDP: 0 means "no checksum"
        }
        segment[checksumAt] = (byte) (checksum >> 8);
        segment[checksumAt + 1] = (byte) checksum;
        if (from.getAddress() instanceof Inet4Address) {
            ByteBuffer ip = ByteBuffer.allocate(20 + segment.length);
            ip.put((byte) 0x45).put((byte) 0).putShort((short) (20 + segment.length)).putShort((short) 0)
                    .putShort((short) 0x4000).put((byte) 64).put((byte) protocol).putShort((short) 0).put(source)
                    .put(destination);
            byte[] bytes = ip.array();
            int headerSum = fold(sum(java.util.Arrays.copyOf(bytes, 20)));
            bytes[10] = (byte) (headerSum >> 8);
            bytes[11] = (byte) headerSum;
            System.arraycopy(segment, 0, bytes, 20, segment.length);
            return bytes;
        }
        ByteBuffer ip = ByteBuffer.allocate(40 + segment.length);
        ip.putInt(0x60000000).putShort((short) segment.length).put((byte) protocol).put((byte) 64).put(source)
                .put(destination).put(segment);
        return ip.array();
    }

    /** The one's-complement sum of 16-bit big-endian words (an odd last byte padded with 0), not folded. */
    private static long sum(byte[] bytes) {
        long sum = 0;
        for (int i = 0; i + 1 < bytes.length; i += 2) {
            sum += ((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF);
        }
        if ((bytes.length & 1) != 0) {
            sum += (bytes[bytes.length - 1] & 0xFF) << 8;
        }
        return sum;
    }

    private static int fold(long sum) {
        while ((sum >> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (int) (~sum & 0xFFFF);
    }
}
