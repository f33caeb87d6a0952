package org.wsk4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 2: sequential connect latency, one connect + close in flight, as a distribution (JMH SampleTime:
 * p50/p99/p99.9). wsk4j runs twice: completions through the threaded executor (one hand-off to the
 * completion thread) and with the library's direct executor (on the thread that produced the completion). Each waiting client is woken with the
 * same park/unpark hand-off.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ConnectLatencyBench {

    @Param({"nio", "nio-blocking", "wsk-socketConnect", "wsk-socketConnect-direct", "wsk-socketBindConnect",
            "wsk-socketBindConnect-direct",
            "async", "netty"})
    public String impl;

    private AcceptCloseServer server;
    private ConnectClient client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new AcceptCloseServer();
        client = ConnectClient.create(impl, server.address());
        client.run(16, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close();
    }

    @Benchmark
    public void connectClose() throws Exception {
        client.run(1, 1);
    }
}
