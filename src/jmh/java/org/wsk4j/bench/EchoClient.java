package org.wsk4j.bench;

import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;
import static org.wsk4j.Wsk.TCP_NODELAY;
import static org.wsk4j.Wsk.WSK_FLAG_WAITALL;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.infra.Blackhole;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * Echo clients over {@code connections} loopback connections to {@link EchoServer}: {@link #run} sends
 * {@code messages} messages of {@code size} bytes in total (spread evenly over the connections, one message
 * in flight per connection) and returns when every echo is fully received.
 */
abstract class EchoClient implements AutoCloseable {

    static EchoClient create(String impl, InetSocketAddress target, int connections, int size) throws Exception {
        if (impl.startsWith("nio+")) { // a calibration line: see RawNio
            String unit = impl.endsWith("ns") ? "ns" : impl.endsWith("loads") ? "loads"
                    : impl.endsWith("code") ? "code" : null;
            long amount = -1;
            if (unit != null) {
                try {
                    amount = Long.parseLong(impl.substring(4, impl.length() - unit.length()));
                } catch (NumberFormatException e) {
                    amount = -1;
                }
            }
            if (amount < 0) {
                throw new IllegalArgumentException(impl + ": expected nio+NNNns, nio+NNloads or nio+NNcode (nanoseconds"
                        + " of work, dependent loads, or distinct methods run, per message)");
            }
            if (unit.equals("code") && (amount < 1 || amount > ColdCode.METHODS)) {
                throw new IllegalArgumentException(impl + ": 1 to " + ColdCode.METHODS + " methods");
            }
            return new RawNio(target, connections, size, unit.equals("ns") ? amount : 0,
                    unit.equals("loads") ? (int) amount : 0, unit.equals("code") ? (int) amount : 0);
        }
        return switch (impl) {
            case "nio" -> new RawNio(target, connections, size);
            case "wsk" -> new Wsk(target, connections, size, WskHost.Completions.THREADED,
                    WskHost.Bookkeeping.LIBRARY_DEFAULT);
            case "wsk-direct" -> new Wsk(target, connections, size, WskHost.Completions.DIRECT,
                    WskHost.Bookkeeping.LIBRARY_DEFAULT);
            // the verifier's rules only (tracking and stack capture off): the echo contender's setting to session 14
            case "wsk-direct-rules" -> new Wsk(target, connections, size, WskHost.Completions.DIRECT,
                    WskHost.Bookkeeping.OFF);
            // no verifier at all (every rule OFF too): what the verifier costs in the echo loop
            case "wsk-direct-noverifier" -> new Wsk(target, connections, size, WskHost.Completions.DIRECT,
                    WskHost.Bookkeeping.NONE);
            case "netty" -> new Netty(target, connections, size);
            case "async" -> new Async(target, connections, size);
            default -> throw new IllegalArgumentException(impl);
        };
    }

    final int connections;
    final int size;

    EchoClient(int connections, int size) {
        this.connections = connections;
        this.size = size;
    }

    abstract void run(int messages) throws Exception;

    static ByteBuffer payload(int size) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) i);
        }
        return b;
    }

    // ---- raw java.nio: one selector loop on the calling thread ---------------------------------------
    //
    // "nio+NNNns" is the same client with NNN ns of pure CPU work (Blackhole.consumeCPU, no memory traffic) added to
    // every message: the calibration of the echo rows, how a row's ratio answers to a client's extra work per message
    // (docs/performance.md, session 17). The tokens per nanosecond are measured when the client is made.
    // "nio+NNloads" adds NN dependent loads per message instead, each from a different cache line of a 256 KiB pool
    // (within a core's L2) in a shuffled cycle: what touching NN lines of a driver's or library's state costs a message
    // once the kernel's network stack has run through the caches.
    // "nio+NNcode" runs NN distinct generated methods per message instead (ColdCode: straight arithmetic, about 1.5 KiB
    // of machine code each): what a per-message code path's size costs once the kernel has run through the caches;
    // the same calls in a hot loop are timed when the client is made and printed to stderr.

    static final class RawNio extends EchoClient {
        private final Selector selector;
        private final List<Conn> conns = new ArrayList<>();
        private final long extraTokens;
        private final int extraLoads;
        /** For extraCode: ColdCode's generated run(int, long), and how many of its methods a message runs. */
        private final java.lang.invoke.MethodHandle code;
        private final int extraCode;
        private long codeSink;
        /** For extraLoads: a cycle through POOL_LINES cache lines in shuffled order (int index of the next line). */
        private final int[] pool;
        private int poolAt;
        private int open;

        private static final int POOL_LINES = 256 * 1024 / 64;
        private static final int INTS_PER_LINE = 64 / Integer.BYTES;

        private final class Conn {
            final SocketChannel ch;
            final ByteBuffer out;
            final ByteBuffer in;
            SelectionKey key;
            int left;

            Conn(SocketChannel ch) {
                this.ch = ch;
                out = payload(size);
                in = ByteBuffer.allocateDirect(size);
            }

            void start() throws IOException {
                out.clear();
                in.clear();
                ch.write(out);
                key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            }
        }

        RawNio(InetSocketAddress target, int connections, int size) throws IOException {
            this(target, connections, size, 0, 0, 0);
        }

        RawNio(InetSocketAddress target, int connections, int size, long extraNanos, int extraLoads, int extraCode)
                throws IOException {
            super(connections, size);
            this.extraCode = extraCode;
            code = extraCode > 0 ? ColdCode.handle() : null;
            if (code != null) {
                System.err.printf("nio+%dcode: %.1f ns per message in a hot loop%n", extraCode, hotCodeNanos());
            }
            extraTokens = extraNanos > 0 ? Math.max(1, Math.round(extraNanos / nanosPerToken())) : 0;
            this.extraLoads = extraLoads;
            pool = extraLoads > 0 ? shuffledCycle() : null;
            selector = Selector.open();
            for (int i = 0; i < connections; i++) {
                SocketChannel ch = SocketChannel.open(target);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                ch.configureBlocking(false);
                Conn c = new Conn(ch);
                c.key = ch.register(selector, 0, c);
                conns.add(c);
            }
        }

        @Override
        void run(int messages) throws IOException {
            int per = messages / connections;
            open = 0;
            for (Conn c : conns) {
                c.left = per;
                open++;
                c.start();
            }
            while (open > 0) {
                selector.select(this::handle);
            }
        }

        private void handle(SelectionKey key) {
            Conn c = (Conn) key.attachment();
            try {
                if (key.isWritable() && c.out.hasRemaining()) {
                    c.ch.write(c.out);
                }
                if (key.isReadable()) {
                    if (c.ch.read(c.in) < 0) {
                        throw new IOException("echo server closed the connection");
                    }
                }
                if (!c.in.hasRemaining()) {
                    if (extraTokens > 0) {
                        Blackhole.consumeCPU(extraTokens);
                    }
                    if (extraCode > 0) {
                        runCode();
                    }
                    if (extraLoads > 0) {
                        int at = poolAt;
                        for (int i = 0; i < extraLoads; i++) {
                            at = pool[at]; // each load's address is the one before's value: no overlap
                        }
                        poolAt = at; // a field: the chain is live, not dead code
                    }
                    if (--c.left == 0) {
                        open--;
                        key.interestOps(0);
                    } else {
                        c.start();
                    }
                } else {
                    key.interestOps(c.out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE
                            : SelectionKey.OP_READ);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            for (Conn c : conns) {
                c.ch.close();
            }
            selector.close();
        }

        private void runCode() {
            try {
                codeSink = (long) code.invokeExact(extraCode, codeSink);
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        /** What {@link #runCode} costs with its code hot: the best of a few timed batches, warmed up. */
        private double hotCodeNanos() {
            for (int i = 0; i < 300_000; i++) { // past C2's compilation of every method the calls reach
                runCode();
            }
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 40; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < 2_000; i++) {
                    runCode();
                }
                best = Math.min(best, (System.nanoTime() - start) / 2_000.0);
            }
            return best;
        }

        /** A pool whose lines form one cycle in random order: pool[line * 16] is the first int of the next line. */
        private static int[] shuffledCycle() {
            int[] order = new int[POOL_LINES];
            for (int i = 0; i < POOL_LINES; i++) {
                order[i] = i;
            }
            Random random = new Random(17);
            for (int i = POOL_LINES - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            int[] pool = new int[POOL_LINES * INTS_PER_LINE];
            for (int i = 0; i < POOL_LINES; i++) {
                pool[order[i] * INTS_PER_LINE] = order[(i + 1) % POOL_LINES] * INTS_PER_LINE;
            }
            return pool;
        }

        /** What one {@link Blackhole#consumeCPU} token costs here: the best of a few timed batches, warmed up. */
        private static double nanosPerToken() {
            double best = Double.MAX_VALUE;
            for (int round = 0; round < 20; round++) {
                long start = System.nanoTime();
                for (int i = 0; i < 2_000; i++) {
                    Blackhole.consumeCPU(100);
                }
                best = Math.min(best, (System.nanoTime() - start) / (2_000 * 100.0));
            }
            return best;
        }
    }

    // ---- wsk4j: WskReceive (WAITALL) posted, then WskSend; the later of the two completions starts the next.
    // Each connection owns its two IRPs and reuses them for every message (IoReuseIrp, as Microsoft's WSK echo
    // sample does and as the raw NIO and Netty clients reuse their buffers); they are freed at close.

    static final class Wsk extends EchoClient {
        private final WskHost host;
        private final List<Conn> conns = new ArrayList<>();
        private final AtomicInteger open = new AtomicInteger();
        private final Signal signal = new Signal();
        private final IoCompletionRoutine onSent = this::onSent;
        private final IoCompletionRoutine onReceived = this::onReceived;

        private final class Conn {
            final WskSocket socket;
            final WskProviderConnectionDispatch dispatch;
            final WskBuf out;
            final WskBuf in;
            final AtomicInteger halves = new AtomicInteger();
            final Irp receiveIrp = Io.allocateIrp(1, false);
            final Irp sendIrp = Io.allocateIrp(1, false);
            int left;

            Conn(WskSocket socket) {
                this.socket = socket;
                this.dispatch = (WskProviderConnectionDispatch) socket.dispatch();
                out = new WskBuf(Io.allocateMdl(payload(size), 0, size), 0, size);
                in = new WskBuf(Io.allocateMdl(ByteBuffer.allocateDirect(size), 0, size), 0, size);
            }

            void start() {
                halves.set(2);
                dispatch.wskReceive(socket, in, WSK_FLAG_WAITALL, WskHost.reuse(receiveIrp, onReceived, this));
                dispatch.wskSend(socket, out, 0, WskHost.reuse(sendIrp, onSent, this));
            }
        }

        Wsk(InetSocketAddress target, int connections, int size, WskHost.Completions completions,
            WskHost.Bookkeeping bookkeeping) {
            super(connections, size);
            host = new WskHost(completions, bookkeeping);
            try (IoManager.Binding ignored = host.bind()) {
                for (int i = 0; i < connections; i++) {
                    Signal connected = new Signal();
                    connected.reset();
                    WskSocket[] socket = new WskSocket[1];
                    Irp irp = WskHost.irp((device, done, context) -> {
                        if (done.ioStatus().status() != NtStatus.STATUS_SUCCESS) {
                            connected.fail("WskSocketConnect failed: " + done.ioStatus().status());
                        } else {
                            socket[0] = (WskSocket) done.ioStatus().informationObject();
                            connected.set();
                        }
                        Io.freeIrp(done);
                        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                    }, null);
                    host.npi.dispatch().wskSocketConnect(host.npi.client(), SOCK_STREAM, IPPROTO_TCP,
                            SockAddrIn.any(0), SockAddrIn.loopback(target.getPort()), 0, null, null, null, null,
                            null, irp);
                    connected.await();
                    noDelay(socket[0]); // as the raw NIO and Netty clients (and the echo server) have it
                    conns.add(new Conn(socket[0]));
                }
            }
        }

        private static void noDelay(WskSocket socket) {
            Signal set = new Signal();
            set.reset();
            socket.dispatch().wskControlSocket(socket, WskControlSocketType.WskSetOption, TCP_NODELAY, IPPROTO_TCP,
                    4, 1, 0, null, null, WskHost.irp((device, done, context) -> {
                        if (done.ioStatus().status() != NtStatus.STATUS_SUCCESS) {
                            set.fail("TCP_NODELAY failed: " + done.ioStatus().status());
                        } else {
                            set.set();
                        }
                        Io.freeIrp(done);
                        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                    }, null));
            set.await();
        }

        @Override
        void run(int messages) {
            int per = messages / connections;
            signal.reset();
            open.set(connections);
            try (IoManager.Binding ignored = host.bind()) {
                for (Conn c : conns) {
                    c.left = per;
                    c.start();
                }
            }
            signal.await();
        }

        private NtStatus onSent(DeviceObject device, Irp irp, Object context) {
            return half(irp, (Conn) context, "WskSend");
        }

        private NtStatus onReceived(DeviceObject device, Irp irp, Object context) {
            Conn c = (Conn) context;
            if (irp.ioStatus().status() == NtStatus.STATUS_SUCCESS && irp.ioStatus().information() != size) {
                signal.fail("WskReceive returned " + irp.ioStatus().information() + " bytes");
            }
            return half(irp, c, "WskReceive");
        }

        private NtStatus half(Irp irp, Conn c, String what) {
            NtStatus status = irp.ioStatus().status();
            if (status != NtStatus.STATUS_SUCCESS) {
                signal.fail(what + " failed: " + status);
            } else if (c.halves.decrementAndGet() == 0) {
                if (--c.left > 0) {
                    c.start();
                } else if (open.decrementAndGet() == 0) {
                    signal.set();
                }
            }
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        @Override
        public void close() {
            try (IoManager.Binding ignored = host.bind()) {
                for (Conn c : conns) {
                    Signal closed = new Signal();
                    closed.reset();
                    c.socket.dispatch().wskCloseSocket(c.socket, WskHost.irp((device, done, context) -> {
                        Io.freeIrp(done);
                        closed.set();
                        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                    }, null));
                    closed.await();
                    Io.freeIrp(c.receiveIrp);
                    Io.freeIrp(c.sendIrp);
                }
            }
            host.close();
        }
    }

    // ---- Netty 4.1, NIO transport, one event loop -----------------------------------------------------

    // ---- AsynchronousSocketChannel: a write then reads until the echo is whole, chained by completion handlers on a
    // one-thread group (the JDK's epoll port on Linux), as the connect benchmarks' async client.

    static final class Async extends EchoClient {
        private final java.nio.channels.AsynchronousChannelGroup group;
        private final List<Conn> conns = new ArrayList<>();
        private final AtomicInteger open = new AtomicInteger();
        private final Signal signal = new Signal();

        private final class Conn {
            final java.nio.channels.AsynchronousSocketChannel ch;
            final ByteBuffer out = payload(size);
            final ByteBuffer in = ByteBuffer.allocateDirect(size);
            int left;
            final java.nio.channels.CompletionHandler<Integer, Void> written = new java.nio.channels.CompletionHandler<>() {
                @Override
                public void completed(Integer n, Void ignored) {
                    if (out.hasRemaining()) {
                        ch.write(out, null, this);
                    }
                }

                @Override
                public void failed(Throwable exc, Void ignored) {
                    signal.fail(exc);
                }
            };
            final java.nio.channels.CompletionHandler<Integer, Void> read = new java.nio.channels.CompletionHandler<>() {
                @Override
                public void completed(Integer n, Void ignored) {
                    if (n < 0) {
                        signal.fail("echo server closed the connection");
                    } else if (in.hasRemaining()) {
                        ch.read(in, null, this);
                    } else if (--left > 0) {
                        start();
                    } else if (open.decrementAndGet() == 0) {
                        signal.set();
                    }
                }

                @Override
                public void failed(Throwable exc, Void ignored) {
                    signal.fail(exc);
                }
            };

            Conn(java.nio.channels.AsynchronousSocketChannel ch) {
                this.ch = ch;
            }

            /** The echo is read only after the whole message was written (the server echoes as it reads). */
            void start() {
                out.clear();
                in.clear();
                ch.read(in, null, read);
                ch.write(out, null, written);
            }
        }

        Async(InetSocketAddress target, int connections, int size) throws Exception {
            super(connections, size);
            group = java.nio.channels.AsynchronousChannelGroup.withFixedThreadPool(1, r -> {
                Thread t = new Thread(r, "bench-async-echo");
                t.setDaemon(true);
                return t;
            });
            for (int i = 0; i < connections; i++) {
                java.nio.channels.AsynchronousSocketChannel ch = java.nio.channels.AsynchronousSocketChannel.open(group);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.connect(target).get(30, TimeUnit.SECONDS);
                conns.add(new Conn(ch));
            }
        }

        @Override
        void run(int messages) {
            int per = messages / connections;
            signal.reset();
            open.set(connections);
            for (Conn c : conns) {
                c.left = per;
                c.start();
            }
            signal.await();
        }

        @Override
        public void close() throws Exception {
            for (Conn c : conns) {
                c.ch.close();
            }
            group.shutdownNow();
            group.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    static final class Netty extends EchoClient {
        private final NioEventLoopGroup group;
        private final List<Channel> channels = new ArrayList<>();
        private final List<Handler> handlers = new ArrayList<>();
        private final ByteBuf payload;
        private final AtomicInteger open = new AtomicInteger();
        private final Signal signal = new Signal();

        private final class Handler extends ChannelInboundHandlerAdapter {
            ChannelHandlerContext ctx;
            int received;
            int left;

            @Override
            public void handlerAdded(ChannelHandlerContext ctx) {
                this.ctx = ctx;
            }

            void start() {
                received = 0;
                ctx.writeAndFlush(payload.retainedDuplicate(), ctx.voidPromise());
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                received += buf.readableBytes();
                buf.release();
                if (received >= size) {
                    if (--left > 0) {
                        start();
                    } else if (open.decrementAndGet() == 0) {
                        signal.set();
                    }
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                signal.fail(cause);
            }
        }

        Netty(InetSocketAddress target, int connections, int size) throws InterruptedException {
            super(connections, size);
            group = new NioEventLoopGroup(1, Executors.defaultThreadFactory());
            payload = Unpooled.unreleasableBuffer(Unpooled.directBuffer(size).writeBytes(payload(size)));
            for (int i = 0; i < connections; i++) {
                Handler h = new Handler();
                handlers.add(h);
                Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true).option(ChannelOption.SO_LINGER, 0)
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(h);
                            }
                        });
                channels.add(b.connect(target).sync().channel());
            }
        }

        @Override
        void run(int messages) {
            int per = messages / connections;
            signal.reset();
            open.set(connections);
            for (Handler h : handlers) {
                h.left = per;
                h.ctx.executor().execute(h::start);
            }
            signal.await();
        }

        @Override
        public void close() {
            for (Channel ch : channels) {
                ch.close().syncUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
