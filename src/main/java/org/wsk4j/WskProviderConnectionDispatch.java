package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * {@code WSK_PROVIDER_CONNECTION_DISPATCH}: the provider functions of a connection-oriented socket ({@link Wsk#WSK_FLAG_CONNECTION_SOCKET}, and every accepted socket), in WDK member order after the
 * {@link WskProviderBasicDispatch} members. Obtain it by casting {@link WskSocket#dispatch()}.
 *
 * <p>Every function may be called at PASSIVE_LEVEL or DISPATCH_LEVEL, from any thread, but not after
 * {@code WskCloseSocket} was called for the socket.
 */
public interface WskProviderConnectionDispatch extends WskProviderBasicDispatch {

    /**
     * {@code WskBind}: binds the socket to a local transport address (a wildcard address and/or port 0
     * lets the stack choose). On a listening socket, bind starts listening. Flags are reserved (0).
     * Completes with STATUS_SUCCESS, STATUS_ADDRESS_ALREADY_ASSOCIATED when the address is in use,
     * STATUS_INVALID_ADDRESS_COMPONENT when it is not local, STATUS_INVALID_DEVICE_STATE when already
     * bound, STATUS_INVALID_PARAMETER for a bad address or flags. Follows the return convention of {@link
     * WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing IRP
     * returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskBind(WskSocket socket, SockAddr localAddress, int flags, Irp irp);

    /**
     * {@code WskConnect}: connects a bound socket to a remote transport address. Flags are reserved (0).
     * Completes with STATUS_SUCCESS (Information 0), STATUS_INVALID_DEVICE_STATE when the socket was never
     * bound (returned and in the IRP), STATUS_CONNECTION_ACTIVE when already connected,
     * STATUS_CONNECTION_REFUSED, STATUS_IO_TIMEOUT, STATUS_HOST_UNREACHABLE, STATUS_NETWORK_UNREACHABLE,
     * or STATUS_CANCELLED when the IRP is cancelled or the socket closed. Follows the return convention of
     * {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing
     * IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskConnect(WskSocket socket, SockAddr remoteAddress, int flags, Irp irp);

    /**
     * {@code WskGetLocalAddress}: writes the socket's local address into {@code localAddress} (a structure
     * able to hold the socket's family). STATUS_INVALID_DEVICE_STATE when the socket is not bound. Follows
     * the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was
     * completed with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskGetLocalAddress(WskSocket socket, SockAddr localAddress, Irp irp);

    /**
     * {@code WskGetRemoteAddress}: writes the connected peer's address into {@code remoteAddress}.
     * STATUS_INVALID_DEVICE_STATE when the socket is not connected. Follows the return convention of
     * {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing
     * IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskGetRemoteAddress(WskSocket socket, SockAddr remoteAddress, Irp irp);

    /**
     * {@code WskSend}: sends data on a connected socket; completes only when all of it was sent, with
     * Information = bytes sent. Flags: {@link Wsk#WSK_FLAG_NODELAY}; others give STATUS_NOT_SUPPORTED.
     * Follows the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP
     * was completed with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskSend(WskSocket socket, WskBuf buffer, int flags, Irp irp);

    /**
     * {@code WskReceive}: receives data; completes as soon as some data is available (unless {@link
     * Wsk#WSK_FLAG_WAITALL}) with Information = bytes received; STATUS_SUCCESS with 0 bytes means the peer
     * closed gracefully. Follows the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or
     * the failure the IRP was completed with; a missing IRP returns STATUS_INVALID_PARAMETER without
     * completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskReceive(WskSocket socket, WskBuf buffer, int flags, Irp irp);

    /**
     * {@code WskDisconnect}: graceful (flags 0, optional final buffer; receiving still works) or abortive
     * ({@link Wsk#WSK_FLAG_ABORTIVE}, buffer null) disconnect. Follows the return convention of {@link
     * WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing IRP
     * returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskDisconnect(WskSocket socket, WskBuf buffer, int flags, Irp irp);

    /**
     * {@code WskRelease}: gives back a data indication list retained by a receive event callback.
     * Synchronous; no IRP. STATUS_SUCCESS or STATUS_INVALID_PARAMETER.
     *
     * @return the status, as described above
     */
    NtStatus wskRelease(WskSocket socket, WskDataIndication dataIndication);

    /**
     * {@code WskConnectEx}: connects like {@code WskConnect} and sends optional initial data (at most
     * 65,535 bytes; more gives STATUS_BUFFER_OVERFLOW). Any flag gives STATUS_INVALID_PARAMETER. Follows
     * the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was
     * completed with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskConnectEx(WskSocket socket, SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp);

    /**
     * {@code WskSendEx}: {@code WskSend} with control information. Follows the return convention of {@link
     * WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing IRP
     * returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskSendEx(WskSocket socket, WskBuf buffer, int flags, int controlInfoLength, byte[] controlInfo, Irp irp);

    /**
     * {@code WskReceiveEx}: {@code WskReceive} returning control information. Follows the return
     * convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed
     * with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskReceiveEx(WskSocket socket, WskBuf buffer, int flags, Ref<Integer> controlInfoLength, byte[] controlInfo, Ref<Integer> controlFlags, Irp irp);
}
