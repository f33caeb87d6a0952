package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * {@code WSK_PROVIDER_DISPATCH}: the client-level WSK functions, obtained from {@link WskProviderNpi#dispatch()}.
 *
 * <p><b>Return convention</b> (for every function with an IRP): STATUS_PENDING means the IRP will be
 * completed later (possibly before the call returns, on another thread); any other status means the IRP
 * was already completed with that status before the call returned. Only a missing required IRP (or
 * similar argument errors that leave nothing to complete) returns a status without completing anything.
 * Like Windows, wsk4j returns STATUS_PENDING even for requests that succeed at once.
 *
 * <p>Every function may be called at PASSIVE_LEVEL or DISPATCH_LEVEL unless noted, from any thread.
 */
public interface WskProviderDispatch {

    /**
     * {@code Version}: the WSK version this table implements.
     *
     * @return for example 0x0100
     */
    int version();

    /**
     * {@code Reserved}.
     *
     * @return 0
     */
    int reserved();

    /**
     * {@code WskSocket}: creates a socket of the category given by {@code flags}. On success the new
     * {@link WskSocket} is in the IRP's {@code IoStatus.Information} (see {@link org.wsk4j.nt.IoStatusBlock});
     * all its event callbacks start disabled.
     *
     * @param client             the client handle
     * @param addressFamily      {@link Wsk#AF_INET} or {@link Wsk#AF_INET6}
     * @param socketType         {@link Wsk#SOCK_STREAM} or {@link Wsk#SOCK_DGRAM}
     * @param protocol           {@link Wsk#IPPROTO_TCP} or {@link Wsk#IPPROTO_UDP}
     * @param flags              one of the {@code WSK_FLAG_*_SOCKET} values
     * @param socketContext      passed back to the socket's event callbacks, or null
     * @param dispatch           the client dispatch table of the category
     *                           ({@link WskClientListenDispatch}, {@link WskClientConnectionDispatch},
     *                           {@link WskClientDatagramDispatch}, {@link WskClientStreamDispatch}), or null
     * @param owningProcess      the owning process for security checks, or null
     * @param owningThread       the owning thread, or null
     * @param securityDescriptor a cached security descriptor, or null
     * @param irp                the IRP; required
     * @return STATUS_PENDING, or the failure the IRP was completed with: STATUS_INVALID_HANDLE (no or
     *         foreign client), STATUS_INVALID_PARAMETER (bad flags, family, type or protocol, or a dispatch
     *         table of another category), STATUS_NOT_SUPPORTED (SOCK_RAW), STATUS_INSUFFICIENT_RESOURCES;
     *         STATUS_INVALID_PARAMETER without completion when {@code irp} is null
     */
    NtStatus wskSocket(WskClient client, int addressFamily, int socketType, int protocol, int flags,
                       Object socketContext, Object dispatch, Object owningProcess, Object owningThread,
                       Object securityDescriptor, Irp irp);

    /**
     * {@code WskSocketConnect}: creates a connection-oriented socket, binds it to {@code localAddress}
     * and connects it to {@code remoteAddress}. The family is taken from {@code localAddress}. On success
     * the new socket is in {@code IoStatus.Information}; on failure no socket is handed out and nothing
     * is left open.
     *
     * @param client             the client handle
     * @param socketType         {@link Wsk#SOCK_STREAM}
     * @param protocol           {@link Wsk#IPPROTO_TCP}
     * @param localAddress       the local address (a wildcard with port 0 lets the stack choose)
     * @param remoteAddress      the destination, of the same family
     * @param flags              reserved; must be 0
     * @param socketContext      passed back to event callbacks, or null
     * @param dispatch           the connection callbacks, or null
     * @param owningProcess      the owning process, or null
     * @param owningThread       the owning thread, or null
     * @param securityDescriptor a cached security descriptor, or null
     * @param irp                the IRP; required
     * @return STATUS_PENDING, or the failure the IRP was completed with
     */
    NtStatus wskSocketConnect(WskClient client, int socketType, int protocol, SockAddr localAddress,
                              SockAddr remoteAddress, int flags, Object socketContext,
                              WskClientConnectionDispatch dispatch, Object owningProcess, Object owningThread,
                              Object securityDescriptor, Irp irp);

    /**
     * {@code WskControlClient}: client-level control operations. IRQL &lt;= DISPATCH_LEVEL.
     *
     * <table>
     * <caption>Control codes</caption>
     * <tr><th>code</th><th>IRP</th><th>input / output</th></tr>
     * <tr><td>{@link Wsk#WSK_TRANSPORT_LIST_QUERY}</td><td>must be null</td><td>output: a {@link WskTransport}[]
     *     with room for every entry (OutputSize at least entries &times; {@link WskTransport#SIZE}), or a
     *     {@code Ref<WskTransport[]>} set to the whole list (OutputSize not checked); OutputSize 0 and a
     *     null buffer, or a buffer too small: STATUS_BUFFER_OVERFLOW with the bytes needed in
     *     {@code outputSizeReturned}; on success the bytes written</td></tr>
     * <tr><td>{@link Wsk#WSK_TRANSPORT_LIST_CHANGE}</td><td>required</td><td>the IRP stays pending (the
     *     list never changes in wsk4j) until IoCancelIrp or WskDeregister complete it with
     *     STATUS_CANCELLED</td></tr>
     * <tr><td>{@link Wsk#WSK_SET_STATIC_EVENT_CALLBACKS}</td><td>must be null</td><td>input: a
     *     {@link WskEventCallbackControl} (InputSize at least {@link WskEventCallbackControl#SIZE}); before
     *     the first socket, once per registration (else STATUS_INVALID_DEVICE_STATE)</td></tr>
     * <tr><td>{@link Wsk#WSK_CACHE_SD}</td><td>must be null</td><td>input: an uncached
     *     {@link SecurityDescriptor}; output: a {@code Ref<SecurityDescriptor>} set to the cached copy</td></tr>
     * <tr><td>{@link Wsk#WSK_RELEASE_SD}</td><td>must be null</td><td>input: a descriptor this client cached
     *     and did not release yet (else STATUS_INVALID_PARAMETER)</td></tr>
     * <tr><td>{@link Wsk#WSK_TDI_BEHAVIOR}</td><td>must be null</td><td>input: an {@code Integer} or
     *     {@code Long} of flags, only {@link Wsk#WSK_TDI_BEHAVIOR_BYPASS_TDI}; before the first
     *     socket</td></tr>
     * <tr><td>{@link Wsk#WSK_TDI_DEVICENAME_MAPPING}</td><td>must be null</td><td>STATUS_NOT_SUPPORTED: wsk4j
     *     has no TDI transports</td></tr>
     * </table>
     *
     * <p>An IRP given with a code that takes none, or with an unknown code, is completed with
     * STATUS_INVALID_PARAMETER, which is also returned; with an IRP, {@code IoStatus.Information} is the
     * number of bytes written to the output.
     *
     * @param client             the client handle
     * @param controlCode        the control code
     * @param inputSize          the input size in bytes
     * @param inputBuffer        the input (see the table), or null
     * @param outputSize         the output size in bytes
     * @param outputBuffer       the output holder (see the table), or null
     * @param outputSizeReturned receives the bytes written or needed, or null
     * @param irp                the IRP, required or forbidden depending on the code
     * @return the final status (no IRP); STATUS_PENDING or the status the IRP was completed with;
     *         STATUS_INVALID_HANDLE for a null or foreign client (an IRP given is completed with it)
     */
    NtStatus wskControlClient(WskClient client, int controlCode, long inputSize, Object inputBuffer,
                              long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp);

    /**
     * {@code WskGetAddressInfo}: resolves a host and/or service name like GetAddrInfoW. PASSIVE_LEVEL only
     * (checked: {@link org.wsk4j.nt.VerifierRule#IRQL_NOT_PASSIVE}, before the IRP is accepted).
     *
     * <p>Resolution runs on a resolver thread of the subsystem, never on the caller's or a completion
     * thread; on a transport with a {@link org.wsk4j.spi.NameService} (the simulated network) that service
     * answers name lookups instead, with no thread. Numeric hosts ("127.0.0.1", "::1") and ports never use DNS; "localhost" resolves to ::1 and
     * 127.0.0.1 without DNS; names in the {@code .invalid} TLD (RFC 2606) fail at once. Service names:
     * digits, or ftp 21, ssh 22, smtp 25, domain 53, http 80, https 443. Each result entry has the hints'
     * socket type and protocol (0 when not hinted), and an {@code addr} ({@link SockAddrIn} or
     * {@link SockAddrIn6}) with the port. The IRP completes with STATUS_SUCCESS and Information 0
     * (observed), the list in {@code result}; free it with {@link #wskFreeAddressInfo}. The IRP is
     * cancelable.
     *
     * @param client        the client handle
     * @param nodeName      the host name or numeric address, or null
     * @param serviceName   the service name or port, or null (not both null or empty)
     * @param nameSpace     {@link Wsk#NS_ALL} or {@link Wsk#NS_DNS}
     * @param provider      the namespace provider; must be null (none are modelled)
     * @param hints         hints ({@code ai_flags} AI_PASSIVE, AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV;
     *                      {@code ai_family}; {@code ai_socktype}; {@code ai_protocol}), or null
     * @param result        receives the result list
     * @param owningProcess the owning process, or null
     * @param owningThread  the owning thread, or null
     * @param irp           the IRP; required
     * @return STATUS_PENDING; or the status the IRP was completed with at once: STATUS_INVALID_PARAMETER
     *         (no node and no service, malformed hints, other namespace, an owning thread without its
     *         process), STATUS_INVALID_HANDLE; the IRP
     *         completes later with STATUS_SUCCESS, STATUS_NOT_FOUND (the name or service does not resolve,
     *         or no address of the hinted family) or STATUS_CANCELLED. A null IRP: STATUS_INVALID_PARAMETER,
     *         nothing completed
     */
    NtStatus wskGetAddressInfo(WskClient client, String nodeName, String serviceName, int nameSpace,
                               Object provider, AddrInfoExW hints, Ref<AddrInfoExW> result, Object owningProcess,
                               Object owningThread, Irp irp);

    /**
     * {@code WskFreeAddressInfo}: frees a list returned by {@link #wskGetAddressInfo}. PASSIVE_LEVEL only.
     * Freeing a list twice, a list another client got, or anything but the head of a returned list is
     * a verifier violation ({@link org.wsk4j.nt.VerifierRule#ADDRINFO_BAD_FREE}); null is ignored.
     *
     * @param client   the client handle
     * @param addrInfo the head of the list
     */
    void wskFreeAddressInfo(WskClient client, AddrInfoExW addrInfo);

    /**
     * {@code WskGetNameInfo}: converts an address to a host and/or service name like GetNameInfoW.
     * PASSIVE_LEVEL only (checked before the IRP is accepted).
     *
     * <p>The host is the numeric text with {@link Wsk#NI_NUMERICHOST} (IPv6 compressed, RFC 5952), else a
     * reverse lookup on a resolver thread, falling back to the numeric text unless {@link Wsk#NI_NAMEREQD}
     * (then STATUS_NOT_FOUND); {@link Wsk#NI_NOFQDN} keeps the first label. The service is the port number
     * with {@link Wsk#NI_NUMERICSERV}, else its name in the built-in table (see {@link #wskGetAddressInfo}),
     * else the number. {@link Wsk#NI_DGRAM} has no effect. Information is 0.
     *
     * @param client         the client handle
     * @param sockAddr       the address ({@link SockAddrIn}, {@link SockAddrIn6}, or a filled
     *                       {@link SockAddrStorage})
     * @param sockAddrLength its length in bytes: at least the address's own length, at most 128
     * @param nodeName       receives the host name, or null
     * @param serviceName    receives the service name, or null (not both null)
     * @param flags          {@code NI_*} flags
     * @param owningProcess  the owning process, or null
     * @param owningThread   the owning thread, or null
     * @param irp            the IRP; required
     * @return STATUS_PENDING, or the failure the IRP was completed with (STATUS_INVALID_PARAMETER, also for an
     *         owning thread without its process; STATUS_INVALID_HANDLE); a null IRP: STATUS_INVALID_PARAMETER,
     *         nothing completed
     */
    NtStatus wskGetNameInfo(WskClient client, SockAddr sockAddr, int sockAddrLength, Ref<String> nodeName,
                            Ref<String> serviceName, int flags, Object owningProcess, Object owningThread, Irp irp);
}
