package org.wsk4j.guide;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.WskBuf;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.IrpAllocationPolicy;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.sim.ConnectAttempt;
import org.wsk4j.sim.Fault;
import org.wsk4j.sim.SimNetwork;

/**
 * The code of {@code docs/testing-guide.md}: every snippet of the guide is a tagged region of this file
 * ({@code // tag::name[]} ... {@code // end::name[]}), and {@link #theGuideShowsThisFilesCode()} fails
 * when the guide and this file drift apart.
 */
// tag::class[]
@WskTest(seed = "0x5eed")
class ConnectGuideTest {
    // end::class[]

    // tag::driver[]
    /** The driver under test: the WDK "Establishing a connection with a destination" example. */
    static final class Driver {
        NtStatus connectStatus; // set by the completion routine
        Irp pendingConnect;     // kept so the driver can cancel it

        NtStatus connectSocket(WskSocket socket, SockAddr remoteAddress) {
            WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
            Irp irp = Io.allocateIrp(1, false);
            if (irp == null) {
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            Io.setCompletionRoutine(irp, this::connectComplete, socket, true, true, true);
            pendingConnect = irp;
            return dispatch.wskConnect(socket, remoteAddress, 0, irp);
        }

        void cancelConnect() {
            if (pendingConnect != null) {
                Io.cancelIrp(pendingConnect);
            }
        }

        private NtStatus connectComplete(DeviceObject deviceObject, Irp irp, Object context) {
            connectStatus = irp.ioStatus().status();
            pendingConnect = null;
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }
    }
    // end::driver[]

    // tag::setup[]
    static final InetSocketAddress SERVER = new InetSocketAddress("10.0.0.2", 80);

    final Driver driver = new Driver();
    SimNetwork network;
    WskProviderNpi npi;
    ManualCompletionExecutor executor;

    @BeforeEach
    void setUp(SimNetwork network, WskProviderNpi npi, ManualCompletionExecutor executor) {
        this.network = network;
        this.npi = npi;
        this.executor = executor;
        network.addHost("server", "10.0.0.2");
    }
    // end::setup[]

    // tag::helpers[]
    /** An IRP whose completion routine records the outcome and frees the IRP. */
    static final class Result {
        final Irp irp = Io.allocateIrp(1, false);
        NtStatus status;
        long information;
        Object informationObject;

        Result() {
            Io.setCompletionRoutine(irp, (device, done, context) -> {
                status = done.ioStatus().status();
                information = done.ioStatus().information();
                informationObject = done.ioStatus().informationObject();
                Io.freeIrp(done);
                return STATUS_MORE_PROCESSING_REQUIRED;
            }, null, true, true, true);
        }
    }

    /** A connection socket bound to the wildcard address: what the driver connects. */
    WskSocket boundSocket() {
        Result created = new Result();
        npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
                null, null, null, null, null, created.irp);
        executor.runPending();
        WskSocket socket = (WskSocket) created.informationObject;
        Result bound = new Result();
        ((WskProviderConnectionDispatch) socket.dispatch()).wskBind(socket, SockAddrIn.any(0), 0, bound.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, bound.status);
        return socket;
    }

    void close(WskSocket socket) {
        Result closed = new Result();
        socket.dispatch().wskCloseSocket(socket, closed.irp);
        executor.runPending();
        assertEquals(STATUS_SUCCESS, closed.status);
    }
    // end::helpers[]

    // tag::success[]
    @Test
    void connects() {
        network.onConnect(SERVER).thenFault(Fault.accept()); // a peer that accepts
        WskSocket socket = boundSocket();

        assertEquals(STATUS_PENDING, driver.connectSocket(socket, SockAddr.of(SERVER)));
        executor.runUntilIdle(); // virtual time: one round trip, 200 µs

        assertEquals(STATUS_SUCCESS, driver.connectStatus);
        close(socket);
    }
    // end::success[]

    // tag::refused[]
    @Test
    void refused() {
        network.onConnect(SERVER).thenFault(Fault.refuse());
        WskSocket socket = boundSocket();

        driver.connectSocket(socket, SockAddr.of(SERVER));
        executor.runUntilIdle();

        assertEquals(STATUS_CONNECTION_REFUSED, driver.connectStatus);
        close(socket);
    }
    // end::refused[]

    // tag::timeout[]
    @Test
    void timesOutAfter21VirtualSeconds() {
        network.onConnect(SERVER).thenFault(Fault.blackHole()); // no SYN-ACK, ever
        WskSocket socket = boundSocket();

        driver.connectSocket(socket, SockAddr.of(SERVER));
        executor.advanceTimeBy(Duration.ofSeconds(20));
        assertNull(driver.connectStatus, "still pending after 20 s");
        executor.advanceTimeBy(Duration.ofSeconds(1));

        assertEquals(STATUS_IO_TIMEOUT, driver.connectStatus);
        close(socket);
    }
    // end::timeout[]

    // tag::reset[]
    @Test
    void resetAfterTheFirstBytes() {
        network.onConnect(SERVER).thenFault(Fault.resetAfter(4));
        WskSocket socket = boundSocket();
        driver.connectSocket(socket, SockAddr.of(SERVER));
        executor.runUntilIdle();
        assertEquals(STATUS_SUCCESS, driver.connectStatus, "the connect itself succeeds");

        WskProviderConnectionDispatch connection = (WskProviderConnectionDispatch) socket.dispatch();
        byte[] request = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        Result sent = new Result();
        connection.wskSend(socket, new WskBuf(Io.allocateMdl(ByteBuffer.wrap(request)), 0, request.length), 0, sent.irp);
        Result received = new Result();
        connection.wskReceive(socket, new WskBuf(Io.allocateMdl(ByteBuffer.allocate(64)), 0, 64), 0, received.irp);
        executor.runUntilIdle();

        assertEquals(STATUS_SUCCESS, sent.status, "buffered before the reset");
        assertEquals(STATUS_CONNECTION_RESET, received.status);
        close(socket);
    }
    // end::reset[]

    // tag::cancel[]
    @Test
    void cancelsAConnectThatHangs() {
        network.onConnect(SERVER).thenFault(Fault.blackHole());
        WskSocket socket = boundSocket();
        driver.connectSocket(socket, SockAddr.of(SERVER));
        executor.advanceTimeBy(Duration.ofSeconds(5)); // the driver's own 5 s timer fires

        driver.cancelConnect();
        executor.runPending();

        assertEquals(STATUS_CANCELLED, driver.connectStatus);
        assertEquals(STATUS_CANCELLED, network.attempts().get(0).status());
        close(socket);
    }
    // end::cancel[]

    // tag::low-resources[]
    @Test
    void noIrpForTheConnect(IoManager io) {
        WskSocket socket = boundSocket();
        io.setIrpAllocationPolicy(IrpAllocationPolicy.failNth(1)); // the next Io.allocateIrp returns null

        assertEquals(STATUS_INSUFFICIENT_RESOURCES, driver.connectSocket(socket, SockAddr.of(SERVER)));

        io.setIrpAllocationPolicy(IrpAllocationPolicy.never());
        close(socket);
    }
    // end::low-resources[]

    // tag::attempts[]
    @Test
    void retriesAreInTheAttemptRecord() {
        network.onConnect(SERVER).thenFault(Fault.refuse(), Fault.hostUnreachable(), Fault.accept());
        List<NtStatus> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            WskSocket socket = boundSocket(); // a socket whose connect failed cannot connect again
            driver.connectSocket(socket, SockAddr.of(SERVER));
            executor.runUntilIdle();
            seen.add(driver.connectStatus);
            close(socket);
        }
        assertEquals(List.of(STATUS_CONNECTION_REFUSED, STATUS_HOST_UNREACHABLE, STATUS_SUCCESS), seen);

        List<ConnectAttempt> attempts = network.attempts();
        assertEquals(3, attempts.size());
        ConnectAttempt first = attempts.get(0);
        assertEquals(Fault.refuse(), first.fault());
        assertEquals(STATUS_CONNECTION_REFUSED, first.status());
        assertEquals(SERVER, first.destination());
        assertEquals(Duration.ofNanos(200_000), first.completedAt().minus(first.time()), "one round trip");
        assertEquals(STATUS_SUCCESS, attempts.get(2).status());
    }
    // end::attempts[]

    // ---- the guide shows this file's code --------------------------------------------------------------------

    private static final Pattern DOC_SNIPPET = Pattern.compile("<!-- snippet: ([a-z-]+) -->\\s*```java\\n(.*?)```",
            Pattern.DOTALL);

    @Test
    void theGuideShowsThisFilesCode() throws IOException {
        String guide = Files.readString(Path.of("docs/testing-guide.md"));
        String source = Files.readString(Path.of("src/test/java/org/wsk4j/guide/ConnectGuideTest.java"))
                + Files.readString(Path.of("src/test/java/org/wsk4j/guide/BlockingGuideTest.java"))
                + Files.readString(Path.of("src/test/java/org/wsk4j/explore/BugCatalogueTest.java"))
                + Files.readString(Path.of("src/test/java/org/wsk4j/explore/RoutineBeforeReturnTest.java"));
        Matcher snippet = DOC_SNIPPET.matcher(guide);
        int count = 0;
        while (snippet.find()) {
            String name = snippet.group(1);
            assertEquals(region(source, name), snippet.group(2), "snippet " + name + " of docs/testing-guide.md");
            count++;
        }
        assertTrue(count >= 24, "the guide's snippets were found: " + count);
    }

    /** The lines between the tag markers, with the common indentation removed. */
    private static String region(String source, String name) {
        int start = source.indexOf("// tag::" + name + "[]");
        int end = source.indexOf("// end::" + name + "[]");
        assertTrue(start >= 0 && end > start, "tag " + name);
        List<String> lines = source.substring(source.indexOf('\n', start) + 1, source.lastIndexOf('\n', end) + 1)
                .lines().collect(Collectors.toList());
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return lines.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).collect(Collectors.joining("\n")) + "\n";
    }
}
