package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.wsk4j.Completion;
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
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * Test support for classes run with {@code @WskTest} on the simulated network: adds host "server" (10.0.0.2, fd00::2)
 * with a registered WSK client of its own next to the extension's client on host "localhost", and helpers that drive
 * everything in virtual time. Built in a {@code @BeforeEach} from the injected objects; {@link #stop()} in an
 * {@code @AfterEach} deregisters the clients it made (the extension checks and deregisters its own afterwards).
 */
final class SimHosts {

    static final String SERVER_V4 = "10.0.0.2";
    static final String SERVER_V6 = "fd00::2";

    /** A registered WSK client with a captured provider NPI on one host. */
    static final class Client {
        final WskSubsystem wsk;
        final WskRegistration registration;
        final WskProviderNpi npi;

        /** Registers a new client on {@code host}; {@link #stop()} deregisters it. */
        Client(SimNetwork network, String host) {
            wsk = network.newSubsystem(host);
            registration = new WskRegistration();
            npi = new WskProviderNpi();
            assertEquals(STATUS_SUCCESS, wsk.wskRegister(new WskClientNpi(null,
                    new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)), registration));
            assertEquals(STATUS_SUCCESS, wsk.wskCaptureProviderNpi(registration, WSK_NO_WAIT, npi));
        }

        /** The extension's client (its subsystem, registration and NPI): the extension stops it. */
        Client(WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi) {
            this.wsk = wsk;
            this.registration = registration;
            this.npi = npi;
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

    final SimNetwork network;
    final ManualCompletionExecutor executor;
    /** The client on host "localhost": the extension's. */
    final Client client;
    /** The client on host "server". */
    final Client server;
    private final List<Client> clients = new ArrayList<>();

    /** Around the extension's client on host "localhost" (its subsystem, registration and NPI). */
    SimHosts(SimNetwork network, WskSubsystem wsk, WskRegistration registration, WskProviderNpi npi) {
        this(network, new Client(wsk, registration, npi));
    }

    /** Around {@code client}, a client on host "localhost" that the caller stops. */
    SimHosts(SimNetwork network, Client client) {
        this.network = network;
        this.executor = network.executor();
        network.addHost("server", SERVER_V4, SERVER_V6);
        this.client = client;
        server = client("server");
    }

    /** A new registered client on {@code host}, deregistered by {@link #stop()}. */
    Client client(String host) {
        Client c = new Client(network, host);
        clients.add(c);
        return c;
    }

    /** Runs what is queued and deregisters the clients made here (not the extension's), checking none has a socket open. */
    void stop() {
        executor.runPending();
        for (Client c : clients) {
            c.stop();
        }
        executor.runPending();
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

    /** Starts a WskAccept on a listening socket. */
    static Completion accept(WskSocket listener) {
        Completion c = new Completion();
        ((WskProviderListenDispatch) listener.dispatch()).wskAccept(listener, 0, null, null, null, null, c.irp);
        return c;
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
