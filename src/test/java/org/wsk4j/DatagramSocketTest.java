package org.wsk4j;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.NioSockets.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifierRule;

/** Datagram sockets on real loopback UDP, with java.nio DatagramChannel peers. */
@WskTest(transport = WskTransport.NIO)
class DatagramSocketTest {

    private ManualCompletionExecutor executor;
    private WskRegistration registration;
    private WskProviderNpi npi;
    private NioSockets nio;

    @BeforeEach
    void useTheExtensionsSubsystem(WskSubsystem wsk, WskProviderNpi npi, WskRegistration registration) {
        this.executor = wsk.manualExecutor();
        this.registration = registration;
        this.npi = npi;
        nio = new NioSockets(wsk, npi);
    }

    private final List<DatagramChannel> peers = new ArrayList<>();

    @AfterEach
    void closePeers() throws IOException {
        for (DatagramChannel peer : peers) {
            peer.close();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    /** A receive-from event that records what it saw (copies: the buffers are WSK's) and answers as told. */
    static final class Recorder implements WskReceiveFromEvent {
        final List<List<String>> indications = Collections.synchronizedList(new ArrayList<>());
        final List<WskDatagramIndication> heads = Collections.synchronizedList(new ArrayList<>());
        final List<SockAddr> senders = Collections.synchronizedList(new ArrayList<>());
        volatile int nullIndications;
        volatile int lastFlags;
        volatile Supplier<NtStatus> answer = () -> STATUS_SUCCESS;

        @Override
        public NtStatus wskReceiveFromEvent(Object socketContext, int flags, WskDatagramIndication dataIndication) {
            lastFlags = flags;
            if (dataIndication == null) {
                nullIndications++;
                return STATUS_SUCCESS;
            }
            List<String> texts = new ArrayList<>();
            for (WskDatagramIndication d = dataIndication; d != null; d = d.next()) {
                texts.add(text(d.buffer()));
                senders.add(d.remoteAddress());
            }
            heads.add(dataIndication);
            indications.add(texts);
            return answer.get();
        }

        int count() {
            return indications.size();
        }

        List<String> all() {
            List<String> all = new ArrayList<>();
            synchronized (indications) {
                indications.forEach(all::addAll);
            }
            return all;
        }
    }

    static String text(WskBuf buffer) {
        ByteBuffer[] views = WskBufs.views(buffer, false);
        StringBuilder s = new StringBuilder();
        for (ByteBuffer v : views) {
            byte[] b = new byte[v.remaining()];
            v.duplicate().get(b);
            s.append(new String(b, StandardCharsets.US_ASCII));
        }
        return s.toString();
    }

    static WskProviderDatagramDispatch dg(WskSocket socket) {
        return (WskProviderDatagramDispatch) socket.dispatch();
    }

    WskSocket createDatagramSocket(int family, Object dispatch) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), family, SOCK_DGRAM, IPPROTO_UDP,
                WSK_FLAG_DATAGRAM_SOCKET, "ctx", dispatch, null, null, null, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return c.socket();
    }

    /** A datagram socket bound to loopback on an ephemeral port; returns it and its address. */
    WskSocket boundSocket(int family, Object dispatch) {
        WskSocket socket = createDatagramSocket(family, dispatch);
        SockAddr local = family == AF_INET ? SockAddrIn.loopback(0) : SockAddrIn6.loopback(0);
        Completion c = new Completion();
        dg(socket).wskBind(socket, local, 0, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        assertEquals(STATUS_SUCCESS, c.status);
        return socket;
    }

    InetSocketAddress localAddress(WskSocket socket) {
        SockAddrStorage storage = new SockAddrStorage();
        Completion c = new Completion();
        dg(socket).wskGetLocalAddress(socket, storage, c.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return storage.get().toInetSocketAddress();
    }

    DatagramChannel peer(int family) throws IOException {
        DatagramChannel peer = DatagramChannel.open(family == AF_INET ? StandardProtocolFamily.INET
                : StandardProtocolFamily.INET6);
        peers.add(peer);
        peer.bind(new InetSocketAddress(family == AF_INET ? InetAddress.getByName("127.0.0.1")
                : InetAddress.getByName("::1"), 0));
        peer.socket().setSoTimeout((int) WAIT.toMillis());
        return peer;
    }

    static SockAddr addressOf(DatagramChannel peer) throws IOException {
        return SockAddr.of((InetSocketAddress) peer.getLocalAddress());
    }

    /** Receives one datagram at the peer (blocking, with the WAIT timeout). */
    static String receiveAt(DatagramChannel peer, Ref<InetSocketAddress> sender) throws IOException {
        java.net.DatagramPacket packet = new java.net.DatagramPacket(new byte[70_000], 70_000);
        peer.socket().receive(packet);
        if (sender != null) {
            sender.set((InetSocketAddress) packet.getSocketAddress());
        }
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.US_ASCII);
    }

    static void send(DatagramChannel peer, String text, InetSocketAddress to) throws IOException {
        assertEquals(text.length(), peer.send(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), to));
    }

    static WskBuf buf(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return new WskBuf(Io.allocateMdl(ByteBuffer.wrap(bytes), 0, bytes.length), 0, bytes.length);
    }

    static final class Receive {
        final Completion c = new Completion();
        final ByteBuffer memory;
        final WskBuf buffer;
        final SockAddrStorage from = new SockAddrStorage();
        final Ref<Integer> controlLength = new Ref<>(99);
        final Ref<Integer> controlFlags = new Ref<>(-1);

        Receive(int size) {
            memory = ByteBuffer.allocate(size);
            buffer = new WskBuf(Io.allocateMdl(memory, 0, size), 0, size);
        }

        NtStatus post(WskSocket socket) {
            return dg(socket).wskReceiveFrom(socket, buffer, 0, from, controlLength, null, controlFlags, c.irp);
        }

        String text() {
            return new String(memory.array(), 0, (int) c.information, StandardCharsets.US_ASCII);
        }
    }

    NtStatus ioctl(WskSocket socket, int code, SockAddr input) {
        Completion c = new Completion();
        NtStatus returned = socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl, code, 0,
                input == null ? 0 : input.length(), input, 0, null, null, c.irp);
        executor.runPending();
        assertEquals(1, c.runs.get());
        assertTrue(returned == STATUS_PENDING || returned == c.status);
        return c.status;
    }

    NtStatus enableEvent(WskSocket socket, int mask) {
        return socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_WSK_EVENT_CALLBACK,
                SOL_SOCKET, WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, mask),
                0, null, null, null);
    }

    // ---- WskSendTo ---------------------------------------------------------------------------------------

    @Test
    void sendToDeliversAnMdlChainWithAnOffsetIntact() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        ByteBuffer first = ByteBuffer.wrap("xxHELLO".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer second = ByteBuffer.wrap(" WORLD".getBytes(StandardCharsets.US_ASCII));
        Mdl head = Io.allocateMdl(first, 0, 7);
        head.setNext(Io.allocateMdl(second, 0, 6));
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, dg(socket).wskSendTo(socket, new WskBuf(head, 2, 11), 0, addressOf(peer), 0,
                null, c.irp));
        nio.await(c);
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(11, c.information);
        assertTrue(c.pendingReturned);
        Ref<InetSocketAddress> sender = new Ref<>();
        assertEquals("HELLO WORLD", receiveAt(peer, sender));
        assertEquals(localAddress(socket), sender.get());
        nio.close(socket);
        assertEquals(1, c.runs.get());
    }

    @Test
    void sendToValidatesFlagsBufferAddressAndSize() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        SockAddr to = addressOf(peer);
        nio.logOnly(VerifierRule.BUFFER_OUT_OF_RANGE); // the status a driver that keeps going sees

        Completion flags = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket, buf("a"), 1, to, 0, null, flags.irp));

        ByteBuffer memory = ByteBuffer.allocate(8);
        Completion tooLong = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket,
                new WskBuf(Io.allocateMdl(memory, 0, 8), 0, 16), 0, to, 0, null, tooLong.irp));

        Completion noAddress = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket, buf("a"), 0, null, 0, null, noAddress.irp));

        Completion family = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket, buf("a"), 0, SockAddrIn6.loopback(9), 0,
                null, family.irp));

        byte[] big = new byte[MAX_DATAGRAM_IPV4 + 1];
        Completion oversize = new Completion();
        assertEquals(STATUS_INVALID_BUFFER_SIZE, dg(socket).wskSendTo(socket,
                new WskBuf(Io.allocateMdl(ByteBuffer.wrap(big), 0, big.length), 0, big.length), 0, to, 0, null,
                oversize.irp));

        for (Completion c : List.of(flags, tooLong, noAddress, family, oversize)) {
            assertEquals(1, c.runs.get(), "completed before the call returned");
            assertFalse(c.pendingReturned);
            assertEquals(0, c.information);
        }

        // nothing was sent, not even a truncated datagram: the next datagram the peer sees is this one
        Completion ok = new Completion();
        dg(socket).wskSendTo(socket, buf("valid"), 0, to, 0, null, ok.irp);
        nio.await(ok);
        assertEquals("valid", receiveAt(peer, null));
        nio.assertLogged(1, VerifierRule.BUFFER_OUT_OF_RANGE);
        nio.close(socket);
    }

    static final int MAX_DATAGRAM_IPV4 = 65_507;

    @Test
    void largestIpv4DatagramIsSentWhole() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        byte[] big = new byte[MAX_DATAGRAM_IPV4];
        java.util.Arrays.fill(big, (byte) 'z');
        Completion c = new Completion();
        dg(socket).wskSendTo(socket, new WskBuf(Io.allocateMdl(ByteBuffer.wrap(big), 0, big.length), 0, big.length),
                0, addressOf(peer), 0, new byte[] {1, 2, 3}, c.irp);
        nio.await(c);
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(MAX_DATAGRAM_IPV4, c.information);
        assertEquals(MAX_DATAGRAM_IPV4, receiveAt(peer, null).length());
        nio.close(socket);
    }

    @Test
    void sendMessagesSendsEachElementAsOneDatagram() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        WskBufList list = new WskBufList(new WskBufList(new WskBufList(null, buf("three")), buf("two")), buf("one"));
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, dg(socket).wskSendMessages(socket, list, 0, addressOf(peer), 0, null, c.irp));
        nio.await(c);
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(11, c.information);
        assertEquals("one", receiveAt(peer, null));
        assertEquals("two", receiveAt(peer, null));
        assertEquals("three", receiveAt(peer, null));

        // one invalid element: nothing is sent
        nio.logOnly(VerifierRule.BUFFER_OUT_OF_RANGE);
        ByteBuffer memory = ByteBuffer.allocate(4);
        WskBufList bad = new WskBufList(new WskBufList(null, new WskBuf(Io.allocateMdl(memory, 0, 4), 0, 5)),
                buf("first"));
        Completion invalid = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendMessages(socket, bad, 0, addressOf(peer), 0, null,
                invalid.irp));
        assertEquals(1, invalid.runs.get());
        nio.assertLogged(1, VerifierRule.BUFFER_OUT_OF_RANGE);
        Completion after = new Completion();
        dg(socket).wskSendMessages(socket, new WskBufList(null, buf("after")), 0, addressOf(peer), 0, null, after.irp);
        nio.await(after);
        assertEquals("after", receiveAt(peer, null));
        nio.close(socket);
        assertEquals(1, c.runs.get());
    }

    // ---- WskReceiveFrom ------------------------------------------------------------------------------------

    @Test
    void receiveFromGetsBytesAndSender() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        Receive r = new Receive(64);
        assertEquals(STATUS_PENDING, r.post(socket));
        send(peer, "ping", localAddress(socket));
        nio.await(r.c);
        assertEquals(STATUS_SUCCESS, r.c.status);
        assertEquals(4, r.c.information);
        assertEquals("ping", r.text());
        assertEquals(addressOf(peer), r.from.get());
        assertEquals(0, r.controlLength.get());
        assertEquals(0, r.controlFlags.get());
        nio.close(socket);
        assertEquals(1, r.c.runs.get());
    }

    @Test
    void smallBufferReportsMsgTruncAndLosesTheRest() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        Receive small = new Receive(4);
        small.post(socket);
        Receive next = new Receive(64);
        next.post(socket);
        send(peer, "0123456789", localAddress(socket));
        send(peer, "next", localAddress(socket));
        nio.await(small.c);
        nio.await(next.c);
        assertEquals(4, small.c.information);
        assertEquals("0123", small.text());
        assertEquals(MSG_TRUNC, small.controlFlags.get());
        assertEquals(0, small.controlLength.get());
        assertEquals("next", next.text(), "the excess of the first datagram is lost, not delivered");
        assertEquals(0, next.controlFlags.get());
        nio.close(socket);
    }

    @Test
    void severalReceivesAreServedFifo() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        List<Receive> receives = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Receive r = new Receive(16);
            assertEquals(STATUS_PENDING, r.post(socket));
            receives.add(r);
        }
        for (int i = 0; i < 5; i++) {
            send(peer, "d" + i, localAddress(socket));
        }
        for (int i = 0; i < 5; i++) {
            nio.await(receives.get(i).c);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals("d" + i, receives.get(i).text());
            assertEquals(1, receives.get(i).c.runs.get());
        }
        nio.close(socket);
    }

    @Test
    void cancelledReceiveCompletesWithStatusCancelled() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        Receive cancelled = new Receive(16);
        cancelled.post(socket);
        assertTrue(Io.cancelIrp(cancelled.c.irp));
        executor.runPending();
        assertEquals(STATUS_CANCELLED, cancelled.c.status);
        assertEquals(0, cancelled.c.information);
        assertEquals(1, cancelled.c.runs.get());

        // the socket still works, and the cancelled IRP takes nothing
        Receive r = new Receive(16);
        r.post(socket);
        send(peer, "after", localAddress(socket));
        nio.await(r.c);
        assertEquals("after", r.text());
        nio.close(socket);
        assertEquals(1, cancelled.c.runs.get());
    }

    @Test
    void closeCancelsPendingReceivesAndCompletesAfterThem() {
        WskSocket socket = boundSocket(AF_INET, null);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        List<NtStatus> statuses = Collections.synchronizedList(new ArrayList<>());
        Irp[] irps = new Irp[3];
        for (int i = 0; i < 3; i++) {
            String name = i < 2 ? "receive" + i : "close";
            irps[i] = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irps[i], (device, irp, context) -> {
                order.add(name);
                statuses.add(irp.ioStatus().status());
                Io.freeIrp(irp);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }
        ByteBuffer memory = ByteBuffer.allocate(32);
        WskBuf lower = new WskBuf(Io.allocateMdl(memory, 0, 16), 0, 16); // each pending receive its own bytes
        WskBuf upper = new WskBuf(Io.allocateMdl(memory, 16, 16), 0, 16);
        assertEquals(STATUS_PENDING, dg(socket).wskReceiveFrom(socket, lower, 0, null, null, null, null, irps[0]));
        assertEquals(STATUS_PENDING, dg(socket).wskReceiveFrom(socket, upper, 0, null, null, null, null, irps[1]));
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, irps[2]));
        executor.runPending();
        assertEquals(List.of("receive0", "receive1", "close"), order);
        assertEquals(List.of(STATUS_CANCELLED, STATUS_CANCELLED, STATUS_SUCCESS), statuses);
    }

    @Test
    void receiveFromValidatesItsArguments() {
        WskSocket socket = boundSocket(AF_INET, null);
        nio.logOnly(VerifierRule.BUFFER_OUT_OF_RANGE);
        ByteBuffer memory = ByteBuffer.allocate(8);
        Completion tooLong = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskReceiveFrom(socket,
                new WskBuf(Io.allocateMdl(memory, 0, 8), 0, 9), 0, null, null, null, null, tooLong.irp));
        Completion readOnly = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskReceiveFrom(socket,
                new WskBuf(Io.allocateMdl(memory.asReadOnlyBuffer(), 0, 8), 0, 8), 0, null, null, null, null,
                readOnly.irp));
        Completion wrongFamily = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskReceiveFrom(socket,
                new WskBuf(Io.allocateMdl(memory, 0, 8), 0, 8), 0, new SockAddrIn6(), null, null, null,
                wrongFamily.irp));
        Completion flags = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskReceiveFrom(socket,
                new WskBuf(Io.allocateMdl(memory, 0, 8), 0, 8), 4, null, null, null, null, flags.irp));
        for (Completion c : List.of(tooLong, readOnly, wrongFamily, flags)) {
            assertEquals(1, c.runs.get());
        }
        nio.assertLogged(1, VerifierRule.BUFFER_OUT_OF_RANGE); // only tooLong breaks a rule; the others are just invalid
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskReceiveFrom(socket,
                new WskBuf(Io.allocateMdl(memory, 0, 8), 0, 8), 0, null, null, null, null, null), "no IRP");
        nio.close(socket);
    }

    @Test
    void operationsBeforeBindFailWithInvalidDeviceState() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = createDatagramSocket(AF_INET, null);
        Completion send = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, dg(socket).wskSendTo(socket, buf("x"), 0, addressOf(peer), 0, null,
                send.irp));
        Completion messages = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, dg(socket).wskSendMessages(socket, new WskBufList(null, buf("x")),
                0, addressOf(peer), 0, null, messages.irp));
        Receive receive = new Receive(8);
        assertEquals(STATUS_INVALID_DEVICE_STATE, receive.post(socket));
        Completion local = new Completion();
        assertEquals(STATUS_INVALID_DEVICE_STATE, dg(socket).wskGetLocalAddress(socket, new SockAddrStorage(),
                local.irp));
        assertEquals(STATUS_INVALID_DEVICE_STATE, ioctl(socket, SIO_WSK_SET_REMOTE_ADDRESS, addressOf(peer)));
        assertEquals(STATUS_INVALID_DEVICE_STATE, ioctl(socket, SIO_WSK_SET_SENDTO_ADDRESS, addressOf(peer)));
        assertEquals(STATUS_INVALID_DEVICE_STATE, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        for (Completion c : List.of(send, messages, receive.c, local)) {
            assertEquals(1, c.runs.get());
        }
        nio.close(socket);
    }

    // ---- IOCTLs ------------------------------------------------------------------------------------------

    @Test
    void fixedRemoteAddressTargetsSendsAndFiltersReceives() throws IOException {
        DatagramChannel a = peer(AF_INET);
        DatagramChannel b = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        assertEquals(STATUS_SUCCESS, ioctl(socket, SIO_WSK_SET_REMOTE_ADDRESS, addressOf(a)));

        Completion send = new Completion();
        dg(socket).wskSendTo(socket, buf("to-a"), 0, null, 0, null, send.irp);
        nio.await(send);
        assertEquals(STATUS_SUCCESS, send.status);
        assertEquals("to-a", receiveAt(a, null));

        Receive first = new Receive(16);
        first.post(socket);
        send(b, "from-b", localAddress(socket));
        send(a, "from-a", localAddress(socket));
        nio.await(first.c);
        assertEquals("from-a", first.text());
        assertEquals(addressOf(a), first.from.get());

        Receive second = new Receive(16);
        second.post(socket);
        send(b, "from-b-2", localAddress(socket));
        send(a, "from-a-2", localAddress(socket));
        nio.await(second.c);
        assertEquals("from-a-2", second.text(), "datagrams from b were discarded");

        // cleared: anyone again
        assertEquals(STATUS_SUCCESS, ioctl(socket, SIO_WSK_SET_REMOTE_ADDRESS, null));
        Receive third = new Receive(16);
        third.post(socket);
        send(b, "from-b-3", localAddress(socket));
        nio.await(third.c);
        assertEquals("from-b-3", third.text());
        nio.close(socket);
    }

    @Test
    void sendToAddressIsADefaultDestinationThatDoesNotFilter() throws IOException {
        DatagramChannel a = peer(AF_INET);
        DatagramChannel b = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        assertEquals(STATUS_SUCCESS, ioctl(socket, SIO_WSK_SET_SENDTO_ADDRESS, addressOf(a)));
        Completion send = new Completion();
        dg(socket).wskSendTo(socket, buf("default"), 0, null, 0, null, send.irp);
        nio.await(send);
        assertEquals("default", receiveAt(a, null));

        Completion overridden = new Completion();
        dg(socket).wskSendTo(socket, buf("explicit"), 0, addressOf(b), 0, null, overridden.irp);
        nio.await(overridden);
        assertEquals("explicit", receiveAt(b, null));

        Receive r = new Receive(16);
        r.post(socket);
        send(b, "from-b", localAddress(socket));
        nio.await(r.c);
        assertEquals("from-b", r.text());
        assertEquals(addressOf(b), r.from.get());

        assertEquals(STATUS_SUCCESS, ioctl(socket, SIO_WSK_SET_SENDTO_ADDRESS, null));
        Completion none = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket, buf("x"), 0, null, 0, null, none.irp));
        nio.close(socket);
    }

    @Test
    void ioctlsCheckTheirInput() {
        WskSocket socket = boundSocket(AF_INET, null);
        assertEquals(STATUS_INVALID_PARAMETER, ioctl(socket, SIO_WSK_SET_REMOTE_ADDRESS, SockAddrIn6.loopback(9)));
        assertEquals(STATUS_INVALID_DEVICE_REQUEST, ioctl(socket, SIO_WSK_QUERY_RECEIVE_BACKLOG, null));
        assertEquals(STATUS_INVALID_PARAMETER, socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskIoctl,
                SIO_WSK_SET_REMOTE_ADDRESS, 0, 16, SockAddrIn.loopback(9), 0, null, null, null), "IRP required");
        nio.close(socket);
    }

    // ---- WskReceiveFromEvent -------------------------------------------------------------------------------

    @Test
    void eventIndicatesDatagramsWhenNoIrpIsPending() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        send(peer, "evt", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        assertEquals(List.of("evt"), recorder.indications.get(0));
        assertEquals(addressOf(peer), recorder.senders.get(0));
        assertTrue((recorder.lastFlags & WSK_FLAG_AT_DISPATCH_LEVEL) != 0);
        nio.close(socket);
    }

    @Test
    void retainedListIsReleasedOnceWithWskRelease() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        recorder.answer = () -> STATUS_PENDING;
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        send(peer, "keep", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        WskDatagramIndication retained = recorder.heads.get(0);
        assertEquals("keep", text(retained.buffer()), "still readable while retained");
        assertEquals(STATUS_SUCCESS, dg(socket).wskRelease(socket, retained));
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskRelease(socket, retained), "double release");
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskRelease(socket, new WskDatagramIndication(null,
                new WskBuf(null, 0, 0), null, null)), "unknown list");
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskRelease(socket, null));
        nio.close(socket);
    }

    @Test
    void dataNotAcceptedDisablesADynamicEventUntilReEnabled() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        recorder.answer = () -> STATUS_DATA_NOT_ACCEPTED;
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        SocketImpl impl = (SocketImpl) socket;
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        send(peer, "declined", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        executor.runPending();
        assertFalse(impl.isEventEnabled(WSK_EVENT_RECEIVE_FROM), "disabled by STATUS_DATA_NOT_ACCEPTED");
        assertEquals(1, recorder.count());

        recorder.answer = () -> STATUS_SUCCESS;
        send(peer, "later", localAddress(socket)); // waits in the OS buffer while the event is off
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        assertTrue(executor.runUntil(() -> recorder.all().size() == 3, WAIT));
        assertEquals(List.of("declined", "declined", "later"), recorder.all());
        assertEquals("declined", recorder.indications.get(1).get(0), "the kept datagram is indicated again first");
        nio.close(socket);
    }

    @Test
    void dataNotAcceptedKeepsADatagramForTheNextReceiveIrp() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        recorder.answer = () -> STATUS_DATA_NOT_ACCEPTED;
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        send(peer, "kept", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        executor.runPending();
        Receive r = new Receive(16);
        assertEquals(STATUS_PENDING, r.post(socket));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, r.c.status);
        assertEquals("kept", r.text());
        assertEquals(addressOf(peer), r.from.get());
        nio.close(socket);
    }

    @Test
    void staticEventIsNotDisabledByDataNotAccepted() throws IOException {
        assertTrue(registration.setStaticEventMask(WSK_EVENT_RECEIVE_FROM)); // as WSK_SET_STATIC_EVENT_CALLBACKS does
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        recorder.answer = () -> recorder.count() == 1 ? STATUS_DATA_NOT_ACCEPTED : STATUS_SUCCESS;
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        send(peer, "first", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        executor.runPending();
        assertTrue(((SocketImpl) socket).isEventEnabled(WSK_EVENT_RECEIVE_FROM));
        send(peer, "second", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.all().containsAll(List.of("first", "first", "second")), WAIT));
        assertEquals(List.of("first", "first", "second"), recorder.all(), "indications continue, kept one first");
        nio.close(socket);
    }

    @Test
    void pendingReceiveIrpWinsOverTheEvent() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        Receive r = new Receive(16);
        r.post(socket);
        send(peer, "for-irp", localAddress(socket));
        nio.await(r.c);
        assertEquals("for-irp", r.text());
        send(peer, "for-event", localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == 1, WAIT));
        assertEquals(List.of("for-event"), recorder.all());
        nio.close(socket);
        assertEquals(1, r.c.runs.get());
    }

    @Test
    void retainedBytesAreBoundedAndDroppedDatagramsCounted() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        Recorder recorder = new Recorder();
        recorder.answer = () -> STATUS_PENDING;
        WskSocket socket = boundSocket(AF_INET, new WskClientDatagramDispatch(recorder));
        DatagramSocket impl = (DatagramSocket) ((SocketImpl) socket).role();
        assertEquals(STATUS_SUCCESS, enableEvent(socket, WSK_EVENT_RECEIVE_FROM));
        int size = 60_000;
        int fit = (int) (DatagramSocket.RETAINED_LIMIT / size);
        ByteBuffer payload = ByteBuffer.allocate(size);
        for (int i = 0; i < fit; i++) {
            peer.send(payload.clear(), localAddress(socket));
            int expected = i + 1;
            assertTrue(executor.runUntil(() -> recorder.count() == expected, WAIT));
        }
        peer.send(payload.clear(), localAddress(socket));
        assertTrue(executor.runUntil(() -> impl.droppedDatagrams() == 1, WAIT), "over the limit: dropped");
        assertEquals(fit, recorder.count());

        assertEquals(STATUS_SUCCESS, dg(socket).wskRelease(socket, recorder.heads.get(0)));
        peer.send(payload.clear(), localAddress(socket));
        assertTrue(executor.runUntil(() -> recorder.count() == fit + 1, WAIT), "room again after WskRelease");
        for (WskDatagramIndication head : new ArrayList<>(recorder.heads.subList(1, recorder.heads.size()))) {
            assertEquals(STATUS_SUCCESS, dg(socket).wskRelease(socket, head));
        }
        nio.close(socket);
    }

    // ---- IPv6 ------------------------------------------------------------------------------------------

    @Test
    void ipv6SendAndReceive() throws IOException {
        DatagramChannel peer = peer(AF_INET6);
        WskSocket socket = boundSocket(AF_INET6, null);
        Completion send = new Completion();
        dg(socket).wskSendTo(socket, buf("six"), 0, addressOf(peer), 0, null, send.irp);
        nio.await(send);
        assertEquals(STATUS_SUCCESS, send.status);
        assertEquals(3, send.information);
        assertEquals("six", receiveAt(peer, null));

        Receive r = new Receive(16);
        r.post(socket);
        send(peer, "back", localAddress(socket));
        nio.await(r.c);
        assertEquals("back", r.text());
        assertEquals(AF_INET6, r.from.get().family());
        assertEquals(addressOf(peer), r.from.get());

        SockAddrIn6 in6 = new SockAddrIn6();
        Receive typed = new Receive(16);
        Completion c = typed.c;
        dg(socket).wskReceiveFrom(socket, typed.buffer, 0, in6, null, null, null, c.irp);
        send(peer, "typed", localAddress(socket));
        nio.await(c);
        assertEquals(addressOf(peer), in6);

        Completion wrongFamily = new Completion();
        assertEquals(STATUS_INVALID_PARAMETER, dg(socket).wskSendTo(socket, buf("x"), 0, SockAddrIn.loopback(9), 0,
                null, wrongFamily.irp));
        nio.close(socket);
    }

    @Test
    void offsetBeyondTheFirstMdlIsRejectedAndNothingIsSent() throws IOException {
        DatagramChannel peer = peer(AF_INET);
        WskSocket socket = boundSocket(AF_INET, null);
        Completion invalid = new Completion();
        nio.logOnly(VerifierRule.BUFFER_OUT_OF_RANGE);
        ByteBuffer memory = ByteBuffer.allocate(2);
        dg(socket).wskSendTo(socket, new WskBuf(Io.allocateMdl(memory, 0, 2), 3, 1), 0, addressOf(peer), 0, null,
                invalid.irp);
        assertEquals(STATUS_INVALID_PARAMETER, invalid.status, "Offset beyond the first MDL");
        nio.assertLogged(1, VerifierRule.BUFFER_OUT_OF_RANGE);
        peer.configureBlocking(false);
        assertNull(peer.receive(ByteBuffer.allocate(16)));
        nio.close(socket);
    }
}
