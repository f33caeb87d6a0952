package org.wsk4j.reliability;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrStorage;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.IrpAllocationPolicy;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.Latency;
import org.wsk4j.sim.LinkProfile;
import org.wsk4j.sim.SimNetwork;

/**
 * Every fault the simulated network can inject, at every stage of a connection's life: socket creation, bind,
 * name resolution, connect, accept, send, receive, disconnect, close (and datagram send/receive). Each case runs a
 * whole life — (in the resolve cases WskGetAddressInfo "server" first) client WskSocket, WskBind, WskConnect to
 * a WSK listener on another host, WskAccept there, request and reply with WskSend/WskReceive both ways, graceful WskDisconnect both ways, WskCloseSocket of everything — with one fault
 * injected at its stage; a failed step skips to the closes. Checked per case: every step ends in a documented
 * NTSTATUS (and the specific status the docs promise for the fault, where they promise one); every completion
 * routine ran exactly once; every queued fault was used; after deregistration no IRP, socket or capture is left, no
 * verifier violation, no routine failure; and the case runs <b>twice from its seed with identical event logs and
 * statuses</b> (deterministic replay: rerun one case with {@code -Dwsk4j.seed=N}; the seed is in every failure).
 */
class SimFaultSweepTest {

    static final InetSocketAddress SERVER = new InetSocketAddress(ipv4(10, 0, 0, 2), 80);
    static final InetSocketAddress SERVER_UDP = new InetSocketAddress(ipv4(10, 0, 0, 2), 53);
    static final int REQUEST = 1000;
    static final int REPLY = 100;

    /** The statuses a step may end with: each one documented for its function (docs/mapping.md, simulation.md). */
    static final Set<NtStatus> DOCUMENTED = Set.of(STATUS_SUCCESS, STATUS_CANCELLED, STATUS_CONNECTION_REFUSED,
            STATUS_IO_TIMEOUT, STATUS_HOST_UNREACHABLE, STATUS_NETWORK_UNREACHABLE, STATUS_CONNECTION_RESET,
            STATUS_CONNECTION_ABORTED, STATUS_INSUFFICIENT_RESOURCES, STATUS_INVALID_DEVICE_STATE,
            STATUS_ADDRESS_ALREADY_ASSOCIATED, STATUS_CONNECTION_DISCONNECTED, STATUS_NETWORK_BUSY, STATUS_NOT_FOUND);

    static final Map<String, String> RESULTS = new TreeMap<>();

    static InetAddress ipv4(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** One fault at one stage, and what the docs promise for it (step name to status). */
    record Case(String stage, String fault, Consumer<Life> inject, Map<String, NtStatus> expect) {
        @Override
        public String toString() {
            return stage + ": " + fault;
        }
    }

    static Case c(String stage, String fault, Consumer<Life> inject, Object... expect) {
        Map<String, NtStatus> map = new LinkedHashMap<>();
        for (int i = 0; i < expect.length; i += 2) {
            map.put((String) expect[i], (NtStatus) expect[i + 1]);
        }
        return new Case(stage, fault, inject, map);
    }

    static Stream<Case> cases() {
        List<Case> all = new ArrayList<>();
        // socket creation
        all.add(c("socket creation", "failSocketCreation (client WskSocket)", l -> l.network.failSocketCreation(2),
                "client WskSocket", STATUS_INSUFFICIENT_RESOURCES));
        all.add(c("socket creation", "failSocketCreation (listener)", l -> l.network.failSocketCreation(1),
                "listener WskSocket", STATUS_INSUFFICIENT_RESOURCES, "WskConnect", STATUS_CONNECTION_REFUSED));
        all.add(c("socket creation", "failSocketCreation (datagram)", l -> {
            l.datagram = true;
            l.network.failSocketCreation(2); // the server's datagram socket is the first creation
        }, "datagram WskSocket", STATUS_INSUFFICIENT_RESOURCES));
        all.add(c("socket creation", "IoAllocateIrp fails (low resources)", l -> l.at("client WskSocket",
                () -> l.network.ioManager().setIrpAllocationPolicy(IrpAllocationPolicy.failNth(1))),
                "client WskSocket", STATUS_INSUFFICIENT_RESOURCES));
        // bind
        all.add(c("bind", "local port already in use", l -> l.bindPortTaken = true,
                "WskBind", STATUS_ADDRESS_ALREADY_ASSOCIATED));
        all.add(c("bind", "partition (then the whole life)", l -> l.at("WskBind",
                () -> l.network.partition(SimNetwork.LOCALHOST, "server"))));
        // connect
        all.add(c("connect", "Accept (forced success)", l -> l.network.onConnect(SERVER).thenFault(Fault.accept()),
                "WskConnect", STATUS_SUCCESS));
        all.add(c("connect", "Refuse", l -> l.network.onConnect(SERVER).thenFault(Fault.refuse()),
                "WskConnect", STATUS_CONNECTION_REFUSED));
        all.add(c("connect", "BlackHole", l -> l.network.onConnect(SERVER).thenFault(Fault.blackHole()),
                "WskConnect", STATUS_IO_TIMEOUT));
        all.add(c("connect", "Unreachable(host)", l -> l.network.onConnect(SERVER).thenFault(Fault.hostUnreachable()),
                "WskConnect", STATUS_HOST_UNREACHABLE));
        all.add(c("connect", "Unreachable(network)", l -> l.network.onConnect(SERVER).thenFault(Fault.networkUnreachable()),
                "WskConnect", STATUS_NETWORK_UNREACHABLE));
        all.add(c("connect", "ResetAfter(0)", l -> l.network.onConnect(SERVER).thenFault(Fault.resetAfter(0)),
                "WskConnect", STATUS_SUCCESS));
        all.add(c("connect", "Abort", l -> l.network.onConnect(SERVER).thenFault(Fault.abort()),
                "WskConnect", STATUS_SUCCESS));
        all.add(c("connect", "Delay(5 ms)", l -> l.network.onConnect(SERVER).thenFault(new Fault.Delay(Duration.ofMillis(5))),
                "WskConnect", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("connect", "Delay(5 ms, Refuse)", l -> l.network.onConnect(SERVER).thenFault(
                new Fault.Delay(Duration.ofMillis(5), Fault.refuse())), "WskConnect", STATUS_CONNECTION_REFUSED));
        all.add(c("connect", "PartialSend(7)", l -> l.network.onConnect(SERVER).thenFault(new Fault.PartialSend(7)),
                "WskConnect", STATUS_SUCCESS));
        all.add(c("connect", "FailWith(STATUS_NETWORK_BUSY)", l -> l.network.onConnect(SERVER).thenFault(
                new Fault.FailWith(STATUS_NETWORK_BUSY)), "WskConnect", STATUS_NETWORK_BUSY));
        all.add(c("connect", "IoCancelIrp while the connect hangs (BlackHole)", l -> {
            l.network.onConnect(SERVER).thenFault(Fault.blackHole());
            l.cancelAfterIssue.add("WskConnect");
        }, "WskConnect", STATUS_CANCELLED));
        all.add(c("connect", "WskCloseSocket while the connect hangs (BlackHole)", l -> {
            l.network.onConnect(SERVER).thenFault(Fault.blackHole());
            l.closeAfterIssue = "WskConnect";
        }, "WskConnect", STATUS_CANCELLED));
        // accept
        all.add(c("accept", "onAccept Abort", l -> l.network.onAccept(80).thenFault(Fault.abort()),
                "WskConnect", STATUS_SUCCESS, "WskAccept", STATUS_SUCCESS, "server WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("accept", "onAccept Delay(5 ms)", l -> l.network.onAccept(80).thenFault(new Fault.Delay(Duration.ofMillis(5))),
                "WskConnect", STATUS_SUCCESS, "WskAccept", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("accept", "onAccept Refuse", l -> l.network.onAccept(80).thenFault(Fault.refuse()),
                "WskConnect", STATUS_CONNECTION_REFUSED, "WskAccept", STATUS_CANCELLED));
        all.add(c("accept", "onAccept FailWith(STATUS_HOST_UNREACHABLE)", l -> l.network.onAccept(80).thenFault(
                new Fault.FailWith(STATUS_HOST_UNREACHABLE)), "WskConnect", STATUS_HOST_UNREACHABLE, "WskAccept",
                STATUS_CANCELLED));
        all.add(c("accept", "IoCancelIrp on the pending WskAccept", l -> l.cancelAfterIssue.add("WskAccept"),
                "WskAccept", STATUS_CANCELLED));
        // send
        all.add(c("send", "onSend ResetAfter(10)", l -> l.network.onSend(SERVER).thenFault(Fault.resetAfter(10)),
                "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("send", "onSend Abort", l -> l.network.onSend(SERVER).thenFault(Fault.abort()),
                "client WskSend", STATUS_CONNECTION_ABORTED));
        all.add(c("send", "onSend PartialSend(7)", l -> l.network.onSend(SERVER).thenFault(new Fault.PartialSend(7)),
                "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS));
        all.add(c("send", "onSend Delay(5 ms)", l -> l.network.onSend(SERVER).thenFault(new Fault.Delay(Duration.ofMillis(5))),
                "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS));
        all.add(c("send", "onSend FailWith(STATUS_CONNECTION_ABORTED)", l -> l.network.onSend(SERVER).thenFault(
                new Fault.FailWith(STATUS_CONNECTION_ABORTED)), "client WskSend", STATUS_CONNECTION_ABORTED));
        all.add(c("send", "partition", l -> l.at("client WskSend", () -> l.network.partition(SimNetwork.LOCALHOST, "server"))));
        all.add(c("send", "IoCancelIrp on the send", l -> l.cancelAfterIssue.add("client WskSend")));
        // receive
        all.add(c("receive", "connect ResetAfter(1050): reset in the middle of the reply", l -> l.network.onConnect(SERVER)
                .thenFault(Fault.resetAfter(REQUEST + REPLY / 2)), "server WskReceive", STATUS_SUCCESS,
                "client WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("receive", "partition", l -> l.at("server WskSend", () -> l.network.partition(SimNetwork.LOCALHOST, "server")),
                "client WskReceive", STATUS_CANCELLED));
        all.add(c("receive", "partition, then heal after the retransmission timeout", l -> {
            l.at("client WskSend", () -> l.network.partition(SimNetwork.LOCALHOST, "server"));
            l.at("client WskReceive", () -> l.network.heal(SimNetwork.LOCALHOST, "server"));
        }, "client WskSend", STATUS_SUCCESS, "client WskReceive", STATUS_CONNECTION_ABORTED,
                "server WskReceive", STATUS_CONNECTION_RESET)); // the sender gave up; its RST arrives at the heal
        all.add(c("receive", "partition, healed 1 s later (held data retransmitted)", l -> l.at("client WskSend", () -> {
            l.network.partition(SimNetwork.LOCALHOST, "server");
            l.executor.schedule(Duration.ofSeconds(1), () -> l.network.heal(SimNetwork.LOCALHOST, "server"));
        }), "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS,
                "server final WskReceive", STATUS_SUCCESS));
        all.add(c("send", "jitter both ways (exponential, long tail)", l -> {
            l.network.setLink(SimNetwork.LOCALHOST, "server", LinkProfile.NORMAL.withLatency(
                    Latency.exponential(Duration.ofNanos(50_000), Duration.ofMillis(2))));
            l.network.setLink("server", SimNetwork.LOCALHOST, LinkProfile.NORMAL.withLatency(
                    Latency.longTail(Duration.ofNanos(50_000), 1.16)));
        }, "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("send", "onSend Hold: the request parked 10 s", l -> {
            l.network.onSend(SERVER).thenFault(Fault.hold());
            l.at("server WskReceive", () -> l.executor.schedule(Duration.ofSeconds(10), l.network::releaseParked));
        }, "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS));
        all.add(c("accept", "onAccept Hold: the SYN-ACK parked 5 s", l -> {
            l.network.onAccept(80).thenFault(Fault.hold());
            l.at("WskConnect", () -> l.executor.schedule(Duration.ofSeconds(5), l.network::releaseParked));
        }, "WskConnect", STATUS_SUCCESS, "WskAccept", STATUS_SUCCESS));
        all.add(c("send", "hold client -> server for 1 min, then release", l -> l.at("client WskSend", () -> {
            l.network.hold(SimNetwork.LOCALHOST, "server");
            l.executor.schedule(Duration.ofMinutes(1), () -> l.network.release(SimNetwork.LOCALHOST, "server"));
        }), "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("disconnect", "hold server -> client (FIN parked 5 s)", l -> l.at("client WskDisconnect", () -> {
            l.network.hold("server", SimNetwork.LOCALHOST);
            l.executor.schedule(Duration.ofSeconds(5), () -> l.network.release("server", SimNetwork.LOCALHOST));
        }), "client WskDisconnect", STATUS_SUCCESS, "server final WskReceive", STATUS_SUCCESS));
        all.add(c("disconnect", "onFin Hold: the client's FIN parked 5 s", l -> {
            l.network.onFin(SERVER).thenFault(Fault.hold());
            l.at("client WskDisconnect", () -> l.executor.schedule(Duration.ofSeconds(5), l.network::releaseParked));
        }, "client WskDisconnect", STATUS_SUCCESS, "server final WskReceive", STATUS_SUCCESS));
        all.add(c("disconnect", "onFin Delay(5 ms) twice: both FINs late", l -> l.network.onFin(SERVER).thenFault(
                Fault.delay(Duration.ofMillis(5)), Fault.delay(Duration.ofMillis(5))),
                "client WskDisconnect", STATUS_SUCCESS, "server final WskReceive", STATUS_SUCCESS));
        all.add(c("receive", "server host crashes (silent), never restarts", l -> l.at("server WskSend",
                () -> l.network.crash("server", false)), "client WskReceive", STATUS_CONNECTION_ABORTED));
        all.add(c("receive", "server host crashes (peers reset)", l -> l.at("server WskSend",
                () -> l.network.crash("server", true)), "client WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("receive", "server host crashes, restarts 1 s later", l -> l.at("client WskSend", () -> {
            l.network.crash("server", false);
            l.executor.schedule(Duration.ofSeconds(1), () -> l.network.restart("server"));
        }), "client WskSend", STATUS_SUCCESS, "client WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("receive", "server host paused 2 s", l -> l.at("client WskSend", () -> {
            l.network.pause("server");
            l.executor.schedule(Duration.ofSeconds(2), () -> l.network.resume("server"));
        }), "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("send", "server host paused 2 s as it sends: its own completions wait", l -> l.at("server WskSend", () -> {
            l.network.pause("server");
            l.executor.schedule(Duration.ofSeconds(2), () -> l.network.resume("server"));
        }), "server WskReceive", STATUS_SUCCESS, "server WskSend", STATUS_SUCCESS, "client WskReceive", STATUS_SUCCESS));
        all.add(c("connect", "server host crashed before the connect", l -> l.at("WskConnect",
                () -> l.network.crash("server", false)), "WskConnect", STATUS_IO_TIMEOUT));
        all.add(c("receive", "one-way partition client -> server (request held, times out)", l -> l.at("client WskSend",
                () -> l.network.partitionOneWay(SimNetwork.LOCALHOST, "server")),
                "client WskSend", STATUS_SUCCESS, "client WskReceive", STATUS_CONNECTION_ABORTED));
        all.add(c("receive", "one-way partition server -> client (reply held, times out)", l -> l.at("server WskSend",
                () -> l.network.partitionOneWay("server", SimNetwork.LOCALHOST)),
                "server WskReceive", STATUS_SUCCESS, "server WskSend", STATUS_SUCCESS));
        all.add(c("receive", "partition + SO_KEEPALIVE: keep-alive timeout", l -> {
            l.keepAlive = true;
            l.at("server WskSend", () -> l.network.partition(SimNetwork.LOCALHOST, "server"));
        }, "client WskReceive", STATUS_CONNECTION_ABORTED));
        all.add(c("receive", "peer resets (accepted socket closed abortively)", l -> l.peerResetAt = "client WskReceive",
                "client WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("receive", "IoCancelIrp on the receive", l -> l.cancelAfterIssue.add("client WskReceive"),
                "client WskReceive", STATUS_CANCELLED));
        // disconnect
        all.add(c("disconnect", "partition (FIN held)", l -> l.at("client WskDisconnect",
                () -> l.network.partition(SimNetwork.LOCALHOST, "server"))));
        all.add(c("disconnect", "peer resets during the disconnect", l -> l.peerResetAt = "client WskDisconnect"));
        all.add(c("disconnect", "IoCancelIrp on the disconnect", l -> l.cancelAfterIssue.add("client WskDisconnect")));
        all.add(c("disconnect", "abortive disconnect (WSK_FLAG_ABORTIVE)", l -> l.abortiveDisconnect = true,
                "client WskDisconnect", STATUS_SUCCESS, "server final WskReceive", STATUS_CONNECTION_RESET));
        // close
        all.add(c("close", "abortive close with the sent data still delayed on the link", l -> {
            l.network.onSend(SERVER).thenFault(new Fault.Delay(Duration.ofMillis(50)));
            l.closeAfterIssue = "client WskSend";
        }, "client WskSend", STATUS_SUCCESS, "server WskReceive", STATUS_CONNECTION_RESET));
        all.add(c("close", "close while the peer's reset is on its way", l -> l.peerResetAt = "close"));
        all.add(c("close", "close during a partition", l -> l.at("close", () -> l.network.partition(SimNetwork.LOCALHOST,
                "server"))));
        // name resolution (the client looks the server up by name first)
        all.add(c("resolve", "none (the simulated hosts answer)", l -> l.resolve = true,
                "WskGetAddressInfo", STATUS_SUCCESS, "WskConnect", STATUS_SUCCESS));
        all.add(c("resolve", "onResolve FailWith(STATUS_NOT_FOUND)", l -> {
            l.resolve = true;
            l.network.onResolve("server").thenFault(Fault.failWith(STATUS_NOT_FOUND));
        }, "WskGetAddressInfo", STATUS_NOT_FOUND));
        all.add(c("resolve", "onResolve BlackHole (DNS timeout)", l -> {
            l.resolve = true;
            l.network.onResolve("server").thenFault(Fault.blackHole());
        }, "WskGetAddressInfo", STATUS_IO_TIMEOUT));
        all.add(c("resolve", "onResolve Delay(2 s)", l -> {
            l.resolve = true;
            l.network.onResolve("server").thenFault(Fault.delay(Duration.ofSeconds(2)));
        }, "WskGetAddressInfo", STATUS_SUCCESS, "WskConnect", STATUS_SUCCESS));
        all.add(c("resolve", "onResolve Answer(10.0.0.9): a stale address", l -> {
            l.resolve = true;
            l.network.onResolve("server").thenFault(Fault.answer("10.0.0.9"));
        }, "WskGetAddressInfo", STATUS_SUCCESS, "WskConnect", STATUS_HOST_UNREACHABLE));
        all.add(c("resolve", "IoCancelIrp on the lookup", l -> {
            l.resolve = true;
            l.cancelAfterIssue.add("WskGetAddressInfo");
        }, "WskGetAddressInfo", STATUS_CANCELLED));
        // datagrams
        all.add(c("datagram", "onDatagram Accept", l -> {
            l.datagram = true;
            l.network.onDatagram(SERVER_UDP).thenFault(Fault.accept());
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_SUCCESS));
        all.add(c("datagram", "onDatagram DropDatagram", l -> {
            l.datagram = true;
            l.network.onDatagram(SERVER_UDP).thenFault(new Fault.DropDatagram());
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_CANCELLED));
        all.add(c("datagram", "onDatagram Delay(5 ms)", l -> {
            l.datagram = true;
            l.network.onDatagram(SERVER_UDP).thenFault(new Fault.Delay(Duration.ofMillis(5)));
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_SUCCESS));
        all.add(c("datagram", "onDatagram FailWith(STATUS_HOST_UNREACHABLE)", l -> {
            l.datagram = true;
            l.network.onDatagram(SERVER_UDP).thenFault(new Fault.FailWith(STATUS_HOST_UNREACHABLE));
        }, "WskSendTo", STATUS_HOST_UNREACHABLE, "WskReceiveFrom", STATUS_CANCELLED));
        all.add(c("datagram", "link loss 100 %", l -> {
            l.datagram = true;
            l.network.setLink(SimNetwork.LOCALHOST, "server", LinkProfile.NORMAL.withLoss(1));
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_CANCELLED));
        all.add(c("datagram", "link duplication 100 %, reordering 50 %", l -> {
            l.datagram = true;
            l.network.setLink(SimNetwork.LOCALHOST, "server",
                    LinkProfile.NORMAL.withDuplicate(1).withReorder(0.5, Duration.ofMillis(1)));
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_SUCCESS));
        all.add(c("datagram", "hold client -> server, released after 1 s", l -> {
            l.datagram = true;
            l.network.hold(SimNetwork.LOCALHOST, "server");
            l.executor.schedule(Duration.ofSeconds(1), () -> l.network.release(SimNetwork.LOCALHOST, "server"));
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_SUCCESS));
        all.add(c("datagram", "partition", l -> {
            l.datagram = true;
            l.network.partition(SimNetwork.LOCALHOST, "server");
        }, "WskSendTo", STATUS_SUCCESS, "WskReceiveFrom", STATUS_CANCELLED));
        return all.stream();
    }

    /** One run of a connection's life on a fresh simulated network. */
    static final class Life {
        final long seed;
        final SimNetwork network;
        final ManualCompletionExecutor executor;
        final Map<String, Runnable> actions = new LinkedHashMap<>();
        final List<String> cancelAfterIssue = new ArrayList<>();
        final Map<String, NtStatus> statuses = new LinkedHashMap<>();
        final List<Op> ops = new ArrayList<>();
        String closeAfterIssue;
        String peerResetAt;
        boolean datagram;
        boolean bindPortTaken;
        boolean keepAlive;
        boolean abortiveDisconnect;
        /** Whether the client finds the server by name (WskGetAddressInfo "server") before connecting. */
        boolean resolve;
        /** Open sockets by role (socket ids are global, roles repeat from run to run). */
        final Map<WskSocket, String> open = new LinkedHashMap<>();

        Life(long seed) {
            this.seed = seed;
            network = SimNetwork.create(seed);
            network.addHost("server", "10.0.0.2");
            executor = network.executor();
        }

        void at(String step, Runnable action) {
            actions.merge(step, action, (a, b) -> () -> {
                a.run();
                b.run();
            });
        }

        /** An IRP of the life: counts its runs, records the status under its step, frees the IRP. */
        final class Op {
            final String step;
            final Irp irp;
            final AtomicInteger runs = new AtomicInteger();
            volatile Object information;
            volatile long bytes;

            Op(String step) {
                this.step = step;
                Runnable action = actions.remove(step);
                if (action != null) {
                    action.run();
                }
                irp = Io.allocateIrp(1, false);
                if (irp == null) {
                    statuses.put(step, STATUS_INSUFFICIENT_RESOURCES); // the driver's own branch: no IRP, no call
                    network.ioManager().setIrpAllocationPolicy(IrpAllocationPolicy.never());
                    return;
                }
                ops.add(this);
                Io.setCompletionRoutine(irp, (device, completed, context) -> {
                    runs.incrementAndGet();
                    statuses.put(step, completed.ioStatus().status());
                    information = completed.ioStatus().informationObject();
                    bytes = completed.ioStatus().information();
                    Io.freeIrp(completed);
                    return STATUS_MORE_PROCESSING_REQUIRED;
                }, null, true, true, true);
            }

            boolean ok() {
                return statuses.get(step) == STATUS_SUCCESS;
            }

            boolean done() {
                return runs.get() > 0;
            }
        }

        private Op issued(Op op, WskSocket socket) {
            if (op.irp != null && cancelAfterIssue.contains(op.step) && !op.done()) {
                Io.cancelIrp(op.irp);
            }
            if (op.step.equals(closeAfterIssue) && socket != null) {
                close(socket, "close while " + op.step + " pending:");
            }
            return op;
        }

        WskSocket socket(WskProviderNpi npi, String step, int type, int protocol, int category) {
            Op op = new Op(step);
            if (op.irp == null) {
                return null;
            }
            npi.dispatch().wskSocket(npi.client(), AF_INET, type, protocol, category, null, null, null, null, null, op.irp);
            executor.runPending();
            if (op.ok()) {
                WskSocket socket = (WskSocket) op.information;
                open.put(socket, step.replace(" WskSocket", "").replace("WskSocket", "socket"));
                return socket;
            }
            return null;
        }

        void close(WskSocket socket, String step) {
            String role = open.remove(socket);
            if (role == null) {
                return;
            }
            Op op = new Op(step + " " + role);
            socket.dispatch().wskCloseSocket(socket, op.irp);
        }

        static WskBuf buf(int size) {
            return new WskBuf(Io.allocateMdl(ByteBuffer.allocate(size)), 0, size);
        }

        /** The life; returns the statuses by step. */
        Map<String, NtStatus> run(Case c) {
            try (IoManager.Binding ignored = network.ioManager().bindToCurrentThread()) {
                WskSubsystem clientWsk = network.newSubsystem();
                WskSubsystem serverWsk = network.newSubsystem("server");
                WskRegistration clientReg = new WskRegistration();
                WskRegistration serverReg = new WskRegistration();
                WskProviderNpi client = register(clientWsk, clientReg);
                WskProviderNpi server = register(serverWsk, serverReg);
                c.inject().accept(this);
                if (datagram) {
                    datagramLife(client, server);
                } else {
                    streamLife(client, server);
                }
                if (actions.containsKey("close")) {
                    actions.remove("close").run();
                }
                for (WskSocket socket : new ArrayList<>(open.keySet())) {
                    close(socket, "close");
                }
                executor.runUntilIdle();
                for (Op op : ops) {
                    assertEquals(1, op.runs.get(), () -> op.step + ": the completion routine must run exactly once");
                }
                clientWsk.wskReleaseProviderNpi(clientReg);
                serverWsk.wskReleaseProviderNpi(serverReg);
                assertEquals(0, clientReg.openSocketCount(), "client sockets left open");
                assertEquals(0, serverReg.openSocketCount(), "server sockets left open");
                clientWsk.wskDeregister(clientReg);
                serverWsk.wskDeregister(serverReg);
                clientWsk.close();
                serverWsk.close();
                assertEquals(0, network.ioManager().liveIrpCount(), () -> "IRPs leaked: " + network.ioManager().liveIrps());
                assertTrue(network.ioManager().verifier().violations().isEmpty(),
                        () -> "verifier violations: " + network.ioManager().verifier().violations());
                assertTrue(network.ioManager().routineFailures().isEmpty(),
                        () -> "routine failures: " + network.ioManager().routineFailures());
                assertTrue(network.unusedFaults().isEmpty(), () -> "faults never used: " + network.unusedFaults());
                return statuses;
            }
        }

        private static WskProviderNpi register(WskSubsystem wsk, WskRegistration registration) {
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(
                    MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            WskProviderNpi npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
            return npi;
        }

        /** WskGetAddressInfo("server", "80", AF_INET): the first address, or null when the lookup failed. */
        private SockAddr resolveServer(WskProviderNpi client) {
            Op lookup = new Op("WskGetAddressInfo");
            if (lookup.irp == null) {
                return null;
            }
            Ref<AddrInfoExW> result = new Ref<>();
            client.dispatch().wskGetAddressInfo(client.client(), "server", "80", NS_ALL, null,
                    new AddrInfoExW(0, AF_INET, SOCK_STREAM, IPPROTO_TCP, null, null, null), result, null, null,
                    lookup.irp);
            issued(lookup, null);
            executor.runUntilIdle();
            if (!lookup.ok()) {
                assertNull(result.get(), "no list on failure");
                return null;
            }
            SockAddr address = result.get().addr();
            client.dispatch().wskFreeAddressInfo(client.client(), result.get());
            return address;
        }

        private void streamLife(WskProviderNpi client, WskProviderNpi server) {
            WskSocket listener = socket(server, "listener WskSocket", SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET);
            Op accept = null;
            if (listener != null) {
                WskProviderListenDispatch listen = (WskProviderListenDispatch) listener.dispatch();
                Op bind = new Op("listener WskBind");
                listen.wskBind(listener, SockAddr.of(SERVER), 0, bind.irp);
                executor.runPending();
                accept = issued(new Op("WskAccept"), listener);
                listen.wskAccept(listener, 0, null, null, null, null, accept.irp);
                issued(accept, listener);
            }
            WskSocket blocker = null;
            if (bindPortTaken) {
                blocker = socket(client, "blocker WskSocket", SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET);
                Op bind = new Op("blocker WskBind");
                ((WskProviderConnectionDispatch) blocker.dispatch()).wskBind(blocker, SockAddrIn.any(40000), 0, bind.irp);
                executor.runPending();
            }
            SockAddr target = SockAddr.of(SERVER);
            if (resolve) {
                target = resolveServer(client);
                if (target == null) {
                    return;
                }
            }
            WskSocket socket = socket(client, "client WskSocket", SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET);
            if (socket == null) {
                return;
            }
            WskProviderConnectionDispatch conn = (WskProviderConnectionDispatch) socket.dispatch();
            Op bind = new Op("WskBind");
            conn.wskBind(socket, bindPortTaken ? SockAddrIn.any(40000) : SockAddrIn.any(0), 0, bind.irp);
            executor.runPending();
            if (!bind.ok()) {
                return;
            }
            if (keepAlive) {
                Op option = new Op("SO_KEEPALIVE");
                conn.wskControlSocket(socket, WskControlSocketType.WskSetOption, SO_KEEPALIVE, SOL_SOCKET, 4, 1, 0, null,
                        null, option.irp);
                executor.runPending();
            }
            Op connect = new Op("WskConnect");
            conn.wskConnect(socket, target, 0, connect.irp);
            issued(connect, socket);
            executor.runUntilIdle();
            WskSocket accepted = accept != null && accept.ok() ? (WskSocket) accept.information : null;
            if (accepted != null) {
                open.put(accepted, "accepted");
            }
            if (!connect.ok() || !open.containsKey(socket)) {
                return;
            }
            // request: client -> server
            Op send = new Op("client WskSend");
            conn.wskSend(socket, buf(REQUEST), 0, send.irp);
            issued(send, socket);
            Op serverReceive = null;
            WskProviderConnectionDispatch acc = accepted == null ? null
                    : (WskProviderConnectionDispatch) accepted.dispatch();
            if (acc != null) {
                serverReceive = new Op("server WskReceive");
                acc.wskReceive(accepted, buf(REQUEST), WSK_FLAG_WAITALL, serverReceive.irp);
            }
            executor.runUntilIdle();
            if (!open.containsKey(socket)) {
                return;
            }
            // reply: server -> client
            if (acc != null && serverReceive.ok()) {
                Op reply = new Op("server WskSend");
                acc.wskSend(accepted, buf(REPLY), 0, reply.irp);
            }
            Op receive = new Op("client WskReceive");
            conn.wskReceive(socket, buf(REPLY), WSK_FLAG_WAITALL, receive.irp);
            issued(receive, socket);
            if ("client WskReceive".equals(peerResetAt) && accepted != null) {
                close(accepted, "server close (abortive)");
            }
            if (keepAlive) {
                executor.advanceTimeBy(Duration.ofHours(2).plusSeconds(11));
            }
            executor.runUntilIdle();
            if (!open.containsKey(socket)) {
                return;
            }
            // disconnect both ways
            Op disconnect = new Op("client WskDisconnect");
            conn.wskDisconnect(socket, null, abortiveDisconnect ? WSK_FLAG_ABORTIVE : 0, disconnect.irp);
            issued(disconnect, socket);
            if ("client WskDisconnect".equals(peerResetAt) && accepted != null) {
                close(accepted, "server close (abortive)");
            }
            if (acc != null && open.containsKey(accepted)) {
                Op last = new Op("server final WskReceive");
                acc.wskReceive(accepted, buf(16), 0, last.irp);
                executor.runUntilIdle();
                if (last.ok() && open.containsKey(accepted)) {
                    Op serverDisconnect = new Op("server WskDisconnect");
                    acc.wskDisconnect(accepted, null, 0, serverDisconnect.irp);
                }
            }
            executor.runUntilIdle();
            if ("close".equals(peerResetAt) && accepted != null) {
                close(accepted, "server close (abortive)");
            }
            if (blocker != null) {
                close(blocker, "blocker close");
            }
        }

        private void datagramLife(WskProviderNpi client, WskProviderNpi server) {
            WskSocket receiver = socket(server, "server datagram WskSocket", SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET);
            WskSocket sender = socket(client, "datagram WskSocket", SOCK_DGRAM, IPPROTO_UDP, WSK_FLAG_DATAGRAM_SOCKET);
            if (receiver == null || sender == null) {
                return;
            }
            WskProviderDatagramDispatch rx = (WskProviderDatagramDispatch) receiver.dispatch();
            WskProviderDatagramDispatch tx = (WskProviderDatagramDispatch) sender.dispatch();
            Op rbind = new Op("server datagram WskBind");
            rx.wskBind(receiver, SockAddr.of(SERVER_UDP), 0, rbind.irp);
            Op sbind = new Op("datagram WskBind");
            tx.wskBind(sender, SockAddrIn.any(0), 0, sbind.irp);
            executor.runPending();
            Op receive = new Op("WskReceiveFrom");
            rx.wskReceiveFrom(receiver, buf(64), 0, new SockAddrStorage(), new Ref<>(0), null, new Ref<>(), receive.irp);
            Op send = new Op("WskSendTo");
            tx.wskSendTo(sender, buf(32), 0, SockAddr.of(SERVER_UDP), 0, null, send.irp);
            executor.runUntilIdle();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void faultAtStage(Case c) {
        long seed = Reliability.seed(0xFA17_2026L) ^ c.toString().hashCode();
        String replay = "; seed " + Reliability.hex(seed) + " (rerun with -Dwsk4j.seed=" + Reliability.hex(
                Reliability.seed(0xFA17_2026L)) + " -Dtest='SimFaultSweepTest')";
        Map<String, NtStatus> first;
        List<String> firstLog;
        Life life = new Life(seed);
        try {
            first = new LinkedHashMap<>(life.run(c));
            firstLog = life.network.eventLog();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(c + ": " + e.getMessage() + "; statuses " + life.statuses + replay, e);
        }
        if (Boolean.getBoolean("wsk4j.faults.log")) {
            firstLog.forEach(System.out::println);
        }
        for (Map.Entry<String, NtStatus> step : first.entrySet()) {
            assertTrue(DOCUMENTED.contains(step.getValue()), c + ": " + step + " is not a documented outcome" + replay);
        }
        for (Map.Entry<String, NtStatus> expected : c.expect().entrySet()) {
            assertEquals(expected.getValue(), first.get(expected.getKey()), c + ": step " + expected.getKey()
                    + "; all statuses " + first + replay);
        }
        Life again = new Life(seed);
        Map<String, NtStatus> second = again.run(c);
        assertEquals(first, second, c + ": the same seed must give the same statuses" + replay);
        assertEquals(firstLog, again.network.eventLog(), c + ": the same seed must give the same event log" + replay);
        StringBuilder summary = new StringBuilder();
        first.forEach((step, status) -> {
            if (!step.startsWith("close") && !step.contains("WskSocket") && !step.contains("WskBind")
                    && !step.startsWith("SO_")) {
                summary.append(summary.length() == 0 ? "" : ", ").append(step).append(' ')
                        .append(status.name().replace("STATUS_", ""));
            }
        });
        if (first.entrySet().stream().anyMatch(e -> e.getKey().contains("WskSocket") && e.getValue() != STATUS_SUCCESS)
                || first.entrySet().stream().anyMatch(e -> e.getKey().contains("WskBind") && e.getValue() != STATUS_SUCCESS)) {
            first.forEach((step, status) -> {
                if ((step.contains("WskSocket") || step.contains("WskBind")) && status != STATUS_SUCCESS) {
                    summary.insert(0, step + " " + status.name().replace("STATUS_", "") + (summary.length() > 0 ? ", " : ""));
                }
            });
        }
        synchronized (RESULTS) {
            RESULTS.put(String.format("%s|%s", c.stage(), c.fault()), summary + " | " + first.size() + " IRPs");
        }
    }

    @AfterAll
    static void report() {
        Reliability.Section section = new Reliability.Section("faults", "Faults: every fault at every stage (simulated"
                + " network)");
        section.figure("cases", RESULTS.size());
        section.line(String.format("%d cases (fault x stage), each run twice from its seed with identical event logs and"
                + " statuses. Per case: every step ended in a documented NTSTATUS (and the one the docs promise for the"
                + " fault where they promise one), every completion routine ran exactly once, every queued fault was"
                + " used, and after WskDeregister: 0 IRPs, 0 sockets, 0 captures left, no verifier violation, no routine"
                + " failure. **Result: %d of %d passed** (a case missing from the table failed).", RESULTS.size(),
                RESULTS.size(), cases().count()));
        section.line("");
        section.line("| stage | fault injected | what the driver saw (other steps: success) | IRPs |");
        section.line("| --- | --- | --- | ---: |");
        cases().forEach(c -> {
            String result = RESULTS.get(c.stage() + "|" + c.fault());
            section.line("| " + c.stage() + " | " + c.fault() + " | " + (result == null ? "FAILED | -" : result) + " |");
        });
        section.write();
    }
}
