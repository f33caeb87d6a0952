package org.wsk4j.sim;

import org.wsk4j.Completion;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * Test support: a simulated network with host "localhost" (the client) and host "server" (10.0.0.2,
 * fd00::2), one registered WSK client per host, and helpers that drive everything in virtual time.
 */
abstract class SimTestBase {

    static final String SERVER_V4 = "10.0.0.2";
    static final String SERVER_V6 = "fd00::2";

    /** A registered WSK client with a captured provider NPI on one host. */
    static final class Client {
        final WskSubsystem wsk;
        final WskRegistration registration = new WskRegistration();
        final WskProviderNpi npi = new WskProviderNpi();

        Client(SimNetwork network, String host) {
            wsk = network.newSubsystem(host);
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                    new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        }

        void stop() {
            try {
                wsk.wskReleaseProviderNpi(registration);
                assertEquals(0, registration.openSocketCount(), "sockets left open by the test");
                wsk.wskDeregister(registration);
            } finally {
                wsk.close();
            }
        }
    }

    SimNetwork network;
    ManualCompletionExecutor executor;
    IoManager.Binding binding;
    Client client;
    Client server;
    WskProviderNpi npi;
    private final List<Client> clients = new ArrayList<>();

    long seed() {
        return 42;
    }

    @BeforeEach
    void startNetwork() {
        startNetwork(SimNetwork.Config.defaults());
    }

    /** Stops the network the test started with and starts another with {@code config} (call before any I/O). */
    void restartNetwork(SimNetwork.Config config) {
        stopNetwork();
        clients.clear();
        startNetwork(config);
    }

    private void startNetwork(SimNetwork.Config config) {
        network = SimNetwork.create(seed(), config);
        network.addHost("server", SERVER_V4, SERVER_V6);
        executor = network.executor();
        binding = network.ioManager().bindToCurrentThread();
        client = client(SimNetwork.LOCALHOST);
        server = client("server");
        npi = client.npi;
    }

    Client client(String host) {
        Client c = new Client(network, host);
        clients.add(c);
        return c;
    }

    @AfterEach
    void stopNetwork() {
        try {
            executor.runPending();
            for (Client c : clients) {
                c.stop();
            }
            executor.runPending();
            assertEquals(0, network.ioManager().liveIrpCount(), "IRPs leaked: " + network.ioManager().liveIrps());
            assertTrue(network.ioManager().verifier().violations().isEmpty(),
                    () -> "verifier violations: " + network.ioManager().verifier().violations());
            assertTrue(network.ioManager().routineFailures().isEmpty(),
                    () -> "routine failures: " + network.ioManager().routineFailures());
        } finally {
            binding.close();
        }
    }

    static SockAddr addr(String literal, int port) {
        return SockAddr.of(new InetSocketAddress(SimNetwork.literal(literal), port));
    }

    static SockAddr any(int family) {
        return family == AF_INET6 ? SockAddrIn6.any(0) : SockAddrIn.any(0);
    }

    static WskProviderConnectionDispatch connection(WskSocket socket) {
        return (WskProviderConnectionDispatch) socket.dispatch();
    }

    static WskSocket socket(Client owner, int family, int type, int protocol, int flags, ManualCompletionExecutor executor) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, owner.npi.dispatch().wskSocket(owner.npi.client(), family, type, protocol, flags,
                null, null, null, null, null, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        return c.socket();
    }

    WskSocket connectionSocket(int family) {
        return socket(client, family, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET, executor);
    }

    NtStatus bind(WskSocket socket, SockAddr address) {
        Completion c = new Completion();
        if (socket.dispatch() instanceof WskProviderConnectionDispatch) {
            connection(socket).wskBind(socket, address, 0, c.irp);
        } else if (socket.dispatch() instanceof WskProviderListenDispatch) {
            ((WskProviderListenDispatch) socket.dispatch()).wskBind(socket, address, 0, c.irp);
        } else {
            ((WskProviderDatagramDispatch) socket.dispatch()).wskBind(socket, address, 0, c.irp);
        }
        executor.runPending();
        assertEquals(1, c.runs.get());
        return c.status;
    }

    /** A listening socket on host "server". */
    WskSocket listen(String literal, int port) {
        int family = literal.indexOf(':') >= 0 ? AF_INET6 : AF_INET;
        WskSocket listener = socket(server, family, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_LISTEN_SOCKET, executor);
        assertEquals(STATUS_SUCCESS, bind(listener, addr(literal, port)));
        return listener;
    }

    /** Starts a WskAccept on a listening socket. */
    static Completion accept(WskSocket listener) {
        Completion c = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null, c.irp);
        return c;
    }

    void close(WskSocket socket) {
        Completion c = new Completion();
        assertEquals(STATUS_PENDING, socket.dispatch().wskCloseSocket(socket, c.irp));
        executor.runPending();
        assertEquals(STATUS_SUCCESS, c.status);
        assertEquals(1, c.runs.get());
    }

    /** Drives the network until it is idle (virtual time jumps to each timer), then checks the completion ran. */
    void await(Completion c) {
        executor.runUntilIdle();
        assertTrue(c.done(), "the completion never ran");
    }
}
