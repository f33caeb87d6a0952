package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * {@code WSK_PROVIDER_BASIC_DISPATCH}: the functions every socket has; the first members of every other
 * provider table. A basic socket ({@link Wsk#WSK_FLAG_BASIC_SOCKET}) has only these.
 *
 * <p>Every function may be called at PASSIVE_LEVEL or DISPATCH_LEVEL, from any thread, but not after
 * {@code WskCloseSocket} was called for the socket.
 */
public interface WskProviderBasicDispatch {

    /**
     * {@code WskControlSocket}: gets or sets a socket option, or performs an IOCTL. Whether an IRP is
     * required, optional or forbidden depends on the option or IOCTL.
     *
     * @param socket             the socket
     * @param requestType        set option, get option or IOCTL
     * @param controlCode        the option or IOCTL code
     * @param level              the option level ({@link Wsk#SOL_SOCKET}, a protocol number); ignored for IOCTLs
     * @param inputSize          the input size in bytes
     * @param inputBuffer        the input (a structure object or a byte array), or null
     * @param outputSize         the output size in bytes
     * @param outputBuffer       the output holder, or null
     * @param outputSizeReturned receives the bytes written or needed (when no IRP is given), or null
     * @param irp                the IRP, or null where allowed
     * @return the status; with an IRP, the return convention of {@link WskProviderDispatch}
     */
    NtStatus wskControlSocket(WskSocket socket, WskControlSocketType requestType, int controlCode, int level,
                              long inputSize, Object inputBuffer, long outputSize, Object outputBuffer,
                              Ref<Long> outputSizeReturned, Irp irp);

    /**
     * {@code WskCloseSocket}: closes the socket. Every pending IRP of the socket is completed with
     * STATUS_CANCELLED (Information 0) before the close IRP completes; a connection that was not fully
     * disconnected is reset (abortive close). After the call, the socket must not be used again; after the
     * close IRP completed, no completion or callback runs for it any more.
     *
     * @param socket the socket
     * @param irp    the IRP; required
     * @return STATUS_PENDING; STATUS_INVALID_PARAMETER without completion when {@code irp} is null
     */
    NtStatus wskCloseSocket(WskSocket socket, Irp irp);
}
