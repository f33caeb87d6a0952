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
 * Benchmark 3: echo throughput in messages per second (bytes/s = score × size) over 1 and 16 loopback
 * connections with 1 KiB and 64 KiB messages, one message in flight per connection. The echo peer is one
 * java.nio selector thread ({@link EchoServer}); raw NIO runs on the benchmark thread, wsk4j on its selector
 * thread plus one completion thread, Netty on one event loop.
 *
 * <p>One invocation is {@value #MESSAGES} messages: 64 per connection with 16 connections. Each invocation starts
 * every connection from the benchmark thread and waits until all are done, a barrier that drains the pipeline;
 * with 4 messages per connection (the first version) that barrier, not the echo, was a large part of what was
 * measured, and it costs the clients that hand work to another thread (wsk4j, Netty) more than the raw loop.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class EchoBench {

    static final int MESSAGES = 1024;

    @Param({"nio", "wsk", "wsk-direct", "netty", "async"})
    public String impl;

    @Param({"1", "16"})
    public int connections;

    @Param({"1024", "65536"})
    public int size;

    private EchoServer server;
    private EchoClient client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new EchoServer();
        client = EchoClient.create(impl, server.address(), connections, size);
        client.run(MESSAGES);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void echo() throws Exception {
        client.run(MESSAGES);
    }
}
