package org.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.wsk4j.Wsk.IPPROTO_TCP;
import static org.wsk4j.Wsk.SOCK_STREAM;
import static org.wsk4j.nt.NtStatus.STATUS_MORE_PROCESSING_REQUIRED;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.SimNetwork;

/** A @WskTest on the class path, with default Surefire settings: a connect nobody listens for is refused. */
@WskTest
class SocketsTest {

    @Test
    void aConnectToAPortNobodyListensOnIsRefused(WskProviderNpi npi, SimNetwork network,
                                                  ManualCompletionExecutor executor) {
        assertFalse(WskSubsystem.class.getModule().isNamed(), "wsk4j is on the class path");
        network.addHost("server", "10.0.0.2");
        AtomicReference<NtStatus> status = new AtomicReference<>();
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, (device, done, context) -> {
            status.set(done.ioStatus().status());
            Io.freeIrp(done);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);

        npi.dispatch().wskSocketConnect(npi.client(), SOCK_STREAM, IPPROTO_TCP, SockAddrIn.any(0),
                SockAddr.of(new InetSocketAddress("10.0.0.2", 80)), 0, null, null, null, null, null, irp);
        executor.runUntilIdle();

        assertEquals(NtStatus.STATUS_CONNECTION_REFUSED, status.get());
    }
}
