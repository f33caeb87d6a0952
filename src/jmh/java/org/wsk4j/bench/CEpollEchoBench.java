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
 * {@link EchoBench}'s workload (one message in flight per connection, {@value EchoBench#MESSAGES} messages per
 * invocation, against the same {@link EchoServer}) run by the C epoll contender: the physical reference. Skipped by
 * the suite when the program was not built.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class CEpollEchoBench {

    @Param({"1", "16"})
    public int connections;

    @Param({"1024", "65536"})
    public int size;

    private EchoServer server;
    private CEpollClient client;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        server = new EchoServer();
        client = new CEpollClient("echo", server.address(), Integer.toString(connections), Integer.toString(size));
        client.run(Integer.toString(EchoBench.MESSAGES));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close();
        server.close();
    }

    @Benchmark
    @OperationsPerInvocation(EchoBench.MESSAGES)
    public void echo() throws Exception {
        client.run(Integer.toString(EchoBench.MESSAGES));
    }
}
