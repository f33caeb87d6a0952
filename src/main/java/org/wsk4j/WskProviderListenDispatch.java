package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * {@code WSK_PROVIDER_LISTEN_DISPATCH}: the provider functions of a listening socket ({@link Wsk#WSK_FLAG_LISTEN_SOCKET}), in WDK member order after the
 * {@link WskProviderBasicDispatch} members. Obtain it by casting {@link WskSocket#dispatch()}.
 *
 * <p>Every function may be called at PASSIVE_LEVEL or DISPATCH_LEVEL, from any thread, but not after
 * {@code WskCloseSocket} was called for the socket.
 */
public interface WskProviderListenDispatch extends WskProviderBasicDispatch {

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
     * {@code WskAccept}: accepts an incoming connection on a bound listening (or listening stream) socket;
     * Information = the new connection socket, whose callbacks start disabled. The optional address
     * structures receive the local and remote addresses. Closing the listener cancels a pending accept
     * with STATUS_CANCELLED. Follows the return convention of {@link WskProviderDispatch}: STATUS_PENDING,
     * or the failure the IRP was completed with; a missing IRP returns STATUS_INVALID_PARAMETER without
     * completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskAccept(WskSocket listenSocket, int flags, Object acceptSocketContext, WskClientConnectionDispatch acceptSocketDispatch, SockAddr localAddress, SockAddr remoteAddress, Irp irp);

    /**
     * {@code WskInspectComplete}: resolves a connection request that WskInspectEvent pended; action is
     * WskInspectAccept or WskInspectReject. Follows the return convention of {@link WskProviderDispatch}:
     * STATUS_PENDING, or the failure the IRP was completed with; a missing IRP returns
     * STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskInspectComplete(WskSocket listenSocket, WskInspectId inspectId, WskInspectAction action, Irp irp);

    /**
     * {@code WskGetLocalAddress}: writes the socket's local address into {@code localAddress} (a structure
     * able to hold the socket's family). STATUS_INVALID_DEVICE_STATE when the socket is not bound. Follows
     * the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was
     * completed with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskGetLocalAddress(WskSocket socket, SockAddr localAddress, Irp irp);
}
