package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * {@code WSK_PROVIDER_DATAGRAM_DISPATCH}: the provider functions of a datagram socket ({@link Wsk#WSK_FLAG_DATAGRAM_SOCKET}), in WDK member order after the
 * {@link WskProviderBasicDispatch} members. Obtain it by casting {@link WskSocket#dispatch()}.
 *
 * <p>Every function may be called at PASSIVE_LEVEL or DISPATCH_LEVEL, from any thread, but not after
 * {@code WskCloseSocket} was called for the socket.
 */
public interface WskProviderDatagramDispatch extends WskProviderBasicDispatch {

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
     * {@code WskSendTo}: sends one datagram from a bound datagram socket; Information = bytes sent.
     * remoteAddress may be null only when a fixed remote or send-to address was set. Follows the return
     * convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed
     * with; a missing IRP returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskSendTo(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress, int controlInfoLength, byte[] controlInfo, Irp irp);

    /**
     * {@code WskReceiveFrom}: receives one datagram; Information = bytes received; the sender is written
     * into remoteAddress; controlFlags may report MSG_TRUNC. Follows the return convention of {@link
     * WskProviderDispatch}: STATUS_PENDING, or the failure the IRP was completed with; a missing IRP
     * returns STATUS_INVALID_PARAMETER without completing anything.
     *
     * @return the status, as described above
     */
    NtStatus wskReceiveFrom(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress, Ref<Integer> controlLength, byte[] controlInfo, Ref<Integer> controlFlags, Irp irp);

    /**
     * {@code WskRelease}: gives back a datagram indication list retained by a receive-from event callback.
     * Synchronous; no IRP. STATUS_SUCCESS or STATUS_INVALID_PARAMETER.
     *
     * @return the status, as described above
     */
    NtStatus wskRelease(WskSocket socket, WskDatagramIndication datagramIndication);

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
     * {@code WskSendMessages}: sends each element of the list as one datagram; Information = total bytes
     * sent. Follows the return convention of {@link WskProviderDispatch}: STATUS_PENDING, or the failure
     * the IRP was completed with; a missing IRP returns STATUS_INVALID_PARAMETER without completing
     * anything.
     *
     * @return the status, as described above
     */
    NtStatus wskSendMessages(WskSocket socket, WskBufList bufferList, int flags, SockAddr remoteAddress, int controlInfoLength, byte[] controlInfo, Irp irp);
}
