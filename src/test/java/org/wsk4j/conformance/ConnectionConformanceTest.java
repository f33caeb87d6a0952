package org.wsk4j.conformance;

import org.wsk4j.FullBacklog;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientConnectionDispatch;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskEventCallbackControl;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.junit.WskExtension;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * The connection behaviour of WSK as one suite, run unchanged on both transports: the scenarios live in
 * {@link Scenarios}; each {@code @Nested} class registers the {@link WskExtension} for one transport.
 * Both ends are WSK sockets of the same subsystem on loopback (127.0.0.1), so the peer is WSK on both
 * transports. Every IRP the scenarios allocate must complete exactly once (checked after each test), and
 * the extension checks that none is left allocated and no socket is left open.
 */
class ConnectionConformanceTest {

    @Nested
    class OnSimulatedNetwork extends Scenarios {
        @RegisterExtension
        final WskExtension wsk = new WskExtension().simulated();

        SimNetwork network;

        @BeforeEach
        void network(SimNetwork network) {
            this.network = network;
        }

        @Override
        Driver driver(ManualCompletionExecutor executor) {
            return new Driver(executor, true);
        }

        /** A black hole: the connect gets no answer until the 21 s virtual connect timeout. */
        @Override
        int pendingConnectPort() {
            network.onConnect("127.0.0.1", 7777).thenFault(Fault.blackHole());
            return 7777;
        }

        /** Scripted: the handshake completes (a passive peer answers the SYN), then the network resets it. */
        @Override
        int resetAfterHandshakePort() {
            network.onConnect("127.0.0.1", 7778).thenFault(Fault.resetAfter(0));
            return 7778;
        }
    }

    @Nested
    class OnNio extends Scenarios {
        @RegisterExtension
        final WskExtension wsk = new WskExtension().nio();

        private FullBacklog full;

        @Override
        Driver driver(ManualCompletionExecutor executor) {
            return new Driver(executor, false);
        }

        /**
         * A listener whose accept queue is full, so a further connect stays in SYN_SENT (pending) on Linux.
         * No black hole exists on real loopback; this is the portable way to hold a connect pending.
         */
        @Override
        int pendingConnectPort() throws IOException {
            full = new FullBacklog();
            return full.port();
        }

        /** A listener that accepts one connection and closes it at once with SO_LINGER 0 (a RST). */
        @Override
        int resetAfterHandshakePort() throws IOException {
            resetting = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            ServerSocket server = resetting;
            resetter = CompletableFuture.runAsync(() -> {
                try (Socket accepted = server.accept()) {
                    accepted.setSoLinger(true, 0);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return server.getLocalPort();
        }

        private ServerSocket resetting;
        private CompletableFuture<Void> resetter;

        @AfterEach
        void closeBacklog() throws Exception {
            if (full != null) {
                full.close();
            }
            if (resetting != null) {
                resetting.close();
                resetter.get(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Drives completions the right way for the transport. */
    static final class Driver {
        static final Duration WAIT = Duration.ofSeconds(10);
        final ManualCompletionExecutor executor;
        final boolean simulated;

        Driver(ManualCompletionExecutor executor, boolean simulated) {
            this.executor = executor;
            this.simulated = simulated;
        }

        /**
         * Runs completions until the condition holds: in virtual time on the simulated network (1 ms steps,
         * up to a minute of virtual time), in real time (up to 10 s) on NIO, where the selector thread posts.
         */
        boolean until(BooleanSupplier condition) {
            if (!simulated) {
                return executor.runUntil(condition, WAIT);
            }
            for (int step = 0; step < 60_000; step++) {
                executor.runPending();
                if (condition.getAsBoolean()) {
                    return true;
                }
                executor.advanceTimeBy(Duration.ofMillis(1));
            }
            return condition.getAsBoolean();
        }

        /** Lets the transport make progress without waiting for anything in particular. */
        void settle() {
            if (simulated) {
                executor.advanceTimeBy(Duration.ofSeconds(1));
            } else {
                executor.runUntil(() -> false, Duration.ofMillis(100));
            }
        }
    }

    /** An IRP with a completion routine that records the result, counts its runs and frees the IRP. */
    static final class Op {
        final Irp irp = Io.allocateIrp(1, false);
        final String name;
        int runs;
        NtStatus status;
        long information;
        Object informationObject;

        Op(String name, List<String> order) {
            this.name = name;
            assertNotNull(irp, "IRP allocation");
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                runs++;
                status = completed.ioStatus().status();
                information = completed.ioStatus().information();
                informationObject = completed.ioStatus().informationObject();
                order.add(name + " " + status.name());
                Io.freeIrp(completed);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }

        boolean done() {
            return runs > 0;
        }

        WskSocket socket() {
            return (WskSocket) informationObject;
        }
    }


    /**
     * An IRP reused (IoReuseIrp) for request after request, as drivers reuse theirs: its routine records every
     * completion, runs the test's follow-up (which may reuse the IRP at once, from the routine) and returns
     * STATUS_MORE_PROCESSING_REQUIRED. The provider reuses its operation objects across such requests, so these
     * scenarios check that no request sees another's state: every request completes exactly once, with its own
     * result and its own bytes.
     */
    static final class Reused {
        final Irp irp = Io.allocateIrp(1, false);
        final List<NtStatus> statuses = new ArrayList<>();
        final List<Long> informations = new ArrayList<>();
        int requests;
        Runnable then;

        /** The IRP, ready for its next request. */
        Irp next() {
            if (requests++ > 0) {
                Io.reuseIrp(irp, STATUS_SUCCESS);
            }
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                statuses.add(completed.ioStatus().status());
                informations.add(completed.ioStatus().information());
                if (then != null) {
                    then.run();
                }
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
            return irp;
        }

        boolean completed(int count) {
            return statuses.size() >= count;
        }

        NtStatus last() {
            return statuses.get(statuses.size() - 1);
        }

        long lastInformation() {
            return informations.get(informations.size() - 1);
        }
    }

    /** The scenarios; the same code on both transports. */
    abstract static class Scenarios {
        WskProviderNpi npi;
        WskRegistration registration;
        Driver driver;
        final List<Op> ops = new ArrayList<>();
        final List<String> order = new ArrayList<>();

        abstract Driver driver(ManualCompletionExecutor executor);

        /** A loopback port whose peer completes the handshake and resets the connection right after it. */
        abstract int resetAfterHandshakePort() throws IOException;

        /** A loopback port on which a connect stays pending until cancelled. */
        abstract int pendingConnectPort() throws IOException;

        @BeforeEach
        void inject(WskProviderNpi npi, WskRegistration registration, ManualCompletionExecutor executor) {
            this.npi = npi;
            this.registration = registration;
            this.driver = driver(executor);
        }

        final List<Reused> reusedIrps = new ArrayList<>();

        @AfterEach
        void everyIrpCompletedExactlyOnce() {
            for (Op op : ops) {
                assertEquals(1, op.runs, () -> op.name + " completed " + op.runs + " times");
            }
            for (Reused reused : reusedIrps) {
                assertEquals(reused.requests, reused.statuses.size(), "every request of a reused IRP completed once");
                Io.freeIrp(reused.irp);
            }
        }

        Reused reused() {
            Reused reused = new Reused();
            reusedIrps.add(reused);
            return reused;
        }

        Op op(String name) {
            Op op = new Op(name, order);
            ops.add(op);
            return op;
        }

        NtStatus await(Op op) {
            assertTrue(driver.until(op::done), () -> op.name + " never completed");
            return op.status;
        }

        static WskProviderConnectionDispatch connection(WskSocket socket) {
            return (WskProviderConnectionDispatch) socket.dispatch();
        }

        WskSocket socket(int flags) {
            Op op = op("socket");
            assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    flags, null, null, null, null, null, op.irp));
            assertEquals(STATUS_SUCCESS, await(op));
            return op.socket();
        }

        /** A WSK listening socket on 127.0.0.1 and an ephemeral port. */
        WskSocket listener() {
            WskSocket listener = socket(WSK_FLAG_LISTEN_SOCKET);
            Op bind = op("bind");
            ((WskProviderListenDispatch) listener.dispatch()).wskBind(listener, SockAddrIn.loopback(0), 0, bind.irp);
            assertEquals(STATUS_SUCCESS, await(bind));
            return listener;
        }

        int port(WskSocket listener) {
            SockAddrIn local = new SockAddrIn();
            Op op = op("getLocalAddress");
            ((WskProviderListenDispatch) listener.dispatch()).wskGetLocalAddress(listener, local, op.irp);
            assertEquals(STATUS_SUCCESS, await(op));
            return local.port();
        }

        /** A loopback port nothing listens on: a WSK listener's port, after the listener closed. */
        int freePort() {
            WskSocket listener = listener();
            int port = port(listener);
            close(listener);
            return port;
        }

        WskSocket boundConnectionSocket() {
            WskSocket socket = socket(WSK_FLAG_CONNECTION_SOCKET);
            Op bind = op("bind");
            connection(socket).wskBind(socket, SockAddrIn.any(0), 0, bind.irp);
            assertEquals(STATUS_SUCCESS, await(bind));
            return socket;
        }

        NtStatus connect(WskSocket socket, SockAddr remote) {
            Op op = op("connect");
            assertEquals(STATUS_PENDING, connection(socket).wskConnect(socket, remote, 0, op.irp));
            return await(op);
        }

        WskSocket accept(WskSocket listener) {
            Op op = op("accept");
            ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null, op.irp);
            assertEquals(STATUS_SUCCESS, await(op));
            assertNotNull(op.socket());
            return op.socket();
        }

        void close(WskSocket socket) {
            Op op = op("close");
            assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, op.irp));
            assertEquals(STATUS_SUCCESS, await(op));
        }

        /** Two connected WSK sockets: [client, accepted]; the listener is closed already. */
        WskSocket[] pair() {
            WskSocket listener = listener();
            WskSocket client = boundConnectionSocket();
            assertEquals(STATUS_SUCCESS, connect(client, SockAddrIn.loopback(port(listener))));
            WskSocket accepted = accept(listener);
            close(listener);
            return new WskSocket[] {client, accepted};
        }

        static WskBuf buf(byte[] data) {
            return new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, data.length), 0, data.length);
        }

        Op send(WskSocket socket, String text) {
            Op op = op("send");
            connection(socket).wskSend(socket, buf(text.getBytes(StandardCharsets.US_ASCII)), 0, op.irp);
            return op;
        }

        Op receive(WskSocket socket, byte[] into) {
            Op op = op("receive");
            connection(socket).wskReceive(socket, buf(into), 0, op.irp);
            return op;
        }

        String receiveText(WskSocket socket, int length) {
            StringBuilder text = new StringBuilder();
            while (text.length() < length) {
                byte[] into = new byte[length - text.length()];
                Op op = receive(socket, into);
                assertEquals(STATUS_SUCCESS, await(op));
                assertTrue(op.information > 0, "data, not end of stream");
                text.append(new String(into, 0, (int) op.information, StandardCharsets.US_ASCII));
            }
            return text.toString();
        }

        // ---- scenarios ----------------------------------------------------------------------------------

        /**
         * One receive IRP reused from its own routine (the echo pattern: the next receive is issued before the routine
         * returns) and one send IRP reused after each send, over two buffers and two descriptions of one of them (a
         * whole MDL, part of it), each message written into the same memory before it is sent: every byte arrives,
         * in order, and every request completes once. A reused operation that kept a stale view position, length or
         * buffer would lose or repeat bytes here.
         */
        @Test
        void irpsReusedForEveryMessageCarryEachMessageIntact() {
            WskSocket[] pair = pair();
            WskSocket client = pair[0];
            WskSocket accepted = pair[1];
            byte[] first = new byte[64];
            byte[] second = new byte[64];
            WskBuf[] receiveBuffers = {buf(first), buf(first), buf(second),
                    new WskBuf(buf(first).mdl(), 8, 16)};
            byte[][] memories = {first, first, second, first};
            int[] offsets = {0, 0, 0, 8};
            StringBuilder received = new StringBuilder();
            StringBuilder sent = new StringBuilder();
            Reused receive = reused();
            int[] index = {0};
            boolean[] stop = {false};
            receive.then = () -> {
                if (receive.last() != STATUS_SUCCESS) {
                    return; // the last receive: ended by the close below
                }
                int used = index[0] % receiveBuffers.length;
                received.append(new String(memories[used], offsets[used], (int) receive.lastInformation(),
                        StandardCharsets.US_ASCII));
                if (!stop[0]) {
                    index[0]++;
                    connection(accepted).wskReceive(accepted, receiveBuffers[index[0] % receiveBuffers.length], 0,
                            receive.next()); // reused inside its own routine
                }
            };
            connection(accepted).wskReceive(accepted, receiveBuffers[0], 0, receive.next());
            byte[] out = new byte[48];
            WskBuf whole = buf(out);
            Reused send = reused();
            for (int i = 0; i < 60; i++) {
                String text = String.format("message %03d|", i).repeat(1 + i % 3);
                byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(bytes, 0, out, 0, bytes.length);
                WskBuf description = bytes.length == out.length ? whole : new WskBuf(whole.mdl(), 0, bytes.length);
                connection(client).wskSend(client, description, 0, send.next());
                int sends = i + 1;
                assertTrue(driver.until(() -> send.completed(sends)), "send " + i);
                assertEquals(STATUS_SUCCESS, send.last());
                assertEquals(bytes.length, send.lastInformation());
                sent.append(text);
            }
            assertTrue(driver.until(() -> received.length() >= sent.length()), "every byte received");
            assertEquals(sent.toString(), received.toString());
            stop[0] = true;
            close(client); // abortive: the pending receive completes with the reset and is not reissued
            assertTrue(driver.until(() -> receive.completed(receive.requests)));
            assertEquals(STATUS_CONNECTION_RESET, receive.last());
            close(accepted);
        }

        /**
         * A receive cancelled on a reused IRP, then an IoCancelIrp that comes after its request completed: neither
         * touches the IRP's next request, which completes with its own data.
         */
        @Test
        void aCancelOfAnEarlierRequestDoesNotReachTheReusedIrpsNextRequest() {
            WskSocket[] pair = pair();
            WskSocket client = pair[0];
            WskSocket accepted = pair[1];
            byte[] into = new byte[16];
            WskBuf buffer = buf(into);
            Reused receive = reused();
            connection(accepted).wskReceive(accepted, buffer, 0, receive.next());
            driver.settle();
            assertTrue(Io.cancelIrp(receive.irp), "the pending receive has a cancel routine");
            assertTrue(driver.until(() -> receive.completed(1)));
            assertEquals(STATUS_CANCELLED, receive.last());

            connection(accepted).wskReceive(accepted, buffer, 0, receive.next());
            assertEquals(STATUS_SUCCESS, await(send(client, "abc")));
            assertTrue(driver.until(() -> receive.completed(2)));
            assertEquals(STATUS_SUCCESS, receive.last());
            assertEquals("abc", new String(into, 0, (int) receive.lastInformation(), StandardCharsets.US_ASCII));
            assertFalse(Io.cancelIrp(receive.irp), "a completed request has no cancel routine left");

            connection(accepted).wskReceive(accepted, buffer, 0, receive.next());
            driver.settle();
            assertFalse(receive.completed(3), "the late cancel did not cancel the next request");
            assertEquals(STATUS_SUCCESS, await(send(client, "defg")));
            assertTrue(driver.until(() -> receive.completed(3)));
            assertEquals(STATUS_SUCCESS, receive.last());
            assertEquals("defg", new String(into, 0, (int) receive.lastInformation(), StandardCharsets.US_ASCII));
            close(client);
            close(accepted);
        }

        /**
         * A close with requests of reused IRPs pending cancels each once; the same IRPs then serve requests on another
         * socket (the operations of the closed socket are not reused there).
         */
        @Test
        void closeWithReusedIrpsPendingCancelsThemOnceAndTheIrpsServeAnotherSocket() {
            WskSocket[] pair = pair();
            WskSocket client = pair[0];
            WskSocket accepted = pair[1];
            byte[] into = new byte[16];
            Reused receive = reused();
            Reused send = reused();
            for (int i = 0; i < 3; i++) {
                connection(accepted).wskReceive(accepted, buf(into), WSK_FLAG_WAITALL, receive.next());
                connection(client).wskSend(client, buf("0123456789abcdef".getBytes(StandardCharsets.US_ASCII)), 0,
                        send.next());
                int done = i + 1;
                assertTrue(driver.until(() -> receive.completed(done) && send.completed(done)));
                assertEquals(STATUS_SUCCESS, receive.last());
                assertEquals(16, receive.lastInformation());
            }
            connection(accepted).wskReceive(accepted, buf(into), 0, receive.next());
            driver.settle();
            assertFalse(receive.completed(4));
            close(accepted);
            assertTrue(driver.until(() -> receive.completed(4)));
            assertEquals(STATUS_CANCELLED, receive.last());

            // The same IRPs on the other socket: it sees the close (abortive) as a reset.
            connection(client).wskReceive(client, buf(into), 0, receive.next());
            assertTrue(driver.until(() -> receive.completed(5)));
            assertEquals(STATUS_CONNECTION_RESET, receive.last());
            connection(client).wskSend(client, buf(into), 0, send.next());
            assertTrue(driver.until(() -> send.completed(4)));
            assertEquals(STATUS_CONNECTION_RESET, send.last());
            close(client);
        }

        @Test
        void connectSucceedsAndTheListenerAcceptsIt() {
            WskSocket listener = listener();
            WskSocket client = boundConnectionSocket();
            Op connect = op("connect");
            assertEquals(STATUS_PENDING, connection(client).wskConnect(client, SockAddrIn.loopback(port(listener)), 0,
                    connect.irp));
            assertEquals(STATUS_SUCCESS, await(connect));
            assertEquals(0, connect.information);
            WskSocket accepted = accept(listener);
            close(client);
            close(accepted);
            close(listener);
        }

        @Test
        void connectToAPortNobodyListensOnIsRefused() {
            int port = freePort();
            WskSocket client = boundConnectionSocket();
            assertEquals(STATUS_CONNECTION_REFUSED, connect(client, SockAddrIn.loopback(port)));
            close(client);
        }

        @Test
        void unboundConnectFailsAtOnceWithInvalidDeviceState() {
            WskSocket client = socket(WSK_FLAG_CONNECTION_SOCKET);
            Op connect = op("connect");
            assertEquals(STATUS_INVALID_DEVICE_STATE,
                    connection(client).wskConnect(client, SockAddrIn.loopback(9), 0, connect.irp));
            assertEquals(1, connect.runs, "completed before the call returned");
            assertEquals(STATUS_INVALID_DEVICE_STATE, connect.status);
            close(client);
        }

        /**
         * Wine's driver_netio.c (passes on Windows): a WskBind of a TCP listener to a port in use returns STATUS_PENDING
         * and completes the IRP with STATUS_ADDRESS_ALREADY_ASSOCIATED, Information 0 (unlike WskConnect, whose
         * failures are returned at once).
         */
        @Test
        void bindToAPortInUseIsPendingAndCompletesWithAddressAlreadyAssociated() {
            WskSocket first = listener();
            WskSocket second = socket(WSK_FLAG_LISTEN_SOCKET);
            Op bind = op("bind");
            assertEquals(STATUS_PENDING, ((WskProviderListenDispatch) second.dispatch()).wskBind(second,
                    SockAddrIn.loopback(port(first)), 0, bind.irp));
            assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, await(bind));
            assertEquals(0, bind.information);
            close(second);
            close(first);
        }

        /**
         * Wine's driver_netio.c (passes on Windows): a UDP socket created with WSK_FLAG_LISTEN_SOCKET is created, and
         * its WskBind returns STATUS_PENDING and completes with STATUS_NOT_IMPLEMENTED, Information 0.
         */
        @Test
        void bindOfAUdpListenSocketIsPendingAndCompletesWithNotImplemented() {
            Op create = op("socket");
            assertEquals(STATUS_PENDING, npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_DGRAM, IPPROTO_UDP,
                    WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, create.irp));
            assertEquals(STATUS_SUCCESS, await(create));
            WskSocket udp = create.socket();
            Op bind = op("bind");
            assertEquals(STATUS_PENDING, ((WskProviderListenDispatch) udp.dispatch()).wskBind(udp,
                    SockAddrIn.loopback(0), 0, bind.irp));
            assertEquals(STATUS_NOT_IMPLEMENTED, await(bind));
            assertEquals(0, bind.information);
            close(udp);
        }

        @Test
        void cancellingAPendingConnectCompletesItCancelled() throws IOException {
            int port = pendingConnectPort();
            WskSocket client = boundConnectionSocket();
            Op connect = op("connect");
            assertEquals(STATUS_PENDING, connection(client).wskConnect(client, SockAddrIn.loopback(port), 0, connect.irp));
            driver.settle();
            assertFalse(connect.done(), "the connect is pending");
            assertTrue(Io.cancelIrp(connect.irp), "a cancel routine is set while pending");
            assertEquals(STATUS_CANCELLED, await(connect));
            assertEquals(0, connect.information);
            close(client);
        }

        @Test
        void wskSocketConnectHandsOutAConnectedSocket() {
            WskSocket listener = listener();
            Op op = op("socketConnect");
            assertEquals(STATUS_PENDING, npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP,
                    SockAddrIn.any(0), SockAddrIn.loopback(port(listener)), 0, null, null, null, null, null, op.irp));
            assertEquals(STATUS_SUCCESS, await(op));
            WskSocket client = op.socket();
            assertTrue(client.dispatch() instanceof WskProviderConnectionDispatch);
            WskSocket accepted = accept(listener);
            close(client);
            close(accepted);
            close(listener);
        }

        @Test
        void wskSocketConnectFailureHandsOutNothing() {
            int port = freePort();
            int before = registration.openSocketCount();
            Op op = op("socketConnect");
            npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                    SockAddrIn.loopback(port), 0, null, null, null, null, null, op.irp);
            assertEquals(STATUS_CONNECTION_REFUSED, await(op));
            assertNull(op.informationObject);
            assertEquals(before, registration.openSocketCount());
        }

        @Test
        void dataFlowsBothWays() {
            WskSocket[] pair = pair();
            Op ping = send(pair[0], "ping");
            assertEquals(STATUS_SUCCESS, await(ping));
            assertEquals(4, ping.information);
            assertEquals("ping", receiveText(pair[1], 4));
            Op pong = send(pair[1], "pong!");
            assertEquals(STATUS_SUCCESS, await(pong));
            assertEquals(5, pong.information);
            assertEquals("pong!", receiveText(pair[0], 5));
            close(pair[0]);
            close(pair[1]);
        }

        @Test
        void gracefulDisconnectIsAZeroByteReceiveAtThePeer() {
            WskSocket[] pair = pair();
            Op disconnect = op("disconnect");
            connection(pair[0]).wskDisconnect(pair[0], null, 0, disconnect.irp);
            assertEquals(STATUS_SUCCESS, await(disconnect));
            Op received = receive(pair[1], new byte[8]);
            assertEquals(STATUS_SUCCESS, await(received));
            assertEquals(0, received.information, "end of stream");
            close(pair[0]);
            close(pair[1]);
        }

        @Test
        void abortiveDisconnectResetsThePeer() {
            WskSocket[] pair = pair();
            Op received = receive(pair[1], new byte[8]);
            Op abort = op("abort");
            connection(pair[0]).wskDisconnect(pair[0], null, WSK_FLAG_ABORTIVE, abort.irp);
            assertEquals(STATUS_SUCCESS, await(abort));
            assertEquals(STATUS_CONNECTION_RESET, await(received));
            close(pair[0]);
            close(pair[1]);
        }

        @Test
        void closeWithAPendingReceiveCancelsItBeforeTheCloseCompletes() {
            WskSocket[] pair = pair();
            Op received = receive(pair[0], new byte[8]);
            driver.settle();
            assertFalse(received.done(), "nothing was sent: the receive is pending");
            Op close = op("close");
            assertEquals(STATUS_PENDING, pair[0].dispatch().wskCloseSocket(pair[0], close.irp));
            await(close);
            assertEquals(STATUS_CANCELLED, received.status);
            assertEquals(List.of("receive STATUS_CANCELLED", "close STATUS_SUCCESS"),
                    order.subList(order.size() - 2, order.size()));
            close(pair[1]);
        }
        @Test
        void thePeersFinIsSeenWithoutAPendingReceiveAndTheCloseIsGraceful() {
            List<Integer> disconnects = new ArrayList<>();
            WskSocket listener = listener();
            Op create = op("socket");
            npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, null,
                    new WskClientConnectionDispatch(null, (context, flags) -> {
                        disconnects.add(flags);
                        return STATUS_SUCCESS;
                    }, null), null, null, null, create.irp);
            assertEquals(STATUS_SUCCESS, await(create));
            WskSocket client = create.socket();
            Op bind = op("bind");
            connection(client).wskBind(client, SockAddrIn.any(0), 0, bind.irp);
            assertEquals(STATUS_SUCCESS, await(bind));
            assertEquals(STATUS_SUCCESS, connect(client, SockAddrIn.loopback(port(listener))));
            WskSocket peer = accept(listener);
            close(listener);
            assertEquals(STATUS_SUCCESS, client.dispatch().wskControlSocket(client, WskControlSocketType.WskSetOption,
                    SO_WSK_EVENT_CALLBACK, SOL_SOCKET, WskEventCallbackControl.SIZE,
                    new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_DISCONNECT), 0, null, null, null));

            Op peerFin = op("peer disconnect");
            connection(peer).wskDisconnect(peer, null, 0, peerFin.irp);
            assertEquals(STATUS_SUCCESS, await(peerFin));
            assertTrue(driver.until(() -> !disconnects.isEmpty()), "WskDisconnectEvent without a pending receive");
            assertEquals(List.of(WSK_FLAG_AT_DISPATCH_LEVEL), disconnects, "graceful, once");

            Op fin = op("disconnect");
            connection(client).wskDisconnect(client, null, 0, fin.irp);
            assertEquals(STATUS_SUCCESS, await(fin));
            close(client); // disconnected both ways: graceful, no RST
            driver.settle();
            Op received = receive(peer, new byte[8]);
            assertEquals(STATUS_SUCCESS, await(received), "the peer sees end of stream, not a reset");
            assertEquals(0, received.information);
            close(peer);
        }

        @Test
        void aResetRightAfterTheHandshakeIsASuccessfulConnectAndTheNextReceiveReportsIt() throws IOException {
            int port = resetAfterHandshakePort();
            WskSocket client = boundConnectionSocket();
            assertEquals(STATUS_SUCCESS, connect(client, SockAddrIn.loopback(port)), "as on Windows");
            Op received = receive(client, new byte[8]);
            assertEquals(STATUS_CONNECTION_RESET, await(received));
            close(client);
        }
    }
}
