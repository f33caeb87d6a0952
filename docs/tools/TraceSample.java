import static org.wsk4j.Wsk.*;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.LinkProfile;
import org.wsk4j.sim.Latency;
import org.wsk4j.sim.PacketCapture;
import org.wsk4j.sim.SimNetwork;

/**
 * Writes the sample traces the docs show (docs/tools/screenshots.sh runs it): a WSK client connects to a WSK
 * listener, sends a request, gets the echo, and both sides disconnect gracefully and close.
 * <ul>
 * <li>{@code TraceSample DIR}: on the simulated network, host "localhost" to host "server" (10.0.0.2:80) over a
 *     link with jitter, in virtual time from seed 19 (the same files on every run): the packet capture goes to
 *     DIR/sample.pcap and the IRP timeline to DIR/sample.trace.json.</li>
 * <li>{@code TraceSample DIR nio}: the same exchange on real loopback sockets (NIO transport, a manual executor
 *     driven by this thread, the real clock, so completion routines have durations): DIR/sample-nio.trace.json.</li>
 * </ul>
 */
public final class TraceSample {

    private static ManualCompletionExecutor executor;
    private static boolean simulated;

    /** Issues one WSK call with a fresh IRP, runs the network until it completes, and returns the IRP's result. */
    private static Object call(String what, Function<Irp, NtStatus> issue) {
        Irp irp = Io.allocateIrp(1, false);
        Object[] result = new Object[2];
        Io.setCompletionRoutine(irp, (device, completed, context) -> {
            result[0] = completed.ioStatus().status();
            result[1] = completed.ioStatus().informationObject() != null ? completed.ioStatus().informationObject()
                    : completed.ioStatus().information();
            Io.freeIrp(completed);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        issue.apply(irp);
        if (simulated) {
            for (int i = 0; i < 10_000 && result[0] == null; i++) {
                executor.advanceTimeBy(Duration.ofMillis(1));
            }
        } else {
            executor.runUntil(() -> result[0] != null, Duration.ofSeconds(10));
        }
        if (result[0] != NtStatus.STATUS_SUCCESS) {
            throw new IllegalStateException(what + " completed with " + result[0]);
        }
        return result[1];
    }

    private static WskBuf buf(byte[] data) {
        return new WskBuf(Io.allocateMdl(ByteBuffer.wrap(data), 0, data.length), 0, data.length);
    }

    private static WskProviderNpi register(WskSubsystem wsk, WskRegistration registration) {
        wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration);
        WskProviderNpi npi = new WskProviderNpi();
        wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi);
        return npi;
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : ".");
        simulated = args.length < 2 || !args[1].equals("nio");
        SimNetwork network = SimNetwork.create(19).addHost("server", "10.0.0.2");
        LinkProfile jitter = LinkProfile.NORMAL.withLatency(Latency.uniform(Duration.ofMillis(2), Duration.ofMillis(6)));
        network.setLink(SimNetwork.LOCALHOST, "server", jitter).setLink("server", SimNetwork.LOCALHOST, jitter);
        WskSubsystem nio = simulated ? null : WskSubsystem.builder().manualExecutor().build();
        executor = simulated ? network.executor() : nio.manualExecutor();
        IoManager ioManager = simulated ? network.ioManager() : nio.ioManager();
        IoManager.Binding binding = ioManager.bindToCurrentThread();
        try (WskSubsystem client = simulated ? network.newSubsystem() : nio;
             WskSubsystem server = simulated ? network.newSubsystem("server") : nio) {
            WskRegistration clientRegistration = new WskRegistration();
            WskRegistration serverRegistration = new WskRegistration();
            WskProviderNpi c = register(client, clientRegistration);
            WskProviderNpi s = register(server, serverRegistration);
            PacketCapture capture = simulated ? network.startCapture() : null;
            var timeline = ioManager.startTimeline(simulated ? executor::nanoTime : System::nanoTime);

            WskSocket listener = (WskSocket) call("listener", irp -> s.dispatch().wskSocket(s.client(), AF_INET,
                    SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, null, null, null, null, null, irp));
            WskProviderListenDispatch l = (WskProviderListenDispatch) listener.dispatch();
            call("WskBind(listener)", irp -> l.wskBind(listener, simulated ? SockAddrIn.any(80) : SockAddrIn.loopback(0),
                    0, irp));
            SockAddrIn bound = new SockAddrIn();
            call("WskGetLocalAddress", irp -> l.wskGetLocalAddress(listener, bound, irp));
            SockAddrIn serverAddress = simulated ? new SockAddrIn(
                    (java.net.Inet4Address) java.net.InetAddress.getByName("10.0.0.2"), 80) : bound;
            WskSocket socket = (WskSocket) call("WskSocketConnect", irp -> c.dispatch().wskSocketConnect(c.client(),
                    SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0), serverAddress, 0, null, null, null, null, null, irp));
            WskSocket accepted = (WskSocket) call("WskAccept", irp -> l.wskAccept(listener, 0, null, null, null,
                    null, irp));
            WskProviderConnectionDispatch cc = (WskProviderConnectionDispatch) socket.dispatch();
            WskProviderConnectionDispatch sc = (WskProviderConnectionDispatch) accepted.dispatch();
            byte[] request = "GET /hello HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            call("WskSend", irp -> cc.wskSend(socket, buf(request), 0, irp));
            byte[] echo = new byte[request.length];
            call("server WskReceive", irp -> sc.wskReceive(accepted, buf(echo), WSK_FLAG_WAITALL, irp));
            call("server WskSend", irp -> sc.wskSend(accepted, buf(echo), 0, irp));
            byte[] reply = new byte[request.length];
            call("WskReceive", irp -> cc.wskReceive(socket, buf(reply), WSK_FLAG_WAITALL, irp));
            call("WskDisconnect", irp -> cc.wskDisconnect(socket, null, 0, irp));
            call("server WskDisconnect", irp -> sc.wskDisconnect(accepted, null, 0, irp));
            call("WskReceive (end of stream)", irp -> cc.wskReceive(socket, buf(new byte[1]), 0, irp));
            call("WskCloseSocket", irp -> cc.wskCloseSocket(socket, irp));
            call("server WskCloseSocket", irp -> sc.wskCloseSocket(accepted, irp));
            call("listener WskCloseSocket", irp -> l.wskCloseSocket(listener, irp));
            if (simulated) {
                executor.advanceTimeBy(Duration.ofSeconds(1));
                network.stopCapture().writePcap(out.resolve("sample.pcap"));
                System.out.println(capture.packets().size() + " packets");
            }
            ioManager.stopTimeline().writeJson(out.resolve(simulated ? "sample.trace.json" : "sample-nio.trace.json"));
            System.out.println(timeline.eventCount() + " IRP events");
            client.wskReleaseProviderNpi(clientRegistration);
            client.wskDeregister(clientRegistration);
            server.wskReleaseProviderNpi(serverRegistration);
            server.wskDeregister(serverRegistration);
        } finally {
            binding.close();
        }
    }
}
