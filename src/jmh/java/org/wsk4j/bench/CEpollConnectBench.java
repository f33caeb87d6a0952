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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ConnectRateBench}'s workload (connect + close, 64 in flight, against the same {@link AcceptCloseServer})
 * run by the C epoll contender: the physical reference. Skipped by the suite when the program was not built.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CEpollConnectBench {

    private AcceptCloseServer server;
    private CEpollClient client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new AcceptCloseServer();
        client = new CEpollClient("connect", server.address());
        client.run(ConnectRateBench.IN_FLIGHT + " " + ConnectRateBench.IN_FLIGHT); // fail fast before measuring
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(ConnectRateBench.BATCH)
    public void connect64InFlight() throws Exception {
        client.run(ConnectRateBench.BATCH + " " + ConnectRateBench.IN_FLIGHT);
    }
}
