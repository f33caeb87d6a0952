package org.wsk4j;

import org.wsk4j.nt.NtStatus;

/**
 * WSK constants with their C names and values, and the registration functions on the process-wide
 * default {@link WskSubsystem} (real sockets through java.nio, the direct completion executor).
 *
 * <pre>{@code
 * import static org.wsk4j.Wsk.*;
 * import static org.wsk4j.nt.NtStatus.*;
 *
 * WskRegistration registration = new WskRegistration();
 * NtStatus status = wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
 *         registration);
 * WskProviderNpi npi = new WskProviderNpi();
 * status = wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi);
 * }</pre>
 *
 * <p>{@code wskRegister} acts on the calling thread's subsystem ({@link WskSubsystem#current()}): the one bound with
 * {@link WskSubsystem#bindToCurrentThread()} (driver threads inherit their creator's; {@code @WskTest} binds the
 * test thread), else the default subsystem, which is created on first use and lives as long as the JVM (its threads
 * are daemons). The other registration functions act on the subsystem the registration belongs to.
 */
public final class Wsk {

    private Wsk() {
    }

    // ---- versions -------------------------------------------------------------------------------
    /**
     * {@code MAKE_WSK_VERSION(Mj, Mn)}: {@code (Mj << 8) | (Mn & 0xFF)}.
     *
     * @param major the major version
     * @param minor the minor version
     * @return the version number, for example 0x0100 for 1.0
     */
    public static int MAKE_WSK_VERSION(int major, int minor) {
        return ((major & 0xFF) << 8) | (minor & 0xFF);
    }

    /**
     * {@code WSK_MAJOR_VERSION(V)}.
     *
     * @param version a version number
     * @return its major part
     */
    public static int WSK_MAJOR_VERSION(int version) {
        return (version >> 8) & 0xFF;
    }

    /**
     * {@code WSK_MINOR_VERSION(V)}.
     *
     * @param version a version number
     * @return its minor part
     */
    public static int WSK_MINOR_VERSION(int version) {
        return version & 0xFF;
    }

    /** {@code WskCaptureProviderNPI} wait: return at once. */
    public static final int WSK_NO_WAIT = 0;
    /** {@code WskCaptureProviderNPI} wait: wait until the provider is ready (0xFFFFFFFF). */
    public static final int WSK_INFINITE_WAIT = 0xFFFFFFFF;

    // ---- socket categories (WskSocket Flags) ------------------------------------------------------
    /** Basic socket: options and IOCTLs only. */
    public static final int WSK_FLAG_BASIC_SOCKET = 0x00000000;
    /** Listening socket: bind starts listening; accepts connections. */
    public static final int WSK_FLAG_LISTEN_SOCKET = 0x00000001;
    /** Connection-oriented socket: bind, connect, send, receive, disconnect. */
    public static final int WSK_FLAG_CONNECTION_SOCKET = 0x00000002;
    /** Datagram socket: bind, send and receive datagrams. */
    public static final int WSK_FLAG_DATAGRAM_SOCKET = 0x00000004;
    /** Stream socket (Windows 10 1703+): becomes a listener or a connection on first use. */
    public static final int WSK_FLAG_STREAM_SOCKET = 0x00000008;

    // ---- I/O flags ---------------------------------------------------------------------------------
    /** WskSend: urgent (out-of-band) data. */
    public static final int WSK_FLAG_OOB = 0x00000001;
    /** WskSend: push the data now (TCP no-delay for this send). */
    public static final int WSK_FLAG_NODELAY = 0x00000002;
    /** WskReceive: complete only when the buffer is full (or on close, cancel, error). */
    public static final int WSK_FLAG_WAITALL = 0x00000002;
    /** WskReceive: discard incoming data until disconnect; Length must be 0. */
    public static final int WSK_FLAG_DRAIN = 0x00000004;
    /** WskDisconnect and WskDisconnectEvent: abortive (reset). */
    public static final int WSK_FLAG_ABORTIVE = 0x00000001;
    /** WskReceiveEvent: release the indicated data as soon as possible. */
    public static final int WSK_FLAG_RELEASE_ASAP = 0x00000002;
    /** WskReceiveEvent: the indication ends a message (TCP: PUSH seen). */
    public static final int WSK_FLAG_ENTIRE_MESSAGE = 0x00000004;
    /** Event callbacks: the callback definitely runs at DISPATCH_LEVEL. */
    public static final int WSK_FLAG_AT_DISPATCH_LEVEL = 0x00000008;

    // ---- event masks -------------------------------------------------------------------------------
    /** Event mask: WskSendBacklogEvent. */
    public static final int WSK_EVENT_SEND_BACKLOG = 0x00000010;
    /** Event mask: WskReceiveEvent. */
    public static final int WSK_EVENT_RECEIVE = 0x00000040;
    /** Event mask: WskDisconnectEvent. */
    public static final int WSK_EVENT_DISCONNECT = 0x00000080;
    /** Event mask: WskReceiveFromEvent. */
    public static final int WSK_EVENT_RECEIVE_FROM = 0x00000100;
    /** Event mask: WskAcceptEvent. */
    public static final int WSK_EVENT_ACCEPT = 0x00000200;
    /** Event mask modifier: disable the named event. */
    public static final int WSK_EVENT_DISABLE = 0x80000000;

    // ---- client control codes ----------------------------------------------------------------------
    /** WskControlClient: query the transport list (IRP must be null). */
    public static final int WSK_TRANSPORT_LIST_QUERY = 2;
    /** WskControlClient: wait for a transport list change (IRP required). */
    public static final int WSK_TRANSPORT_LIST_CHANGE = 3;
    /** WskControlClient: cache a security descriptor (IRP must be null). */
    public static final int WSK_CACHE_SD = 4;
    /** WskControlClient: release a cached security descriptor (IRP must be null). */
    public static final int WSK_RELEASE_SD = 5;
    /** WskControlClient: TDI device name mapping (IRP must be null). */
    public static final int WSK_TDI_DEVICENAME_MAPPING = 6;
    /** WskControlClient: set static event callbacks before any socket exists (IRP must be null). */
    public static final int WSK_SET_STATIC_EVENT_CALLBACKS = 7;
    /** WskControlClient: TDI behaviour flags (IRP must be null). */
    public static final int WSK_TDI_BEHAVIOR = 8;
    /** WSK_TDI_BEHAVIOR flag: bypass TDI filters. */
    public static final int WSK_TDI_BEHAVIOR_BYPASS_TDI = 0x00000001;

    /**
     * {@code NPI_WSK_INTERFACE_ID} = {2227E803-8D8B-11D4-ABAD-009027719E09}: the WSK network programming
     * interface identifier, the {@code NpiId} of a {@link WskEventCallbackControl} (WSK_SET_STATIC_EVENT_CALLBACKS
     * and SO_WSK_EVENT_CALLBACK).
     */
    public static final java.util.UUID NPI_WSK_INTERFACE_ID =
            java.util.UUID.fromString("2227E803-8D8B-11D4-ABAD-009027719E09");

    // ---- name resolution (WS2DEF.H) -----------------------------------------------------------------
    /** {@code NS_ALL}: WskGetAddressInfo NameSpace: all namespaces. */
    public static final int NS_ALL = 0;
    /** {@code NS_DNS}: WskGetAddressInfo NameSpace: the domain name system. */
    public static final int NS_DNS = 12;
    /** {@code AI_PASSIVE}: with a null NodeName, return wildcard addresses (for bind). */
    public static final int AI_PASSIVE = 0x00000001;
    /** {@code AI_CANONNAME}: return the canonical name in the first entry's {@code ai_canonname}. */
    public static final int AI_CANONNAME = 0x00000002;
    /** {@code AI_NUMERICHOST}: NodeName must be a numeric address; never resolved by name. */
    public static final int AI_NUMERICHOST = 0x00000004;
    /** {@code AI_NUMERICSERV}: ServiceName must be a numeric port. */
    public static final int AI_NUMERICSERV = 0x00000008;
    /** {@code AI_ALL}: with AI_V4MAPPED, all IPv6 and IPv4-mapped addresses (accepted; no effect in wsk4j). */
    public static final int AI_ALL = 0x00000100;
    /** {@code AI_ADDRCONFIG}: only families configured locally (accepted; no effect in wsk4j). */
    public static final int AI_ADDRCONFIG = 0x00000400;
    /** {@code AI_V4MAPPED}: IPv4-mapped IPv6 addresses when no IPv6 exists (accepted; no effect in wsk4j). */
    public static final int AI_V4MAPPED = 0x00000800;
    /** {@code AI_FQDN}: return the fully qualified name (accepted; no effect in wsk4j). */
    public static final int AI_FQDN = 0x00020000;
    /** {@code NI_NOFQDN}: WskGetNameInfo: only the host part of a name (its first label). */
    public static final int NI_NOFQDN = 0x01;
    /** {@code NI_NUMERICHOST}: WskGetNameInfo: the numeric address text, no reverse lookup. */
    public static final int NI_NUMERICHOST = 0x02;
    /** {@code NI_NAMEREQD}: WskGetNameInfo: fail (STATUS_NOT_FOUND) when no name is found. */
    public static final int NI_NAMEREQD = 0x04;
    /** {@code NI_NUMERICSERV}: WskGetNameInfo: the port number as text, not a service name. */
    public static final int NI_NUMERICSERV = 0x08;
    /** {@code NI_DGRAM}: WskGetNameInfo: the service is datagram-based (accepted; no effect in wsk4j). */
    public static final int NI_DGRAM = 0x10;

    // ---- address families, socket types, protocols ---------------------------------------------
    /** {@code AF_UNSPEC}. */
    public static final int AF_UNSPEC = 0;
    /** {@code AF_INET}: IPv4. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}: IPv6 (23 on Windows, not Linux's 10). */
    public static final int AF_INET6 = 23;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_RDM}. */
    public static final int SOCK_RDM = 4;
    /** {@code SOCK_SEQPACKET}. */
    public static final int SOCK_SEQPACKET = 5;
    /** {@code IPPROTO_IP}. */
    public static final int IPPROTO_IP = 0;
    /** {@code IPPROTO_ICMP}. */
    public static final int IPPROTO_ICMP = 1;
    /** {@code IPPROTO_TCP}. */
    public static final int IPPROTO_TCP = 6;
    /** {@code IPPROTO_UDP}. */
    public static final int IPPROTO_UDP = 17;
    /** {@code IPPROTO_IPV6}: also the option level for IPv6 options. */
    public static final int IPPROTO_IPV6 = 41;
    /** {@code IPPROTO_ICMPV6}. */
    public static final int IPPROTO_ICMPV6 = 58;
    /** {@code IPPROTO_RAW}. */
    public static final int IPPROTO_RAW = 255;

    // ---- socket options -----------------------------------------------------------------------------
    /** {@code SOL_SOCKET}: the socket-level option level. */
    public static final int SOL_SOCKET = 0xFFFF;
    /** {@code SO_REUSEADDR}. */
    public static final int SO_REUSEADDR = 0x0004;
    /** {@code SO_EXCLUSIVEADDRUSE}: {@code ~SO_REUSEADDR}. */
    public static final int SO_EXCLUSIVEADDRUSE = ~SO_REUSEADDR;
    /** {@code SO_KEEPALIVE}. */
    public static final int SO_KEEPALIVE = 0x0008;
    /** {@code SO_BROADCAST}. */
    public static final int SO_BROADCAST = 0x0020;
    /** {@code SO_LINGER}. */
    public static final int SO_LINGER = 0x0080;
    /** {@code SO_SNDBUF}. */
    public static final int SO_SNDBUF = 0x1001;
    /** {@code SO_RCVBUF}. */
    public static final int SO_RCVBUF = 0x1002;
    /** {@code SO_CONDITIONAL_ACCEPT}. */
    public static final int SO_CONDITIONAL_ACCEPT = 0x3002;
    /** {@code WSK_SO_BASE}. */
    public static final int WSK_SO_BASE = 0x4000;
    /** {@code SO_WSK_SECURITY}. */
    public static final int SO_WSK_SECURITY = WSK_SO_BASE + 1;
    /** {@code SO_WSK_EVENT_CALLBACK}. */
    public static final int SO_WSK_EVENT_CALLBACK = WSK_SO_BASE + 2;
    /** {@code TCP_NODELAY}, level IPPROTO_TCP. */
    public static final int TCP_NODELAY = 0x0001;
    /** {@code IPV6_V6ONLY}, level IPPROTO_IPV6. */
    public static final int IPV6_V6ONLY = 27;

    // ---- socket IOCTLs (WskIoctl) ----------------------------------------------------------------------
    /** {@code SIO_WSK_SET_REMOTE_ADDRESS}: fixed remote address of a datagram socket (filters receives). */
    public static final int SIO_WSK_SET_REMOTE_ADDRESS = 0x8F000001;
    /** {@code SIO_WSK_REGISTER_EXTENSION}. */
    public static final int SIO_WSK_REGISTER_EXTENSION = 0xCF000002;
    /** {@code SIO_WSK_QUERY_IDEAL_SEND_BACKLOG}. */
    public static final int SIO_WSK_QUERY_IDEAL_SEND_BACKLOG = 0x4F000003;
    /** {@code SIO_WSK_QUERY_RECEIVE_BACKLOG}. */
    public static final int SIO_WSK_QUERY_RECEIVE_BACKLOG = 0x4F000004;
    /** {@code SIO_WSK_QUERY_INSPECT_ID}. */
    public static final int SIO_WSK_QUERY_INSPECT_ID = 0x4F000005;
    /** {@code SIO_WSK_SET_SENDTO_ADDRESS}: default destination of a datagram socket. */
    public static final int SIO_WSK_SET_SENDTO_ADDRESS = 0x8F000006;
    /** {@code SIO_WSK_SET_TCP_SILENT_MODE}. */
    public static final int SIO_WSK_SET_TCP_SILENT_MODE = 0x2F000007;
    /** {@code SIO_ADDRESS_LIST_QUERY}. */
    public static final int SIO_ADDRESS_LIST_QUERY = 0x48000016;
    /** {@code SIO_ADDRESS_LIST_CHANGE}. */
    public static final int SIO_ADDRESS_LIST_CHANGE = 0x28000017;

    // ---- datagram control flags ---------------------------------------------------------------------
    /** {@code MSG_TRUNC}: the datagram was larger than the buffer. */
    public static final int MSG_TRUNC = 0x0100;
    /** {@code MSG_CTRUNC}: the control data was truncated. */
    public static final int MSG_CTRUNC = 0x0200;
    /** {@code MSG_BCAST}: a broadcast datagram. */
    public static final int MSG_BCAST = 0x0400;
    /** {@code MSG_MCAST}: a multicast datagram. */
    public static final int MSG_MCAST = 0x0800;

    // ---- registration functions on the default subsystem -------------------------------------------

    /**
     * {@code WskRegister} on the calling thread's subsystem ({@link WskSubsystem#current()}): the one bound to the
     * thread (inside {@code @WskTest}, the test's), else the default subsystem.
     *
     * @param wskClientNpi    the client's NPI
     * @param wskRegistration an unused registration block to fill
     * @return see {@link WskSubsystem#wskRegister}
     */
    public static NtStatus wskRegister(WskClientNpi wskClientNpi, WskRegistration wskRegistration) {
        return WskSubsystem.current().wskRegister(wskClientNpi, wskRegistration);
    }

    /**
     * {@code WskCaptureProviderNPI} on the registration's subsystem.
     *
     * @param wskRegistration the registration
     * @param waitTimeout     {@link #WSK_NO_WAIT}, {@link #WSK_INFINITE_WAIT}, or milliseconds
     * @param wskProviderNpi  the NPI to fill
     * @return see {@link WskSubsystem#wskCaptureProviderNpi}
     */
    public static NtStatus wskCaptureProviderNpi(WskRegistration wskRegistration, int waitTimeout,
                                                 WskProviderNpi wskProviderNpi) {
        return WskSubsystem.of(wskRegistration).wskCaptureProviderNpi(wskRegistration, waitTimeout, wskProviderNpi);
    }

    /**
     * {@code WskReleaseProviderNPI} on the registration's subsystem.
     *
     * @param wskRegistration the registration
     */
    public static void wskReleaseProviderNpi(WskRegistration wskRegistration) {
        WskSubsystem.of(wskRegistration).wskReleaseProviderNpi(wskRegistration);
    }

    /**
     * {@code WskQueryProviderCharacteristics} on the registration's subsystem.
     *
     * @param wskRegistration the registration
     * @param characteristics the structure to fill
     * @return see {@link WskSubsystem#wskQueryProviderCharacteristics}
     */
    public static NtStatus wskQueryProviderCharacteristics(WskRegistration wskRegistration,
                                                           WskProviderCharacteristics characteristics) {
        return WskSubsystem.of(wskRegistration).wskQueryProviderCharacteristics(wskRegistration, characteristics);
    }

    /**
     * {@code WskDeregister} on the registration's subsystem.
     *
     * @param wskRegistration the registration
     */
    public static void wskDeregister(WskRegistration wskRegistration) {
        WskSubsystem.of(wskRegistration).wskDeregister(wskRegistration);
    }
}
