package org.wsk4j.examples.ksocket;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.nt.NtStatus;

/**
 * A transliteration of wbenny/KSOCKET {@code src/ksocket/berkeley.c} (MIT licence): a BSD-socket-style layer of small
 * integer descriptors over {@link KSocket}, so that user-mode-looking code ({@code socket}, {@code connect},
 * {@code send}, {@code recv}, ...) runs in a driver.
 *
 * <p>Reading guide: the C globals {@code KsArray[SOCKETFD_MAX]} and {@code KsIndex} are fields of one instance (one
 * per test), next to the {@link KSocket} instance that holds ksocket.c's globals. {@code struct addrinfo} is
 * {@link AddrInfo}; ANSI and UNICODE_STRING conversions are Java strings, so {@code RtlAnsiStringToUnicodeString} and
 * friends disappear. {@code socklen_t *} out parameters are {@code Ref<Integer>}. Functions return what the C returns:
 * a descriptor, a byte count, 0, or -1 on failure (the NTSTATUS is lost, as in C).
 *
 * <p>The byte-order helpers ({@code htons}, {@code ntohl}, ...) are not ported: wsk4j's {@code SockAddrIn} takes the
 * port and address in host order.
 *
 * <p>Threading: as in C, the descriptor table is not locked; use one {@code Berkeley} from one driver thread at a
 * time, or give each thread its own descriptors (reads of a slot written before the thread was created are safe).
 */
public final class Berkeley {

    // -----------------------------------------------------------------------------------------------------------
    // Definitions.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code #define SOCKETFD_MAX 128}. */
    static final int SOCKETFD_MAX = 128;

    /** {@code #define TO_SOCKETFD(index) ((index % SOCKETFD_MAX))}. */
    static int TO_SOCKETFD(int index) {
        return index % SOCKETFD_MAX;
    }

    /** {@code #define FROM_SOCKETFD(sockfd) ((sockfd))}. */
    static int FROM_SOCKETFD(int sockfd) {
        return sockfd;
    }

    /** {@code sizeof(SOCKADDR)}. */
    static final int SIZEOF_SOCKADDR = 16;

    /**
     * {@code struct addrinfo} ({@code ADDRINFOA}).
     *
     * @param ai_flags     {@code AI_*}
     * @param ai_family    {@code AF_*}
     * @param ai_socktype  {@code SOCK_*}
     * @param ai_protocol  {@code IPPROTO_*}
     * @param ai_addrlen   the length of {@code ai_addr}
     * @param ai_canonname the canonical name, or null
     * @param ai_addr      the address, or null
     * @param ai_next      the next entry, or null
     */
    public record AddrInfo(int ai_flags, int ai_family, int ai_socktype, int ai_protocol, int ai_addrlen,
                           String ai_canonname, SockAddr ai_addr, AddrInfo ai_next) {
    }

    // -----------------------------------------------------------------------------------------------------------
    // Variables.
    // -----------------------------------------------------------------------------------------------------------

    //
    // !!! NOTE !!! (from the C) This is complete bollocks and ideally it should be replaced with something like
    // RTL_AVL_TABLE.
    //

    /** {@code PKSOCKET KsArray[SOCKETFD_MAX] = { 0 };} */
    final KSocket.Socket[] ksArray = new KSocket.Socket[SOCKETFD_MAX];
    /** {@code ULONG KsIndex = 0;} */
    int ksIndex = 0;

    private final KSocket ks;

    /**
     * Creates the layer over ksocket.c's state.
     *
     * @param ks the KSOCKET "driver" (initialized with {@link KSocket#ksInitialize()} before any call here)
     */
    public Berkeley(KSocket ks) {
        this.ks = ks;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Private functions.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code KspUtilAddrInfoToAddrInfoEx}: converts {@code struct addrinfo} (recursively) to {@code ADDRINFOEXW}. */
    static NtStatus kspUtilAddrInfoToAddrInfoEx(AddrInfo addrInfo, Ref<AddrInfoExW> addrInfoEx) {
        NtStatus status;

        //
        // Convert NULL input into NULL output.
        //
        if (addrInfo == null) {
            addrInfoEx.set(null);
            return STATUS_SUCCESS;
        }

        //
        // Copy the next structure (recursively). (C copies the numeric values and the canonical name first, into a
        // pool allocation; a Java record is built last, from the converted tail.)
        //
        Ref<AddrInfoExW> nextAddrInfo = new Ref<>();
        status = kspUtilAddrInfoToAddrInfoEx(addrInfo.ai_next(), nextAddrInfo);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Copy numeric values, the canonical name and the address; link the next structure.
        //
        addrInfoEx.set(new AddrInfoExW(addrInfo.ai_flags(), addrInfo.ai_family(), addrInfo.ai_socktype(),
                addrInfo.ai_protocol(), addrInfo.ai_canonname(), addrInfo.ai_addr(), nextAddrInfo.get()));

        return status;
    }

    /** {@code KspUtilAddrInfoExToAddrInfo}: converts {@code ADDRINFOEXW} (recursively) to {@code struct addrinfo}. */
    static NtStatus kspUtilAddrInfoExToAddrInfo(AddrInfoExW addrInfoEx, Ref<AddrInfo> addrInfo) {
        NtStatus status;

        //
        // Convert NULL input into NULL output.
        //
        if (addrInfoEx == null) {
            addrInfo.set(null);
            return STATUS_SUCCESS;
        }

        //
        // Copy the next structure (recursively).
        //
        Ref<AddrInfo> nextAddrInfo = new Ref<>();
        status = kspUtilAddrInfoExToAddrInfo(addrInfoEx.next(), nextAddrInfo);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Copy numeric values (ai_addrlen: the address's length), the canonical name and the address.
        //
        SockAddr address = addrInfoEx.addr();
        addrInfo.set(new AddrInfo(addrInfoEx.flags(), addrInfoEx.family(), addrInfoEx.sockType(),
                addrInfoEx.protocol(), address == null ? 0 : address.length(), addrInfoEx.canonName(), address,
                nextAddrInfo.get()));

        return status;
    }

    // KspUtilFreeAddrInfo / KspUtilFreeAddrInfoEx free pool memory and strings: the garbage collector's job.

    // -----------------------------------------------------------------------------------------------------------
    // Public functions.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@code getaddrinfo}: resolves through {@link KSocket#ksGetAddrInfo} ({@code WskGetAddressInfo}), converting the
     * hints and the result between {@code struct addrinfo} and {@code ADDRINFOEXW}.
     *
     * @param node    the host, or null
     * @param service the service or port, or null
     * @param hints   the hints, or null
     * @param res     receives the result list
     * @return the NTSTATUS code: {@code STATUS_SUCCESS} (0) or the failure
     */
    public int getaddrinfo(String node, String service, AddrInfo hints, Ref<AddrInfo> res) {
        NtStatus status;

        //
        // Convert node name and service name to UNICODE_STRING (if present): Java strings already are.
        //

        //
        // Convert "struct addrinfo" to the "ADDRINFOEXW".
        //
        Ref<AddrInfoExW> convertedHints = new Ref<>();
        status = kspUtilAddrInfoToAddrInfoEx(hints, convertedHints);

        if (!status.isSuccess()) {
            return status.code();
        }

        //
        // All data is prepared, call the underlying API.
        //
        Ref<AddrInfoExW> result = new Ref<>();
        status = ks.ksGetAddrInfo(node, service, convertedHints.get(), result);

        //
        // Free the memory of the converted "Hints" (KspUtilFreeAddrInfoEx): nothing to do.
        //

        if (!status.isSuccess()) {
            return status.code();
        }

        //
        // Convert the result "ADDRINFOEXW" to the "struct addrinfo".
        //
        status = kspUtilAddrInfoExToAddrInfo(result.get(), res);

        //
        // Free the original result.
        //
        ks.ksFreeAddrInfo(result.get());

        if (!status.isSuccess()) {
            return status.code();
        }

        return STATUS_SUCCESS.code();
    }

    /**
     * {@code freeaddrinfo}: KspUtilFreeAddrInfo, pool memory the garbage collector reclaims.
     *
     * @param res a list from {@link #getaddrinfo}
     */
    public void freeaddrinfo(AddrInfo res) {
        //
        // Call our implementation (KspUtilFreeAddrInfo): nothing to free by hand in Java.
        //
    }

    /** Stores a new socket in the descriptor table: {@code sockfd = TO_SOCKETFD(KsIndex++); KsArray[...] = Socket}. */
    private int newSocketFd(KSocket.Socket socket) {
        int sockfd = TO_SOCKETFD(ksIndex++);

        ksArray[FROM_SOCKETFD(sockfd)] = socket;

        return sockfd;
    }

    /**
     * {@code socket_connection}.
     *
     * @param domain   the family
     * @param type     the type
     * @param protocol the protocol
     * @return the descriptor, or -1
     */
    public int socket_connection(int domain, int type, int protocol) {
        NtStatus status;
        Ref<KSocket.Socket> socket = new Ref<>();

        status = ks.ksCreateConnectionSocket(socket, domain, type, protocol);

        if (status.isSuccess()) {
            return newSocketFd(socket.get());
        }

        return -1;
    }

    /**
     * {@code socket_listen}.
     *
     * @param domain   the family
     * @param type     the type
     * @param protocol the protocol (0 means IPPROTO_TCP)
     * @return the descriptor, or -1
     */
    public int socket_listen(int domain, int type, int protocol) {
        NtStatus status;
        Ref<KSocket.Socket> socket = new Ref<>();

        //
        // WskSocket() returns STATUS_PROTOCOL_UNREACHABLE (0xC000023E) when Protocol == 0, so coerce this value to
        // IPPROTO_TCP here.
        //
        status = ks.ksCreateListenSocket(socket, domain, type, protocol != 0 ? protocol : IPPROTO_TCP);

        if (status.isSuccess()) {
            return newSocketFd(socket.get());
        }

        return -1;
    }

    /**
     * {@code socket_datagram}.
     *
     * @param domain   the family
     * @param type     the type
     * @param protocol the protocol
     * @return the descriptor, or -1
     */
    public int socket_datagram(int domain, int type, int protocol) {
        NtStatus status;
        Ref<KSocket.Socket> socket = new Ref<>();

        status = ks.ksCreateDatagramSocket(socket, domain, type, protocol);

        if (status.isSuccess()) {
            return newSocketFd(socket.get());
        }

        return -1;
    }

    /**
     * {@code connect}.
     *
     * @param sockfd  a connection socket
     * @param addr    the destination
     * @param addrlen ignored
     * @return 0, or -1
     */
    public int connect(int sockfd, SockAddr addr, int addrlen) {
        // UNREFERENCED_PARAMETER(addrlen);
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        status = ks.ksConnect(socket, addr);

        return status.isSuccess() ? 0 : -1;
    }

    /**
     * {@code listen}: a WSK listen socket listens once bound, so there is nothing to do.
     *
     * @param sockfd  ignored
     * @param backlog ignored
     * @return 0
     */
    public int listen(int sockfd, int backlog) {
        // UNREFERENCED_PARAMETER(sockfd); UNREFERENCED_PARAMETER(backlog);
        return 0;
    }

    /**
     * {@code bind}.
     *
     * @param sockfd  the socket
     * @param addr    the local address
     * @param addrlen ignored
     * @return 0, or -1
     */
    public int bind(int sockfd, SockAddr addr, int addrlen) {
        // UNREFERENCED_PARAMETER(addrlen);
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        status = ks.ksBind(socket, addr);

        return status.isSuccess() ? 0 : -1;
    }

    /**
     * {@code accept}.
     *
     * @param sockfd  a listen socket
     * @param addr    receives the remote address, or null
     * @param addrlen receives {@code sizeof(SOCKADDR)}
     * @return the new descriptor, or -1
     */
    public int accept(int sockfd, SockAddr addr, Ref<Integer> addrlen) {
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        Ref<KSocket.Socket> newSocket = new Ref<>();
        status = ks.ksAccept(socket, newSocket, null, addr);
        addrlen.set(SIZEOF_SOCKADDR);

        if (status.isSuccess()) {
            return newSocketFd(newSocket.get());
        }

        return -1;
    }

    /**
     * {@code send}.
     *
     * @param sockfd the socket
     * @param buf    the data
     * @param len    the bytes to send
     * @param flags  WSK_FLAG_*
     * @return the bytes sent, or -1
     */
    public int send(int sockfd, byte[] buf, int len, int flags) {
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        Ref<Integer> length = new Ref<>(len);
        status = ks.ksSend(socket, buf, length, flags);

        return status.isSuccess() ? length.get() : -1;
    }

    /**
     * {@code sendto}.
     *
     * @param sockfd   a datagram socket
     * @param buf      the data
     * @param len      the bytes to send
     * @param flags    reserved
     * @param destAddr the destination
     * @param addrlen  ignored
     * @return the bytes sent, or -1
     */
    public int sendto(int sockfd, byte[] buf, int len, int flags, SockAddr destAddr, int addrlen) {
        // UNREFERENCED_PARAMETER(addrlen);
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        Ref<Integer> length = new Ref<>(len);
        status = ks.ksSendTo(socket, buf, length, flags, destAddr);

        return status.isSuccess() ? length.get() : -1;
    }

    /**
     * {@code recv}.
     *
     * @param sockfd the socket
     * @param buf    receives the data
     * @param len    the room
     * @param flags  WSK_FLAG_*
     * @return the bytes received (0 when the peer closed its side), or -1
     */
    public int recv(int sockfd, byte[] buf, int len, int flags) {
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        Ref<Integer> length = new Ref<>(len);
        status = ks.ksRecv(socket, buf, length, flags);

        return status.isSuccess() ? length.get() : -1;
    }

    /**
     * {@code recvfrom}.
     *
     * @param sockfd  a datagram socket
     * @param buf     receives the data
     * @param len     the room
     * @param flags   reserved
     * @param srcAddr receives the source
     * @param addrlen receives {@code sizeof(SOCKADDR)}
     * @return the bytes received, or -1
     */
    public int recvfrom(int sockfd, byte[] buf, int len, int flags, SockAddr srcAddr, Ref<Integer> addrlen) {
        // UNREFERENCED_PARAMETER(addrlen);
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        Ref<Integer> length = new Ref<>(len);
        // [KSOCKET bug] berkeley.c calls KsSendTo here, so recvfrom sends the (uninitialized) buffer to src_addr
        // instead of receiving. The port calls KsRecvFrom.
        status = ks.ksRecvFrom(socket, buf, length, flags, srcAddr);
        addrlen.set(SIZEOF_SOCKADDR);

        return status.isSuccess() ? length.get() : -1;
    }

    /**
     * {@code closesocket}.
     *
     * @param sockfd the socket
     * @return 0, or -1
     */
    public int closesocket(int sockfd) {
        NtStatus status;
        KSocket.Socket socket = ksArray[FROM_SOCKETFD(sockfd)];

        status = ks.ksCloseSocket(socket);

        ksArray[FROM_SOCKETFD(sockfd)] = null;

        return status.isSuccess() ? 0 : -1;
    }
}
