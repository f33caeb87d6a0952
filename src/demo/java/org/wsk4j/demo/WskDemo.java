package org.wsk4j.demo;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.NtStatus;

/**
 * The README's run command: the canonical WSK connect flow on real sockets.
 *
 * <p>With no arguments it starts an embedded loopback server and shows register, capture, the three-call
 * connect (WskSocket, WskBind, WskConnect), WskSocketConnect, close and deregister, printing each IRP's
 * status as it completes. With {@code host:port} it probes that endpoint and prints the NTSTATUS a driver
 * would see (a tiny tcping for driver authors). This class is a program, not library API.
 */
public final class WskDemo {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private WskDemo() {
    }

    /**
     * Runs the demo.
     *
     * @param args nothing, or {@code host:port} to probe
     * @throws Exception on a demo failure
     */
    @SuppressWarnings("try") // the binding is held for the block's duration, never referenced in it
    public static void main(String[] args) throws Exception {
        // The binding makes this thread's IoAllocateIrp count against the subsystem's I/O manager, so the
        // deregistration summary and leak checks see the demo's IRPs (unbound threads use the global manager).
        try (WskSubsystem wsk = WskSubsystem.builder().name("demo").build();
             IoManager.Binding bound = wsk.bindToCurrentThread()) {
            if (args.length == 0) {
                try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    Thread acceptor = new Thread(() -> serve(server), "demo-server");
                    acceptor.setDaemon(true);
                    acceptor.start();
                    System.out.println("embedded server listening on 127.0.0.1:" + server.getLocalPort());
                    run(wsk, SockAddrIn.loopback(server.getLocalPort()), true);
                }
            } else {
                run(wsk, parse(args[0]), false);
            }
        }
    }

    private static void serve(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket accepted = server.accept()) {
                accepted.getInputStream().read();
            } catch (IOException e) {
                // the client's abortive close, or the server closing
            }
        }
    }

    private static SockAddr parse(String target) throws IOException {
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got " + target);
        }
        String host = target.substring(0, colon).replace("[", "").replace("]", "");
        return SockAddr.of(new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(target.substring(colon + 1))));
    }

    private static void run(WskSubsystem wsk, SockAddr remote, boolean full) {
        WskRegistration registration = new WskRegistration();
        print("WskRegister", wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                registration));
        WskProviderNpi npi = new WskProviderNpi();
        print("WskCaptureProviderNPI", wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi));
        SockAddr wildcard = remote.family() == AF_INET6 ? SockAddrIn6.any(0) : SockAddrIn.any(0);
        if (full) {
            Call socket = new Call("WskSocket");
            socket.returned(npi.dispatch().wskSocket(npi.client(), remote.family(), SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, socket.irp));
            WskSocket s = (WskSocket) socket.await().informationObject();
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) s.dispatch();
            Call bind = new Call("WskBind");
            bind.returned(dispatch.wskBind(s, wildcard, 0, bind.irp));
            bind.await();
            Call connect = new Call("WskConnect");
            connect.returned(dispatch.wskConnect(s, remote, 0, connect.irp));
            connect.await();
            close(s);
        }
        Call socketConnect = new Call("WskSocketConnect " + remote);
        socketConnect.returned(npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, wildcard, remote, 0,
                null, null, null, null, null, socketConnect.irp));
        WskSocket connected = (WskSocket) socketConnect.await().informationObject();
        if (connected != null) {
            close(connected);
        }
        wsk.wskReleaseProviderNpi(registration);
        wsk.wskDeregister(registration);
        System.out.println("WskDeregister returned");
    }

    private static void close(WskSocket socket) {
        Call close = new Call("WskCloseSocket");
        close.returned(socket.dispatch().wskCloseSocket(socket, close.irp));
        close.await();
    }

    private static void print(String what, NtStatus status) {
        System.out.printf("%-34s -> %s%n", what, status);
    }

    /** One WSK call: an IRP whose completion routine signals an event, as a driver's synchronous wrapper does. */
    private static final class Call {
        final String name;
        final Irp irp = Io.allocateIrp(1, false);
        final KEvent event = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

        Call(String name) {
            this.name = name;
            Io.setCompletionRoutine(irp, (device, completed, context) -> {
                ((KEvent) context).set();
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, event, true, true, true);
        }

        void returned(NtStatus status) {
            print(name + " returned", status);
        }

        /**
         * Waits for the completion, reads the IRP's IoStatus and only then frees the IRP: a freed IRP must not be
         * read (the verifier reports IRP_USED_AFTER_FREE), so the results are copied out first.
         */
        Result await() {
            if (event.waitFor(WAIT) != STATUS_SUCCESS) {
                throw new IllegalStateException(name + " did not complete within " + WAIT);
            }
            Result result = new Result(irp.ioStatus().status(), irp.ioStatus().informationObject());
            print(name + " completed", result.status());
            Io.freeIrp(irp);
            return result;
        }
    }

    /** What a driver copies out of {@code Irp->IoStatus} before it frees the IRP. */
    private record Result(NtStatus status, Object informationObject) {
    }
}
