package org.wsk4j.bench;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.wsk4j.WskSocket;

/**
 * Benchmark 5a, run in its own JVM (fixed heap, SerialGC for exact after-GC accounting): heap per connected
 * socket with N sockets open. First N raw SocketChannels (connected, non-blocking, registered with one
 * Selector for OP_READ, as a transport holds them), then N wsk4j sockets (WskSocketConnect) with the
 * benchmark verifier setting (stack capture OFF, no live-IRP tracking), then N with the defaults (capture
 * ALWAYS, tracking on). Heap is read after full GCs; the peers live in a {@link HoldServer} child process.
 *
 * <p>Arguments: N, output JSON file.
 */
public final class ScaleMemory {

    private ScaleMemory() {
    }

    static long heapAfterGc() throws InterruptedException {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Path out = Path.of(args[1]);
        try (HoldServer.Child holder = HoldServer.start()) {
            InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), holder.port());
            double raw = rawPerSocket(target, n);
            double[] wskOff = wskPerSocket(holder.port(), n, false);
            double[] wskOn = wskPerSocket(holder.port(), n, true);
            String json = String.format(java.util.Locale.ROOT,
                    "{\"sockets\": %d, \"rawChannelBytesPerSocket\": %.1f, \"wskBytesPerSocket\": %.1f,"
                            + " \"wskBeyondChannelBytesPerSocket\": %.1f, \"wskVerifierOnBytesPerSocket\": %.1f,"
                            + " \"wskVerifierOnBeyondChannelBytesPerSocket\": %.1f, \"wskConnectSeconds\": %.3f,"
                            + " \"maxHeapBytes\": %d}%n",
                    n, raw, wskOff[0], wskOff[0] - raw, wskOn[0], wskOn[0] - raw, wskOff[1],
                    Runtime.getRuntime().maxMemory());
            Files.writeString(out, json);
            System.out.print(json);
        }
    }

    private static double rawPerSocket(InetSocketAddress target, int n) throws Exception {
        Selector selector = Selector.open();
        List<SocketChannel> channels = new ArrayList<>(n);
        long before = heapAfterGc();
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(target);
            ch.setOption(StandardSocketOptions.SO_LINGER, 0);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            channels.add(ch);
        }
        selector.selectNow();
        long after = heapAfterGc();
        for (SocketChannel ch : channels) {
            ch.close();
        }
        selector.selectNow();
        selector.close();
        return (after - before) / (double) n;
    }

    private static double[] wskPerSocket(int port, int n, boolean verifier) throws Exception {
        try (WskHost host = new WskHost(WskHost.Completions.THREADED,
                verifier ? WskHost.Bookkeeping.ALWAYS : WskHost.Bookkeeping.OFF)) {
            // warm the subsystem (selector thread, executor, first socket's classes) before the baseline
            OpenWskSockets.closeAll(host, OpenWskSockets.open(host, port, 64));
            Thread.sleep(200);
            long before = heapAfterGc();
            long t0 = System.nanoTime();
            List<WskSocket> sockets = OpenWskSockets.open(host, port, n);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long after = heapAfterGc();
            OpenWskSockets.closeAll(host, sockets);
            return new double[] {(after - before) / (double) n, seconds};
        }
    }
}
