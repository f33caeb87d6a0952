package org.wsk4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 1: connect rate with 64 connects in flight (connect + accept + close on loopback), in
 * connections per second. One benchmark thread; the client's own threads are fixed: raw NIO uses the
 * benchmark thread only, wsk4j its selector thread and one completion thread (threaded executor) or its
 * selector thread and the direct executor's fallback thread (direct), AsynchronousSocketChannel a
 * one-thread group, Netty one event loop. The accepting peer is one more thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConnectRateBench {

    static final int IN_FLIGHT = 64;
    static final int BATCH = 512;

    @Param({"nio", "wsk-socketConnect", "wsk-socketConnect-direct", "wsk-socketBindConnect",
            "wsk-socketBindConnect-direct", "async", "netty"})
    public String impl;

    private AcceptCloseServer server;
    private ConnectClient client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new AcceptCloseServer();
        client = ConnectClient.create(impl, server.address());
        client.run(IN_FLIGHT, IN_FLIGHT); // fail fast before measuring
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void connect64InFlight() throws Exception {
        client.run(BATCH, IN_FLIGHT);
    }
}
