package org.wsk4j.reliability;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * The peer {@link NetnsFaultTest} starts inside its network namespace ({@code ip netns exec ... java ...}): an echo
 * server on the given port. It exits when its standard input closes (the test process ended or closed it).
 */
public final class NetnsPeer {

    private NetnsPeer() {
    }

    public static void main(String[] args) throws Exception {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(Integer.parseInt(args[0])), 128);
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for the test to close our stdin
                }
            } catch (Exception ignored) {
                // the test is gone
            }
            System.exit(0);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        System.out.println("ready");
        System.out.flush();
        while (true) {
            Socket s = server.accept();
            Thread t = new Thread(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    byte[] buffer = new byte[8192];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        out.write(buffer, 0, n);
                    }
                } catch (Exception ignored) {
                    // reset by the client
                }
            });
            t.setDaemon(true);
            t.start();
        }
    }
}
