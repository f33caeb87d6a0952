package org.wsk4j.examples.ksocket;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import org.wsk4j.AddrInfoExW;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.Wsk;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderBasicDispatch;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderDatagramDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;

/**
 * A transliteration of wbenny/KSOCKET {@code src/ksocket/ksocket.c} (MIT licence): blocking wrappers over WSK, the
 * way most kernel socket code is written. Every call reuses the socket's one IRP ({@code IoReuseIrp} +
 * {@code IoSetCompletionRoutine}), the completion routine sets a SynchronizationEvent {@code KEVENT}, and the caller
 * waits with {@code KeWaitForSingleObject} when the WSK function returned {@code STATUS_PENDING}.
 *
 * <p>Reading guide for a driver developer:
 * <ul>
 *   <li>{@code ksocket.c}'s globals ({@code WskRegistration}, {@code WskProvider}, {@code WskDispatch}) are the fields
 *       of one {@code KSocket} instance: tests run in one JVM, so each test makes its own "driver image".</li>
 *   <li>{@code KSOCKET} is {@link Socket}, {@code KSOCKET_ASYNC_CONTEXT} is {@link AsyncContext}; the C union of
 *       dispatch table pointers is one {@code Object} with a typed accessor per union member.</li>
 *   <li>{@code PKSOCKET*} and {@code PULONG} out parameters are {@link Ref}s; {@code PVOID Buffer} is a {@code byte[]}
 *       (wrapped into an MDL with {@code IoAllocateMdl}; {@code MmProbeAndLockPages} has nothing to do in Java).</li>
 *   <li>Each function names the C function it transliterates: {@code KsConnect} is {@link #ksConnect}.</li>
 * </ul>
 *
 * <p>Where the original has a bug that wsk4j's checks catch, the port fixes it and says so in a comment marked
 * {@code [KSOCKET bug]}; everything else is as in the C.
 *
 * <p>Threading: as in C, a {@link Socket} is used by one thread at a time (its IRP and event are shared by every call
 * on it); the functions are PASSIVE_LEVEL only. They run on any driver thread: a JUnit test method under
 * {@code @WskTest}, a {@code PsCreateSystemThread} thread, or a work item.
 */
public final class KSocket {

    // -----------------------------------------------------------------------------------------------------------
    // Structures.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code KSOCKET_ASYNC_CONTEXT}. */
    public static final class AsyncContext {
        /** {@code KEVENT CompletionEvent;} (storage, initialized by KeInitializeEvent). */
        final KEvent completionEvent = new KEvent();
        /** {@code PIRP Irp;} */
        Irp irp;

        /**
         * The socket's IRP, for code that must act on the call in progress (for example {@code IoCancelIrp} from
         * another thread): the C code reads {@code Socket->AsyncContext.Irp}.
         *
         * @return the IRP
         */
        public Irp irp() {
            return irp;
        }
    }

    /** {@code KSOCKET}. */
    public static final class Socket {
        /** {@code PWSK_SOCKET WskSocket;} */
        WskSocket wskSocket;
        /** {@code union { PVOID WskDispatch; PWSK_PROVIDER_CONNECTION_DISPATCH WskConnectionDispatch; ... };} */
        Object wskDispatch;
        /** {@code KSOCKET_ASYNC_CONTEXT AsyncContext;} */
        final AsyncContext asyncContext = new AsyncContext();

        /** The {@code WSK_PROVIDER_BASIC_DISPATCH} every member of the union begins with. */
        WskProviderBasicDispatch wskBasicDispatch() {
            return (WskProviderBasicDispatch) wskDispatch;
        }

        /** {@code Socket->WskConnectionDispatch}. */
        WskProviderConnectionDispatch wskConnectionDispatch() {
            return (WskProviderConnectionDispatch) wskDispatch;
        }

        /** {@code Socket->WskListenDispatch}. */
        WskProviderListenDispatch wskListenDispatch() {
            return (WskProviderListenDispatch) wskDispatch;
        }

        /** {@code Socket->WskDatagramDispatch}. */
        WskProviderDatagramDispatch wskDatagramDispatch() {
            return (WskProviderDatagramDispatch) wskDispatch;
        }

        /**
         * {@code Socket->AsyncContext}.
         *
         * @return the socket's async context
         */
        public AsyncContext asyncContext() {
            return asyncContext;
        }

        /**
         * {@code Socket->WskSocket}.
         *
         * @return the WSK socket
         */
        public WskSocket wskSocket() {
            return wskSocket;
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Variables.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code WSK_REGISTRATION WskRegistration;} */
    final WskRegistration wskRegistration = new WskRegistration();
    /** {@code WSK_PROVIDER_NPI WskProvider;} */
    final WskProviderNpi wskProvider = new WskProviderNpi();
    /** {@code WSK_CLIENT_DISPATCH WskDispatch = { MAKE_WSK_VERSION(1,0), 0, NULL };} */
    final WskClientDispatch wskDispatch = new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null);

    // -----------------------------------------------------------------------------------------------------------
    // Private functions.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code KspAsyncContextAllocate}. */
    static NtStatus kspAsyncContextAllocate(AsyncContext asyncContext) {
        //
        // Initialize the completion event.
        //
        Ke.initializeEvent(asyncContext.completionEvent, SynchronizationEvent, false);

        //
        // Initialize the IRP.
        //
        asyncContext.irp = Io.allocateIrp(1, false);

        if (asyncContext.irp == null) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }

        //
        // KspAsyncContextCompletionRoutine will set the CompletionEvent.
        //
        Io.setCompletionRoutine(asyncContext.irp, KSocket::kspAsyncContextCompletionRoutine,
                asyncContext.completionEvent, true, true, true);

        return STATUS_SUCCESS;
    }

    /** {@code KspAsyncContextFree}. */
    static void kspAsyncContextFree(AsyncContext asyncContext) {
        //
        // Free the IRP.
        //
        Io.freeIrp(asyncContext.irp);
    }

    /** {@code KspAsyncContextReset}. */
    static void kspAsyncContextReset(AsyncContext asyncContext) {
        //
        // If the WSK application allocated the IRP, or is reusing an IRP that it previously allocated, then it must
        // set an IoCompletion routine for the IRP before calling a WSK function, with TRUE for InvokeOnSuccess,
        // InvokeOnError and InvokeOnCancel, and the routine must return STATUS_MORE_PROCESSING_REQUIRED.
        // (ref: https://docs.microsoft.com/en-us/windows-hardware/drivers/network/using-irps-with-winsock-kernel-functions)
        //

        //
        // Reset the completion event.
        //
        Ke.resetEvent(asyncContext.completionEvent);

        //
        // Reuse the IRP.
        //
        Io.reuseIrp(asyncContext.irp, STATUS_UNSUCCESSFUL);

        Io.setCompletionRoutine(asyncContext.irp, KSocket::kspAsyncContextCompletionRoutine,
                asyncContext.completionEvent, true, true, true);
    }

    /** {@code KspAsyncContextCompletionRoutine}: runs at DISPATCH_LEVEL; only signals the event. */
    static NtStatus kspAsyncContextCompletionRoutine(DeviceObject deviceObject, Irp irp, Object completionEvent) {
        // UNREFERENCED_PARAMETER(DeviceObject); UNREFERENCED_PARAMETER(Irp);
        Ke.setEvent((KEvent) completionEvent, Io.IO_NO_INCREMENT, false);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /**
     * {@code KspAsyncContextWaitForCompletion(AsyncContext, &Status)}: C updates {@code *Status} in place; here the
     * caller assigns the result ({@code status = kspAsyncContextWaitForCompletion(ctx, status)}).
     */
    static NtStatus kspAsyncContextWaitForCompletion(AsyncContext asyncContext, NtStatus status) {
        if (status == STATUS_PENDING) {
            Ke.waitForSingleObject(asyncContext.completionEvent, Executive, KernelMode, false, null);

            status = asyncContext.irp.ioStatus().status();
        }

        return status;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Public functions.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@code KsInitialize}: registers as a WSK client ({@code WskRegister}, the global function: it uses the WSK
     * subsystem bound to the calling thread, the test's under {@code @WskTest}) and captures the provider NPI.
     *
     * @return the status of WskRegister or WskCaptureProviderNPI
     */
    public NtStatus ksInitialize() {
        NtStatus status;

        //
        // Register as a WSK client.
        //
        WskClientNpi wskClient = new WskClientNpi(null, wskDispatch); // ClientContext = NULL, Dispatch = &WskDispatch

        status = Wsk.wskRegister(wskClient, wskRegistration);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Capture the provider NPI.
        //
        return Wsk.wskCaptureProviderNpi(wskRegistration, WSK_INFINITE_WAIT, wskProvider);
    }

    /** {@code KsDestroy}: releases the provider NPI and deregisters (which waits until every socket is closed). */
    public void ksDestroy() {
        //
        // Release the provider NPI instance.
        //
        Wsk.wskReleaseProviderNpi(wskRegistration);

        //
        // Deregister as a WSK client.
        //
        Wsk.wskDeregister(wskRegistration);
    }

    /**
     * {@code KsGetAddrInfo}.
     *
     * @param nodeName    the host name or numeric address, or null
     * @param serviceName the service name or port, or null
     * @param hints       the hints, or null
     * @param result      receives the list ({@code PADDRINFOEXW* Result}); free it with {@link #ksFreeAddrInfo}
     * @return the status
     */
    public NtStatus ksGetAddrInfo(String nodeName, String serviceName, AddrInfoExW hints, Ref<AddrInfoExW> result) {
        NtStatus status;

        //
        // Allocate async context.
        //
        AsyncContext asyncContext = new AsyncContext();
        status = kspAsyncContextAllocate(asyncContext);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Call the WSK API.
        //
        status = wskProvider.dispatch().wskGetAddressInfo(
                wskProvider.client(),       // Client
                nodeName,                   // NodeName
                serviceName,                // ServiceName
                0,                          // NameSpace
                null,                       // Provider
                hints,                      // Hints
                result,                     // Result
                null,                       // OwningProcess
                null,                       // OwningThread
                asyncContext.irp            // Irp
        );

        status = kspAsyncContextWaitForCompletion(asyncContext, status);

        //
        // Free the async context.
        //
        kspAsyncContextFree(asyncContext);

        return status;
    }

    /**
     * {@code KsFreeAddrInfo}.
     *
     * @param addrInfo a list from {@link #ksGetAddrInfo}
     */
    public void ksFreeAddrInfo(AddrInfoExW addrInfo) {
        wskProvider.dispatch().wskFreeAddressInfo(
                wskProvider.client(),       // Client
                addrInfo                    // AddrInfo
        );
    }

    /**
     * {@code KsCreateSocket}.
     *
     * @param socket        receives the new socket ({@code PKSOCKET* Socket})
     * @param addressFamily {@code AF_INET}, {@code AF_INET6}
     * @param socketType    {@code SOCK_STREAM}, {@code SOCK_DGRAM}
     * @param protocol      {@code IPPROTO_TCP}, {@code IPPROTO_UDP}
     * @param flags         {@code WSK_FLAG_*_SOCKET}
     * @return the status
     */
    public NtStatus ksCreateSocket(Ref<Socket> socket, int addressFamily, int socketType, int protocol, int flags) {
        NtStatus status;

        //
        // Allocate memory for the socket structure.
        //
        Socket newSocket = new Socket(); // ExAllocatePoolWithTag(PagedPool, sizeof(KSOCKET), MEMORY_TAG)

        //
        // Allocate async context for the socket.
        //
        status = kspAsyncContextAllocate(newSocket.asyncContext);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Create the WSK socket.
        //
        status = wskProvider.dispatch().wskSocket(
                wskProvider.client(),           // Client
                addressFamily,                  // AddressFamily
                socketType,                     // SocketType
                protocol,                       // Protocol
                flags,                          // Flags
                null,                           // SocketContext
                null,                           // Dispatch
                null,                           // OwningProcess
                null,                           // OwningThread
                null,                           // SecurityDescriptor
                newSocket.asyncContext.irp      // Irp
        );

        status = kspAsyncContextWaitForCompletion(newSocket.asyncContext, status);

        //
        // Save the socket instance and the socket dispatch table.
        //
        if (status.isSuccess()) {
            newSocket.wskSocket = (WskSocket) newSocket.asyncContext.irp.ioStatus().informationObject();
            newSocket.wskDispatch = newSocket.wskSocket.dispatch();

            socket.set(newSocket);
        } else {
            // [KSOCKET bug] The C returns here without KspAsyncContextFree: the IRP (and the KSOCKET) leak whenever
            // WskSocket fails, for example under low resources. wsk4j's leak check at the end of the test names the
            // IRP and where it was allocated; the port frees it.
            kspAsyncContextFree(newSocket.asyncContext);
        }

        return status;
    }

    /**
     * {@code KsCreateConnectionSocket}.
     *
     * @param socket        receives the socket
     * @param addressFamily the family
     * @param socketType    the type
     * @param protocol      the protocol
     * @return the status
     */
    public NtStatus ksCreateConnectionSocket(Ref<Socket> socket, int addressFamily, int socketType, int protocol) {
        return ksCreateSocket(socket, addressFamily, socketType, protocol, WSK_FLAG_CONNECTION_SOCKET);
    }

    /**
     * {@code KsCreateListenSocket}.
     *
     * @param socket        receives the socket
     * @param addressFamily the family
     * @param socketType    the type
     * @param protocol      the protocol
     * @return the status
     */
    public NtStatus ksCreateListenSocket(Ref<Socket> socket, int addressFamily, int socketType, int protocol) {
        return ksCreateSocket(socket, addressFamily, socketType, protocol, WSK_FLAG_LISTEN_SOCKET);
    }

    /**
     * {@code KsCreateDatagramSocket}.
     *
     * @param socket        receives the socket
     * @param addressFamily the family
     * @param socketType    the type
     * @param protocol      the protocol
     * @return the status
     */
    public NtStatus ksCreateDatagramSocket(Ref<Socket> socket, int addressFamily, int socketType, int protocol) {
        return ksCreateSocket(socket, addressFamily, socketType, protocol, WSK_FLAG_DATAGRAM_SOCKET);
    }

    /**
     * {@code KsCloseSocket}: closes the WSK socket (which cancels whatever is pending on it) and frees the IRP.
     *
     * @param socket the socket
     * @return the status of WskCloseSocket
     */
    public NtStatus ksCloseSocket(Socket socket) {
        NtStatus status;

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Close the WSK socket.
        //
        // (KSOCKET calls Socket->WskConnectionDispatch->WskCloseSocket for every kind of socket: the union's tables
        // all begin with WSK_PROVIDER_BASIC_DISPATCH. Java casts must name that common part.)
        status = socket.wskBasicDispatch().wskCloseSocket(
                socket.wskSocket,
                socket.asyncContext.irp
        );

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        //
        // Free the async context.
        //
        kspAsyncContextFree(socket.asyncContext);

        //
        // Free memory for the socket structure: ExFreePoolWithTag(Socket, MEMORY_TAG) (the garbage collector's job).
        //

        return status;
    }

    /**
     * {@code KsBind}.
     *
     * @param socket       the socket
     * @param localAddress the local address
     * @return the status
     */
    public NtStatus ksBind(Socket socket, SockAddr localAddress) {
        NtStatus status;

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Bind the socket. (KSOCKET calls it through the listen table; WskBind has the same slot in every table.)
        //
        status = bindDispatch(socket).bind(
                socket.wskSocket,           // Socket
                localAddress,               // LocalAddress
                0,                          // Flags (reserved)
                socket.asyncContext.irp     // Irp
        );

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        return status;
    }

    /** WskBind of the socket's table: in C one union member serves all three, as WskBind is at the same offset. */
    private static WskBindFunction bindDispatch(Socket socket) {
        Object dispatch = socket.wskDispatch;
        if (dispatch instanceof WskProviderListenDispatch listen) {
            return listen::wskBind;
        }
        if (dispatch instanceof WskProviderDatagramDispatch datagram) {
            return datagram::wskBind;
        }
        return ((WskProviderConnectionDispatch) dispatch)::wskBind;
    }

    /** {@code PFN_WSK_BIND}. */
    @FunctionalInterface
    private interface WskBindFunction {
        NtStatus bind(WskSocket socket, SockAddr localAddress, int flags, Irp irp);
    }

    /**
     * {@code KsAccept}: waits for the next connection on a listen socket.
     *
     * @param socket        the listen socket
     * @param newSocket     receives the accepted socket
     * @param localAddress  receives the local address, or null
     * @param remoteAddress receives the remote address, or null
     * @return the status
     */
    public NtStatus ksAccept(Socket socket, Ref<Socket> newSocket, SockAddr localAddress, SockAddr remoteAddress) {
        NtStatus status;

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Accept the connection.
        //
        status = socket.wskListenDispatch().wskAccept(
                socket.wskSocket,           // ListenSocket
                0,                          // Flags
                null,                       // AcceptSocketContext
                null,                       // AcceptSocketDispatch
                localAddress,               // LocalAddress
                remoteAddress,              // RemoteAddress
                socket.asyncContext.irp     // Irp
        );

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        //
        // Save the socket instance and the socket dispatch table.
        //
        if (status.isSuccess()) {
            Socket kNewSocket = new Socket(); // ExAllocatePoolWithTag(PagedPool, sizeof(KSOCKET), MEMORY_TAG)

            kNewSocket.wskSocket = (WskSocket) socket.asyncContext.irp.ioStatus().informationObject();
            kNewSocket.wskDispatch = kNewSocket.wskSocket.dispatch();
            kspAsyncContextAllocate(kNewSocket.asyncContext); // (KSOCKET ignores a failure here)

            newSocket.set(kNewSocket);
        }

        return status;
    }

    /**
     * {@code KsConnect}: binds the socket to {@code INADDR_ANY:0}, then connects it.
     *
     * @param socket        a connection socket
     * @param remoteAddress the destination
     * @return the status of WskBind or WskConnect
     */
    public NtStatus ksConnect(Socket socket, SockAddr remoteAddress) {
        NtStatus status;

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Bind the socket to the local address.
        //
        SockAddrIn localAddress = new SockAddrIn(); // sin_family = AF_INET, sin_addr = INADDR_ANY, sin_port = 0

        status = socket.wskConnectionDispatch().wskBind(
                socket.wskSocket,           // Socket
                localAddress,               // LocalAddress
                0,                          // Flags (reserved)
                socket.asyncContext.irp     // Irp
        );

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        if (!status.isSuccess()) {
            return status;
        }

        //
        // Reset the async context (again).
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Connect to the remote host.
        //
        // N.B.: Instead of calling WskSocket(), WskBind() and WskConnect(), it is possible to just call
        // WskSocketConnect().
        //
        status = socket.wskConnectionDispatch().wskConnect(
                socket.wskSocket,           // Socket
                remoteAddress,              // RemoteAddress
                0,                          // Flags (reserved)
                socket.asyncContext.irp     // Irp
        );

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        return status;
    }

    /**
     * {@code KsSendRecv}: one WskSend or WskReceive of {@code *Length} bytes of {@code buffer}.
     *
     * @param socket a connected socket
     * @param buffer the data ({@code PVOID Buffer})
     * @param length in: the bytes to send or room to receive; out: the bytes transferred
     * @param flags  WSK_FLAG_*
     * @param send   true for WskSend
     * @return the status
     */
    public NtStatus ksSendRecv(Socket socket, byte[] buffer, Ref<Integer> length, int flags, boolean send) {
        NtStatus status;

        //
        // Wrap the buffer into the "WSK buffer".
        //
        Mdl mdl = Io.allocateMdl(ByteBuffer.wrap(buffer), 0, length.get()); // IoAllocateMdl(Buffer, Length, ...)
        WskBuf wskBuffer = new WskBuf(mdl, 0, length.get());                // Offset = 0, Length = *Length

        //
        // MmProbeAndLockPages(WskBuffer.Mdl, KernelMode, IoWriteAccess) in __try/__except: a Java array is always
        // resident, so there is nothing to lock and no STATUS_ACCESS_VIOLATION path.
        //

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Send / receive the data.
        //
        if (send) {
            status = socket.wskConnectionDispatch().wskSend(
                    socket.wskSocket,           // Socket
                    wskBuffer,                  // Buffer
                    flags,                      // Flags
                    socket.asyncContext.irp     // Irp
            );
        } else {
            status = socket.wskConnectionDispatch().wskReceive(
                    socket.wskSocket,           // Socket
                    wskBuffer,                  // Buffer
                    flags,                      // Flags
                    socket.asyncContext.irp     // Irp
            );
        }

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        //
        // Set the number of bytes sent / received.
        //
        if (status.isSuccess()) {
            length.set((int) socket.asyncContext.irp.ioStatus().information());
        }

        //
        // Free the MDL (MmUnlockPages: nothing to unlock).
        //
        Io.freeMdl(mdl);
        return status;
    }

    /**
     * {@code KsSendRecvUdp}: one WskSendTo or WskReceiveFrom.
     *
     * @param socket        a datagram socket
     * @param buffer        the data
     * @param length        in: the bytes to send or room to receive; out: the bytes transferred
     * @param flags         reserved, 0
     * @param remoteAddress the destination (send), or receives the source (receive)
     * @param send          true for WskSendTo
     * @return the status
     */
    public NtStatus ksSendRecvUdp(Socket socket, byte[] buffer, Ref<Integer> length, int flags, SockAddr remoteAddress,
                                  boolean send) {
        NtStatus status;

        //
        // Wrap the buffer into the "WSK buffer".
        //
        Mdl mdl = Io.allocateMdl(ByteBuffer.wrap(buffer), 0, length.get());
        WskBuf wskBuffer = new WskBuf(mdl, 0, length.get());

        //
        // Reset the async context.
        //
        kspAsyncContextReset(socket.asyncContext);

        //
        // Send / receive the data.
        //
        if (send) {
            status = socket.wskDatagramDispatch().wskSendTo(
                    socket.wskSocket,           // Socket
                    wskBuffer,                  // Buffer
                    flags,                      // Flags (reserved)
                    remoteAddress,              // RemoteAddress
                    0,                          // ControlInfoLength
                    null,                       // ControlInfo
                    socket.asyncContext.irp     // Irp
            );
        } else {
            status = socket.wskDatagramDispatch().wskReceiveFrom(
                    socket.wskSocket,           // Socket
                    wskBuffer,                  // Buffer
                    flags,                      // Flags (reserved)
                    remoteAddress,              // RemoteAddress
                    null,                       // ControlInfoLength
                    null,                       // ControlInfo
                    null,                       // ControlFlags
                    socket.asyncContext.irp     // Irp
            );
        }

        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);

        //
        // Set the number of bytes sent / received.
        //
        if (status.isSuccess()) {
            length.set((int) socket.asyncContext.irp.ioStatus().information());
        }

        //
        // Free the MDL.
        //
        Io.freeMdl(mdl);
        return status;
    }

    /**
     * {@code KsSend}.
     *
     * @param socket the socket
     * @param buffer the data
     * @param length in: bytes to send; out: bytes sent
     * @param flags  WSK_FLAG_*
     * @return the status
     */
    public NtStatus ksSend(Socket socket, byte[] buffer, Ref<Integer> length, int flags) {
        return ksSendRecv(socket, buffer, length, flags, true);
    }

    /**
     * {@code KsRecv}.
     *
     * @param socket the socket
     * @param buffer receives the data
     * @param length in: room; out: bytes received (0: the peer closed its side)
     * @param flags  WSK_FLAG_*
     * @return the status
     */
    public NtStatus ksRecv(Socket socket, byte[] buffer, Ref<Integer> length, int flags) {
        return ksSendRecv(socket, buffer, length, flags, false);
    }

    /**
     * {@code KsSendTo}.
     *
     * @param socket        the socket
     * @param buffer        the data
     * @param length        in: bytes to send; out: bytes sent
     * @param flags         reserved
     * @param remoteAddress the destination
     * @return the status
     */
    public NtStatus ksSendTo(Socket socket, byte[] buffer, Ref<Integer> length, int flags, SockAddr remoteAddress) {
        return ksSendRecvUdp(socket, buffer, length, flags, remoteAddress, true);
    }

    /**
     * {@code KsRecvFrom}.
     *
     * @param socket        the socket
     * @param buffer        receives the data
     * @param length        in: room; out: bytes received
     * @param flags         reserved
     * @param remoteAddress receives the source
     * @return the status
     */
    public NtStatus ksRecvFrom(Socket socket, byte[] buffer, Ref<Integer> length, int flags, SockAddr remoteAddress) {
        return ksSendRecvUdp(socket, buffer, length, flags, remoteAddress, false);
    }

    // -----------------------------------------------------------------------------------------------------------
    // Not in KSOCKET.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * Not in KSOCKET: {@link #ksConnect} for an IPv6 destination. KsConnect binds the IPv4 wildcard, so its sockets
     * can only reach IPv4 addresses; this one binds {@code in6addr_any} port 0 first, the same way.
     *
     * @param socket        an AF_INET6 connection socket
     * @param remoteAddress the IPv6 destination
     * @return the status of WskBind or WskConnect
     */
    public NtStatus ksConnect6(Socket socket, SockAddrIn6 remoteAddress) {
        NtStatus status;
        kspAsyncContextReset(socket.asyncContext);
        status = socket.wskConnectionDispatch().wskBind(socket.wskSocket, SockAddrIn6.any(0), 0,
                socket.asyncContext.irp);
        status = kspAsyncContextWaitForCompletion(socket.asyncContext, status);
        if (!status.isSuccess()) {
            return status;
        }
        kspAsyncContextReset(socket.asyncContext);
        status = socket.wskConnectionDispatch().wskConnect(socket.wskSocket, remoteAddress, 0,
                socket.asyncContext.irp);
        return kspAsyncContextWaitForCompletion(socket.asyncContext, status);
    }

    /**
     * Not in KSOCKET: {@code WskGetLocalAddress} in the same style, so a server bound to port 0 can tell its
     * clients where to connect (tests on real sockets cannot hard-code a port).
     *
     * @param socket       a bound listen, connection or datagram socket
     * @param localAddress receives the address
     * @return the status
     */
    public NtStatus ksGetLocalAddress(Socket socket, SockAddr localAddress) {
        NtStatus status;
        kspAsyncContextReset(socket.asyncContext);
        Object dispatch = socket.wskDispatch;
        if (dispatch instanceof WskProviderListenDispatch listen) {
            status = listen.wskGetLocalAddress(socket.wskSocket, localAddress, socket.asyncContext.irp);
        } else if (dispatch instanceof WskProviderDatagramDispatch datagram) {
            status = datagram.wskGetLocalAddress(socket.wskSocket, localAddress, socket.asyncContext.irp);
        } else {
            status = socket.wskConnectionDispatch().wskGetLocalAddress(socket.wskSocket, localAddress,
                    socket.asyncContext.irp);
        }
        return kspAsyncContextWaitForCompletion(socket.asyncContext, status);
    }
}
