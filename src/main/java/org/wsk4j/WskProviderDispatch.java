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
     * {@code WskControlClient}: client-level control operations ({@code WSK_TRANSPORT_LIST_QUERY},
     * {@code WSK_SET_STATIC_EVENT_CALLBACKS}, ...).
     *
     * @param client             the client handle
     * @param controlCode        the control code
     * @param inputSize          the input size in bytes
     * @param inputBuffer        the input (a structure object or a byte array), or null
     * @param outputSize         the output size in bytes
     * @param outputBuffer       the output holder, or null
     * @param outputSizeReturned receives the bytes written or needed, or null
     * @param irp                the IRP, required, optional or forbidden depending on the code
     * @return the status (see the WDK page of the control code)
     */
    NtStatus wskControlClient(WskClient client, int controlCode, long inputSize, Object inputBuffer,
                              long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp);

    /**
     * {@code WskGetAddressInfo}: resolves a host and/or service name. PASSIVE_LEVEL only.
     *
     * @param client        the client handle
     * @param nodeName      the host name or numeric address, or null
     * @param serviceName   the service name or port, or null
     * @param nameSpace     the namespace ({@code NS_ALL} 0)
     * @param provider      the namespace provider, or null
     * @param hints         hints, or null
     * @param result        receives the result list
     * @param owningProcess the owning process, or null
     * @param owningThread  the owning thread, or null
     * @param irp           the IRP; required
     * @return STATUS_PENDING, or the failure the IRP was completed with
     */
    NtStatus wskGetAddressInfo(WskClient client, String nodeName, String serviceName, int nameSpace,
                               Object provider, AddrInfoExW hints, Ref<AddrInfoExW> result, Object owningProcess,
                               Object owningThread, Irp irp);

    /**
     * {@code WskFreeAddressInfo}: frees a list returned by {@link #wskGetAddressInfo}.
     *
     * @param client   the client handle
     * @param addrInfo the list
     */
    void wskFreeAddressInfo(WskClient client, AddrInfoExW addrInfo);

    /**
     * {@code WskGetNameInfo}: converts an address to a host and/or service name. PASSIVE_LEVEL only.
     *
     * @param client         the client handle
     * @param sockAddr       the address
     * @param sockAddrLength its length in bytes
     * @param nodeName       receives the host name, or null
     * @param serviceName    receives the service name, or null
     * @param flags          {@code NI_*} flags
     * @param owningProcess  the owning process, or null
     * @param owningThread   the owning thread, or null
     * @param irp            the IRP; required
     * @return STATUS_PENDING, or the failure the IRP was completed with
     */
    NtStatus wskGetNameInfo(WskClient client, SockAddr sockAddr, int sockAddrLength, Ref<String> nodeName,
                            Ref<String> serviceName, int flags, Object owningProcess, Object owningThread, Irp irp);
}
