package org.wsk4j.bench;

import java.util.List;
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
import org.wsk4j.WskSocket;

/**
 * Benchmark 5b: wsk4j connect rate (WskSocketConnect + WskCloseSocket, 64 in flight, as in
 * {@link ConnectRateBench}) while {@code open} other connected WSK sockets of the same subsystem stay open
 * (their peers are held by a {@link HoldServer} child process).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ScaleConnectBench {

    @Param({"0", "10000"})
    public int open;

    private AcceptCloseServer server;
    private HoldServer.Child holder;
    private ConnectClient.Wsk client;
    private List<WskSocket> held;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new AcceptCloseServer();
        client = (ConnectClient.Wsk) ConnectClient.create("wsk-socketConnect", server.address());
        holder = HoldServer.start();
        held = OpenWskSockets.open(client.host, holder.port(), open);
        client.run(ConnectRateBench.IN_FLIGHT, ConnectRateBench.IN_FLIGHT);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        OpenWskSockets.closeAll(client.host, held);
        client.close();
        holder.close();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(ConnectRateBench.BATCH)
    public void connect64InFlight() throws Exception {
        client.run(ConnectRateBench.BATCH, ConnectRateBench.IN_FLIGHT);
    }
}
