package org.wsk4j.internal.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.wsk4j.nt.NtStatus.*;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import org.junit.jupiter.api.Test;
import org.wsk4j.logcheck.MaxLogLevel;

/** The documented table of docs/nio-status-mapping.md, row by row. */
class NioStatusMapperTest {

    @org.wsk4j.logcheck.MaxLogLevel(value = "WARN", because = "the unmapped rows are logged at WARN by design")
    @Test
    void everyRowOfTheDocumentedTable() {
        assertEquals(STATUS_CANCELLED, NioStatusMapper.map(new AsynchronousCloseException()));
        assertEquals(STATUS_CANCELLED, NioStatusMapper.map(new ClosedChannelException()));
        assertEquals(STATUS_CONNECTION_ACTIVE, NioStatusMapper.map(new AlreadyConnectedException()));
        assertEquals(STATUS_INVALID_DEVICE_STATE, NioStatusMapper.map(new ConnectionPendingException()));
        assertEquals(STATUS_INVALID_DEVICE_STATE, NioStatusMapper.map(new NotYetConnectedException()));
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, NioStatusMapper.map(new UnresolvedAddressException()));
        assertEquals(STATUS_INVALID_PARAMETER, NioStatusMapper.map(new UnsupportedAddressTypeException()));
        assertEquals(STATUS_ACCESS_DENIED, NioStatusMapper.map(new SecurityException("no")));
        assertEquals(STATUS_IO_TIMEOUT, NioStatusMapper.map(new SocketTimeoutException("connect timed out")));
        assertEquals(STATUS_PORT_UNREACHABLE, NioStatusMapper.map(new PortUnreachableException()));
        assertEquals(STATUS_HOST_UNREACHABLE, NioStatusMapper.map(new NoRouteToHostException("No route to host")));
        assertEquals(STATUS_NETWORK_UNREACHABLE, NioStatusMapper.map(new NoRouteToHostException("Network is unreachable")));
        assertEquals(STATUS_ADDRESS_ALREADY_ASSOCIATED, NioStatusMapper.map(new BindException("Address already in use")));
        assertEquals(STATUS_INVALID_ADDRESS_COMPONENT,
                NioStatusMapper.map(new BindException("Cannot assign requested address")));
        assertEquals(STATUS_ACCESS_DENIED, NioStatusMapper.map(new BindException("Permission denied")));
        assertEquals(STATUS_CONNECTION_REFUSED, NioStatusMapper.map(new ConnectException("Connection refused")));
        assertEquals(STATUS_IO_TIMEOUT, NioStatusMapper.map(new ConnectException("Connection timed out")));
        assertEquals(STATUS_NETWORK_UNREACHABLE, NioStatusMapper.map(new ConnectException("Network is unreachable")));
        assertEquals(STATUS_HOST_UNREACHABLE, NioStatusMapper.map(new ConnectException("No route to host")));
        assertEquals(STATUS_CONNECTION_RESET, NioStatusMapper.map(new SocketException("Connection reset")));
        assertEquals(STATUS_CONNECTION_RESET, NioStatusMapper.map(new IOException("Connection reset by peer")));
        assertEquals(STATUS_CONNECTION_ABORTED, NioStatusMapper.map(new IOException("Broken pipe")));
        assertEquals(STATUS_HOST_DOWN, NioStatusMapper.map(new IOException("Host is down")));
        assertEquals(STATUS_INSUFFICIENT_RESOURCES, NioStatusMapper.map(new IOException("Too many open files")));
        assertEquals(STATUS_INVALID_PARAMETER, NioStatusMapper.map(new SocketException("Address family not supported by protocol")));
        assertEquals(STATUS_ACCESS_DENIED, NioStatusMapper.map(new IOException("Permission denied")));
        assertEquals(STATUS_UNSUCCESSFUL, NioStatusMapper.map(new IOException("something unheard of")));
        assertEquals(STATUS_UNSUCCESSFUL, NioStatusMapper.map(new IllegalStateException()));
    }

    @Test
    @MaxLogLevel("WARN") // the unmapped EINVAL outside a connect is logged at WARN, as every unmapped exception is
    void einvalFromAConnectIsAnAddressProblemOrAnUnreachableHost() throws Exception {
        SocketException einval = new SocketException("Invalid argument");
        assertEquals(STATUS_HOST_UNREACHABLE, NioStatusMapper.mapConnect(einval, peer("192.0.2.1")), "blackhole route");
        assertEquals(STATUS_HOST_UNREACHABLE, NioStatusMapper.mapConnect(einval, null));
        for (String odd : new String[] {"224.0.0.1", "255.255.255.255", "0.0.0.0", "fe80::1", "ff02::1", "::"}) {
            assertEquals(STATUS_INVALID_ADDRESS_COMPONENT, NioStatusMapper.mapConnect(einval, peer(odd)), odd);
        }
        // Other failures map as from any operation.
        assertEquals(STATUS_CONNECTION_REFUSED,
                NioStatusMapper.mapConnect(new ConnectException("Connection refused"), peer("192.0.2.1")));
        assertEquals(STATUS_UNSUCCESSFUL, NioStatusMapper.map(einval), "outside a connect EINVAL stays unmapped");
    }

    private static InetSocketAddress peer(String literal) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(literal), 80);
    }
}
