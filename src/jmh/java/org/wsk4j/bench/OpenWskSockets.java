package org.wsk4j.bench;

import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/** Opens many connected WSK sockets (WskSocketConnect, 64 in flight) and keeps them until {@link #closeAll}. */
final class OpenWskSockets {

    private OpenWskSockets() {
    }

    static List<WskSocket> open(WskHost host, int port, int count) throws InterruptedException {
        List<WskSocket> sockets = Collections.synchronizedList(new ArrayList<>(count));
        Semaphore window = new Semaphore(64);
        Signal failed = new Signal();
        failed.reset();
        SockAddrIn local = SockAddrIn.any(0);
        SockAddrIn remote = SockAddrIn.loopback(port);
        try (IoManager.Binding ignored = host.bind()) {
            for (int i = 0; i < count; i++) {
                if (!window.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("connects stalled after " + sockets.size());
                }
                Irp irp = Io.allocateIrp(1, false);
                Io.setCompletionRoutine(irp, (device, done, context) -> {
                    if (done.ioStatus().status() == NtStatus.STATUS_SUCCESS) {
                        sockets.add((WskSocket) done.ioStatus().informationObject());
                    } else {
                        failed.fail("WskSocketConnect failed: " + done.ioStatus().status());
                    }
                    Io.freeIrp(done);
                    window.release();
                    return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                }, null, true, true, true);
                host.npi.dispatch().wskSocketConnect(host.npi.client(), SOCK_STREAM, IPPROTO_TCP, local, remote, 0,
                        null, null, null, null, null, irp);
            }
            if (!window.tryAcquire(64, 30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("connects stalled after " + sockets.size());
            }
        }
        if (sockets.size() != count) {
            List<WskSocket> opened = new ArrayList<>(sockets);
            closeAll(host, opened); // WskDeregister would otherwise wait for them forever
            failed.await();
            throw new IllegalStateException("opened only " + opened.size() + " of " + count + " sockets");
        }
        return sockets;
    }

    static void closeAll(WskHost host, List<WskSocket> sockets) throws InterruptedException {
        Semaphore window = new Semaphore(64);
        try (IoManager.Binding ignored = host.bind()) {
            for (WskSocket socket : sockets) {
                window.acquire();
                Irp irp = Io.allocateIrp(1, false);
                Io.setCompletionRoutine(irp, (device, done, context) -> {
                    Io.freeIrp(done);
                    window.release();
                    return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                }, null, true, true, true);
                socket.dispatch().wskCloseSocket(socket, irp);
            }
            window.acquire(64);
        }
        sockets.clear();
    }
}
