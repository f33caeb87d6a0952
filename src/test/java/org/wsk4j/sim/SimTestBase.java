package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.wsk4j.Completion;
import org.wsk4j.SockAddr;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/**
 * Test support for the tests that need a {@link SimNetwork.Config} other than the defaults (a link with a bandwidth),
 * which {@code @WskTest} cannot build: a simulated network with host "localhost" (the client) and host "server"
 * (10.0.0.2, fd00::2), one registered WSK client per host, the after-test checks, and the {@link SimHosts} helpers.
 * Every other simulated test runs with {@code @WskTest} and {@link SimHosts}.
 */
abstract class SimTestBase {

    static final String SERVER_V4 = SimHosts.SERVER_V4;
    static final String SERVER_V6 = SimHosts.SERVER_V6;

    SimNetwork network;
    ManualCompletionExecutor executor;
    IoManager.Binding binding;
    SimHosts.Client client;
    SimHosts.Client server;
    WskProviderNpi npi;
    SimHosts sim;

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
        startNetwork(config);
    }

    private void startNetwork(SimNetwork.Config config) {
        network = SimNetwork.create(seed(), config);
        executor = network.executor();
        binding = network.ioManager().bindToCurrentThread();
        client = new SimHosts.Client(network, SimNetwork.LOCALHOST);
        sim = new SimHosts(network, client);
        server = sim.server;
        npi = client.npi;
    }

    @AfterEach
    void stopNetwork() {
        try {
            sim.stop();
            client.stop();
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
        return SimHosts.addr(literal, port);
    }

    static SockAddr any(int family) {
        return SimHosts.any(family);
    }

    static WskProviderConnectionDispatch connection(WskSocket socket) {
        return SimHosts.connection(socket);
    }

    static WskSocket socket(SimHosts.Client owner, int family, int type, int protocol, int flags,
                            ManualCompletionExecutor executor) {
        return SimHosts.socket(owner, family, type, protocol, flags, executor);
    }

    WskSocket connectionSocket(int family) {
        return sim.connectionSocket(family);
    }

    /** Another client on {@code host} (registered and captured; deregistered when the network stops). */
    SimHosts.Client client(String host) {
        return sim.client(host);
    }

    NtStatus bind(WskSocket socket, SockAddr address) {
        return sim.bind(socket, address);
    }

    /** A listening socket on host "server". */
    WskSocket listen(String literal, int port) {
        return sim.listen(literal, port);
    }

    /** Starts a WskAccept on a listening socket. */
    static Completion accept(WskSocket listener) {
        return SimHosts.accept(listener);
    }

    void close(WskSocket socket) {
        sim.close(socket);
    }

    /** Drives the network until it is idle (virtual time jumps to each timer), then checks the completion ran. */
    void await(Completion c) {
        sim.await(c);
    }
}
