package org.wsk4j;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.wsk4j.nt.NtStatus;

/**
 * The stateless rules of the socket functions: WskSocket's argument checks, a destination's checks, which events a
 * category may enable, and SIO_ADDRESS_LIST_QUERY (which depends on nothing but the socket's family).
 */
final class SocketRules {

    private SocketRules() {
    }

    /** Checks WskSocket arguments; null when valid, else the status to complete the IRP with. */
    static NtStatus validateCreate(int family, int type, int protocol, int category, Object dispatch) {
        if (category != Wsk.WSK_FLAG_BASIC_SOCKET && category != Wsk.WSK_FLAG_LISTEN_SOCKET
                && category != Wsk.WSK_FLAG_CONNECTION_SOCKET && category != Wsk.WSK_FLAG_DATAGRAM_SOCKET
                && category != Wsk.WSK_FLAG_STREAM_SOCKET) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (family != Wsk.AF_INET && family != Wsk.AF_INET6) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (type == Wsk.SOCK_RAW) {
            return NtStatus.STATUS_NOT_SUPPORTED; // raw sockets need privileges Java does not have
        }
        boolean tcp = type == Wsk.SOCK_STREAM && protocol == Wsk.IPPROTO_TCP;
        boolean udp = type == Wsk.SOCK_DGRAM && protocol == Wsk.IPPROTO_UDP;
        if (!tcp && !udp) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        boolean dispatchOk = dispatch == null || switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET -> dispatch instanceof WskClientListenDispatch;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> dispatch instanceof WskClientConnectionDispatch;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> dispatch instanceof WskClientDatagramDispatch;
            case Wsk.WSK_FLAG_STREAM_SOCKET -> dispatch instanceof WskClientStreamDispatch;
            default -> false;
        };
        return dispatchOk ? null : NtStatus.STATUS_INVALID_PARAMETER;
    }

    /** Checks a destination; null when valid. A wildcard or port 0 destination is not an address to connect to. */
    static NtStatus validateRemote(int family, SockAddr remote) {
        if (remote == null || remote.family() != family) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (remote.isWildcard() || remote.port() == 0) {
            return NtStatus.STATUS_INVALID_ADDRESS_COMPONENT;
        }
        return null;
    }

    /** The event flags a category may enable (a listener may also carry connection events for accepted sockets). */
    static int eventsValidFor(int category, int type) {
        return switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET, Wsk.WSK_FLAG_STREAM_SOCKET -> Wsk.WSK_EVENT_ACCEPT | Wsk.WSK_EVENT_RECEIVE
                    | Wsk.WSK_EVENT_DISCONNECT | Wsk.WSK_EVENT_SEND_BACKLOG;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> Wsk.WSK_EVENT_RECEIVE | Wsk.WSK_EVENT_DISCONNECT
                    | Wsk.WSK_EVENT_SEND_BACKLOG;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> Wsk.WSK_EVENT_RECEIVE_FROM;
            default -> 0;
        };
    }

    /**
     * SIO_ADDRESS_LIST_QUERY: output a {@code SockAddr[]} (filled from the start) or a {@code Ref<SockAddr[]>}.
     * The size needed is that of a SOCKET_ADDRESS_LIST on x64: 8 bytes, then per address a 16-byte
     * SOCKET_ADDRESS and the SOCKADDR itself.
     */
    @SuppressWarnings("unchecked")
    static NtStatus addressListQuery(int family, long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned) {
        List<SockAddr> addresses = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    boolean v6 = address instanceof Inet6Address;
                    if (v6 == (family == Wsk.AF_INET6)) {
                        addresses.add(SockAddr.of(new InetSocketAddress(address, 0)));
                    }
                }
            }
        } catch (SocketException e) {
            return NtStatus.STATUS_UNSUCCESSFUL;
        }
        long needed = 8;
        for (SockAddr address : addresses) {
            needed += 16 + address.length();
        }
        if (outputSizeReturned != null) {
            outputSizeReturned.set(needed);
        }
        SockAddr[] list = addresses.toArray(new SockAddr[0]);
        if (outputBuffer instanceof Ref && outputSize >= needed) {
            ((Ref<Object>) outputBuffer).set(list);
            return NtStatus.STATUS_SUCCESS;
        }
        if (outputBuffer instanceof SockAddr[] && outputSize >= needed && ((SockAddr[]) outputBuffer).length >= list.length) {
            System.arraycopy(list, 0, (SockAddr[]) outputBuffer, 0, list.length);
            return NtStatus.STATUS_SUCCESS;
        }
        return outputBuffer == null || outputSize < needed ? NtStatus.STATUS_BUFFER_OVERFLOW
                : NtStatus.STATUS_INVALID_PARAMETER;
    }
}
