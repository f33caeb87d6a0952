package org.wsk4j.examples.ksocket;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * The KSOCKET tests on the simulated network (the tests of {@link AbstractKSocketTest}), plus what only the simulation
 * can script: a connect that is never answered (21 virtual seconds in milliseconds of real time) and a reset injected
 * into the byte stream. Every driver thread, the test method's included, is scheduled from the seed; virtual time
 * moves only when every thread waits.
 */
@WskTest
class KSocketTest extends AbstractKSocketTest {

    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.2", 80);

    @Test
    void connectThatIsNeverAnsweredTimesOutAfter21VirtualSeconds(SimNetwork network, ManualCompletionExecutor executor) {
        network.addHost("server", "10.0.0.2");
        network.onConnect(SERVER).thenFault(Fault.blackHole()); // the SYN is never answered
        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));

        Duration virtualStart = executor.now();
        long realStart = System.nanoTime();
        NtStatus status = ks.ksConnect(client.get(), SockAddr.of(SERVER)); // blocks in KeWaitForSingleObject
        Duration real = Duration.ofNanos(System.nanoTime() - realStart);
        Duration virtual = executor.now().minus(virtualStart);

        assertEquals(STATUS_IO_TIMEOUT, status);
        assertTrue(virtual.compareTo(Duration.ofSeconds(21)) >= 0 && virtual.compareTo(Duration.ofMillis(21_010)) < 0,
                "the connect timed out after 21 virtual seconds: " + virtual);
        assertTrue(real.compareTo(Duration.ofSeconds(5)) < 0, "and cost little real time: " + real);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get()));
    }

    @Test
    void resetInjectedIntoTheStreamReachesBothEnds(SimNetwork network) {
        KSocket.Socket listen = listenSocket();
        int port = port(ks, listen);
        network.onSend(port).thenFault(Fault.resetAfter(100)); // the client's first write: 100 bytes, then RST
        EchoServerThread server = new EchoServerThread(ks, listen);
        Object serverThread = psCreateSystemThread(server::run, null);

        Ref<KSocket.Socket> client = new Ref<>();
        assertEquals(STATUS_SUCCESS, ks.ksCreateConnectionSocket(client, AF_INET, SOCK_STREAM, IPPROTO_TCP));
        assertEquals(STATUS_SUCCESS, ks.ksConnect(client.get(), SockAddrIn.loopback(port)));
        byte[] payload = new byte[1000];
        Ref<Integer> length = new Ref<>(payload.length);
        assertEquals(STATUS_SUCCESS, ks.ksSend(client.get(), payload, length, 0)); // accepted by the transport
        NtStatus status;
        long echoed = 0;
        do { // the echo of what got through, then the reset
            byte[] buffer = new byte[1000];
            Ref<Integer> got = new Ref<>(buffer.length);
            status = ks.ksRecv(client.get(), buffer, got, 0);
            if (status.isSuccess()) {
                echoed += got.get();
            }
        } while (status.isSuccess());
        assertEquals(STATUS_CONNECTION_RESET, status);

        waitForThread(serverThread);
        assertEquals(STATUS_CONNECTION_RESET, server.lastStatus);
        assertTrue(server.bytesEchoed <= 100 && echoed <= server.bytesEchoed, server.bytesEchoed + " / " + echoed);
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(client.get()));
        assertEquals(STATUS_SUCCESS, ks.ksCloseSocket(listen));
    }
}
