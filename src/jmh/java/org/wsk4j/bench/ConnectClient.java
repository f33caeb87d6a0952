package org.wsk4j.bench;

import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;
import static org.wsk4j.Wsk.AF_INET;
import static org.wsk4j.Wsk.WSK_FLAG_CONNECTION_SOCKET;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * One way of making loopback connections: {@link #run} makes {@code total} connect + close cycles with at
 * most {@code window} in flight and returns when all are closed. A cycle counts when its close is done.
 */
abstract class ConnectClient implements AutoCloseable {

    /** The implementations, by the name used in benchmark parameters. */
    static ConnectClient create(String impl, InetSocketAddress target) throws IOException {
        return switch (impl) {
            case "nio" -> new RawNio(target);
            case "nio-blocking" -> new RawNioBlocking(target);
            case "wsk-socketConnect" -> new Wsk(target, WskHost.Completions.THREADED, false);
            case "wsk-socketBindConnect" -> new Wsk(target, WskHost.Completions.THREADED, true);
            case "wsk-socketConnect-direct" -> new Wsk(target, WskHost.Completions.DIRECT, false);
            case "wsk-socketBindConnect-direct" -> new Wsk(target, WskHost.Completions.DIRECT, true);
            case "async" -> new Async(target);
            case "netty" -> new Netty(target);
            default -> throw new IllegalArgumentException(impl);
        };
    }

    final InetSocketAddress target;

    ConnectClient(InetSocketAddress target) {
        this.target = target;
    }

    abstract void run(int total, int window) throws Exception;

    @Override
    public void close() throws Exception {
    }

    // ---- raw java.nio: one selector loop on the calling thread ---------------------------------------

    static final class RawNio extends ConnectClient {
        private final Selector selector;
        private int done;

        RawNio(InetSocketAddress target) throws IOException {
            super(target);
            selector = Selector.open();
        }

        @Override
        void run(int total, int window) throws IOException {
            int started = 0;
            done = 0;
            while (done < total) {
                while (started - done < window && started < total) {
                    SocketChannel ch = SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                    started++;
                    if (ch.connect(target)) {
                        ch.close();
                        done++;
                    } else {
                        ch.register(selector, SelectionKey.OP_CONNECT);
                    }
                }
                selector.select(this::onConnect);
            }
            selector.selectNow(); // flush the deregistration of the channels closed last
        }

        private void onConnect(SelectionKey key) {
            SocketChannel ch = (SocketChannel) key.channel();
            try {
                ch.finishConnect();
                ch.close();
            } catch (IOException e) {
                throw new IllegalStateException("connect failed: " + e, e);
            }
            done++;
        }

        @Override
        public void close() throws IOException {
            selector.close();
        }
    }

    /** Blocking SocketChannel connect + close on the calling thread (sequential latency only). */
    static final class RawNioBlocking extends ConnectClient {
        RawNioBlocking(InetSocketAddress target) {
            super(target);
        }

        @Override
        void run(int total, int window) throws IOException {
            for (int i = 0; i < total; i++) {
                SocketChannel ch = SocketChannel.open();
                ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                ch.connect(target);
                ch.close();
            }
        }
    }

    // ---- wsk4j: completion routines chain the next operation, as a driver would ----------------------

    static final class Wsk extends ConnectClient {
        final WskHost host;
        private final boolean separateBind;
        private final SockAddrIn local = SockAddrIn.any(0);
        private final SockAddrIn remote;
        private final AtomicInteger toStart = new AtomicInteger();
        private final AtomicInteger toFinish = new AtomicInteger();
        private final Signal signal = new Signal();
        private final IoCompletionRoutine onSocketConnect = this::onSocketConnect;
        private final IoCompletionRoutine onSocket = this::onSocket;
        private final IoCompletionRoutine onBind = this::onBind;
        private final IoCompletionRoutine onConnect = this::onConnect;
        private final IoCompletionRoutine onClose = this::onClose;

        Wsk(InetSocketAddress target, WskHost.Completions completions, boolean separateBind) {
            super(target);
            this.host = new WskHost(completions, WskHost.Bookkeeping.LIBRARY_DEFAULT);
            this.separateBind = separateBind;
            this.remote = SockAddrIn.loopback(target.getPort());
        }

        @Override
        void run(int total, int window) {
            signal.reset();
            toStart.set(total);
            toFinish.set(total);
            try (IoManager.Binding ignored = host.bind()) {
                for (int i = 0; i < window; i++) {
                    startNext();
                }
            }
            signal.await();
        }

        private Irp irp(IoCompletionRoutine routine, Object context) {
            Irp irp = Io.allocateIrp(1, false);
            if (irp == null) {
                throw new IllegalStateException("IoAllocateIrp failed");
            }
            Io.setCompletionRoutine(irp, routine, context, true, true, true);
            return irp;
        }

        private void startNext() {
            if (toStart.getAndDecrement() <= 0) {
                return;
            }
            if (separateBind) {
                host.npi.dispatch().wskSocket(host.npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                        WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp(onSocket, null));
            } else {
                host.npi.dispatch().wskSocketConnect(host.npi.client(), SOCK_STREAM, IPPROTO_TCP, local, remote, 0,
                        null, null, null, null, null, irp(onSocketConnect, null));
            }
        }

        private boolean failed(Irp irp, String what) {
            NtStatus status = irp.ioStatus().status();
            if (status != NtStatus.STATUS_SUCCESS) {
                signal.fail(what + " failed: " + status);
                return true;
            }
            return false;
        }

        private NtStatus onSocketConnect(DeviceObject device, Irp irp, Object context) {
            if (!failed(irp, "WskSocketConnect")) {
                closeSocket((WskSocket) irp.ioStatus().informationObject());
            }
            Io.freeIrp(irp);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        private NtStatus onSocket(DeviceObject device, Irp irp, Object context) {
            if (!failed(irp, "WskSocket")) {
                WskSocket socket = (WskSocket) irp.ioStatus().informationObject();
                ((WskProviderConnectionDispatch) socket.dispatch()).wskBind(socket, local, 0, irp(onBind, socket));
            }
            Io.freeIrp(irp);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        private NtStatus onBind(DeviceObject device, Irp irp, Object context) {
            WskSocket socket = (WskSocket) context;
            if (failed(irp, "WskBind")) {
                closeSocket(socket);
            } else {
                ((WskProviderConnectionDispatch) socket.dispatch()).wskConnect(socket, remote, 0,
                        irp(onConnect, socket));
            }
            Io.freeIrp(irp);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        private NtStatus onConnect(DeviceObject device, Irp irp, Object context) {
            failed(irp, "WskConnect");
            closeSocket((WskSocket) context);
            Io.freeIrp(irp);
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        private void closeSocket(WskSocket socket) {
            socket.dispatch().wskCloseSocket(socket, irp(onClose, null));
        }

        private NtStatus onClose(DeviceObject device, Irp irp, Object context) {
            failed(irp, "WskCloseSocket");
            Io.freeIrp(irp);
            if (toFinish.decrementAndGet() == 0) {
                signal.set();
            } else {
                startNext();
            }
            return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
        }

        @Override
        public void close() {
            host.close();
        }
    }

    // ---- AsynchronousSocketChannel on a one-thread group ---------------------------------------------

    static final class Async extends ConnectClient implements CompletionHandler<Void, AsynchronousSocketChannel> {
        private final AsynchronousChannelGroup group;
        private final AtomicInteger toStart = new AtomicInteger();
        private final AtomicInteger toFinish = new AtomicInteger();
        private final Signal signal = new Signal();

        Async(InetSocketAddress target) throws IOException {
            super(target);
            group = AsynchronousChannelGroup.withFixedThreadPool(1, r -> {
                Thread t = new Thread(r, "bench-async-group");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        void run(int total, int window) {
            signal.reset();
            toStart.set(total);
            toFinish.set(total);
            for (int i = 0; i < window; i++) {
                startNext();
            }
            signal.await();
        }

        private void startNext() {
            if (toStart.getAndDecrement() <= 0) {
                return;
            }
            try {
                AsynchronousSocketChannel ch = AsynchronousSocketChannel.open(group);
                ch.connect(target, ch, this);
            } catch (IOException e) {
                signal.fail(e);
            }
        }

        @Override
        public void completed(Void result, AsynchronousSocketChannel ch) {
            try {
                ch.close(); // SO_LINGER is not supported: the server closed first
            } catch (IOException e) {
                signal.fail(e);
                return;
            }
            if (toFinish.decrementAndGet() == 0) {
                signal.set();
            } else {
                startNext();
            }
        }

        @Override
        public void failed(Throwable exc, AsynchronousSocketChannel ch) {
            signal.fail(exc);
        }

        @Override
        public void close() throws Exception {
            group.shutdownNow();
            group.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ---- Netty 4.1, NIO transport, one event loop -----------------------------------------------------

    static final class Netty extends ConnectClient {
        @ChannelHandler.Sharable
        static final class Nothing extends ChannelInboundHandlerAdapter {
        }

        private final NioEventLoopGroup group;
        private final Bootstrap bootstrap;
        private final AtomicInteger toStart = new AtomicInteger();
        private final AtomicInteger toFinish = new AtomicInteger();
        private final Signal signal = new Signal();
        private final ChannelFutureListener onClose = this::onClose;
        private final ChannelFutureListener onConnect = this::onConnect;

        Netty(InetSocketAddress target) {
            super(target);
            group = new NioEventLoopGroup(1, Executors.defaultThreadFactory());
            bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.SO_LINGER, 0).handler(new Nothing());
        }

        @Override
        void run(int total, int window) {
            signal.reset();
            toStart.set(total);
            toFinish.set(total);
            for (int i = 0; i < window; i++) {
                startNext();
            }
            signal.await();
        }

        private void startNext() {
            if (toStart.getAndDecrement() > 0) {
                bootstrap.connect(target).addListener(onConnect);
            }
        }

        private void onConnect(ChannelFuture f) {
            if (!f.isSuccess()) {
                signal.fail(f.cause());
                return;
            }
            f.channel().close().addListener(onClose);
        }

        private void onClose(ChannelFuture f) {
            if (toFinish.decrementAndGet() == 0) {
                signal.set();
            } else {
                startNext();
            }
        }

        @Override
        public void close() {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
