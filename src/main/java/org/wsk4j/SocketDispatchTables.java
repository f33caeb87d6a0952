package org.wsk4j;

import org.wsk4j.nt.InlineCompletion;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierRule;

/**
 * The five provider dispatch tables of one provider. Each member resolves its socket and IRP the same way
 * ({@link #call}) and hands over to what implements it: the {@link SocketImpl} for the functions every category has
 * (WskControlSocket, WskCloseSocket, WskBind, WskGetLocalAddress), else the socket's role ({@link ConnectionSocket},
 * {@link ListenSocket}, {@link DatagramSocket}, or {@link StreamSocket} for WskListen): see
 * {@link SocketImpl#target}.
 */
final class SocketDispatchTables {

    @FunctionalInterface
    interface SocketCall<S> {
        NtStatus run(S socket);
    }

    /**
     * The body of a data-path function (WskSend, WskReceive): its arguments are passed, not captured, so the body
     * is a constant method reference and a call allocates no lambda.
     */
    @FunctionalInterface
    interface BufferCall<S> {
        NtStatus run(S socket, WskBuf buffer, int flags, Irp irp);
    }

    final WskProvider provider;
    final Basic basic = new Basic();
    final Listen listen = new Listen();
    final Datagram datagram = new Datagram();
    final Connection connection = new Connection();
    final Stream stream = new Stream();

    SocketDispatchTables(WskProvider provider) {
        this.provider = provider;
    }

    WskProviderBasicDispatch forCategory(int category) {
        return switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET -> listen;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> connection;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> datagram;
            case Wsk.WSK_FLAG_STREAM_SOCKET -> stream;
            default -> basic;
        };
    }

    /**
     * The common preamble of a socket function with a required IRP: a missing IRP is returned as
     * STATUS_INVALID_PARAMETER; a closed socket is a verifier violation; the IRP is accepted; a null, foreign
     * or closed socket completes it with STATUS_INVALID_HANDLE; a socket of another category than the table's
     * is a verifier violation completed with STATUS_INVALID_DEVICE_REQUEST; a stream socket committed to the other
     * role completes it with STATUS_INVALID_DEVICE_STATE.
     */
    <S> NtStatus call(WskSocket socket, Irp irp, WskFunction function, Class<S> category,
                                         SocketCall<S> body) {
        return call(socket, irp, function, category, null, null, false, body);
    }

    /**
     * {@link #call(WskSocket, Irp, WskFunction, Class, SocketCall)} for a function that takes a {@code WSK_BUF} (or a
     * list of them): before the IRP is accepted, the verifier checks the descriptions against their MDL chains
     * and against bytes pending operations use ({@link WskBufs#check}), so that a verifier error in mode FAIL
     * leaves the IRP with the driver.
     */
    <S> NtStatus call(WskSocket socket, Irp irp, WskFunction function, Class<S> category,
                                         WskBuf buffer, WskBufList buffers, boolean writes, SocketCall<S> body) {
        return invoke(socket, irp, function, category, buffer, buffers, 0, writes, body, null);
    }

    /** {@link #call(WskSocket, Irp, WskFunction, Class, WskBuf, WskBufList, boolean, SocketCall)} for a data-path body. */
    <S> NtStatus call(WskSocket socket, Irp irp, WskFunction function, Class<S> category,
                                         WskBuf buffer, int flags, boolean writes, BufferCall<S> body) {
        return invoke(socket, irp, function, category, buffer, null, flags, writes, null, body);
    }

    /**
     * The one implementation of both {@code call}s: resolve, count the call, check and accept, run the body; then,
     * for the outermost call on a driver's thread, run the completions that became ready meanwhile, after the call
     * stopped being counted on its socket and with no lock held ({@link CallerContext}). Exactly one of
     * {@code body} and {@code bufferBody} is given (two parameters rather than an adapter lambda, which a call would
     * allocate).
     */
    private <S> NtStatus invoke(WskSocket socket, Irp irp, WskFunction function, Class<S> category,
                                WskBuf buffer, WskBufList buffers, int flags, boolean writes, SocketCall<S> body,
                                BufferCall<S> bufferBody) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        CallerContext context = CallerContext.enter(provider.subsystem);
        try {
            return run(socket, irp, function, category, buffer, buffers, flags, writes, body, bufferBody);
        } finally {
            if (context != null) {
                context.exit();
            }
        }
    }

    /** {@link #invoke}'s body: resolve the socket, count the call, check and accept, run the role's method. */
    private <S> NtStatus run(WskSocket socket, Irp irp, WskFunction function, Class<S> category,
                             WskBuf buffer, WskBufList buffers, int flags, boolean writes, SocketCall<S> body,
                             BufferCall<S> bufferBody) {
        SocketImpl impl = provider.lookup(socket, function);
        if (impl == null) {
            return prepare(null, irp, function, category, buffer, buffers, writes);
        }
        impl.enterCall();
        try {
            NtStatus refused = prepare(impl, irp, function, category, buffer, buffers, writes);
            if (refused != null) {
                return refused;
            }
            S target = impl.target(category, function);
            if (target == null) {
                return impl.fail(irp, NtStatus.STATUS_INVALID_DEVICE_STATE); // a stream socket's other role
            }
            return body != null ? body.run(target) : bufferBody.run(target, buffer, flags, irp);
        } catch (SocketImpl.ClosedDuringCall e) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_HANDLE); // the running call sees a closed socket
        } finally {
            impl.exitCall();
        }
    }

    /**
     * The checks and the hand-over before a body runs: null when the body may run (the IRP is accepted and the
     * socket is of the table's category), else the status the function returns (the IRP completed, or refused).
     */
    private NtStatus prepare(SocketImpl impl, Irp irp, WskFunction function, Class<?> category,
                             WskBuf buffer, WskBufList buffers, boolean writes) {
        Verifier verifier = provider.subsystem.ioManager().verifier();
        if (impl != null && !impl.categoryHas(category)) {
            verifier.report(VerifierRule.SOCKET_WRONG_CATEGORY,
                    function + " called on " + impl + ", which is not a " + category.getSimpleName(), impl);
        }
        if (impl != null) {
            if (function == WskFunction.WskCloseSocket) {
                checkNoOtherCalls(verifier, impl);
                checkIndicationsReleased(verifier, impl);
            }
            if (!WskProvider.pendingInWsk(irp)) { // that IRP_ALREADY_IN_FLIGHT is the report to make
                WskBufs.check(verifier, buffer, writes, function, impl);
                int listed = 0;
                for (WskBufList element = buffers; element != null && ++listed <= WskBufs.MAX_CHAIN;
                        element = element.next()) {
                    WskBufs.check(verifier, element.buffer(), writes, function, impl);
                }
            }
        }
        NtStatus rejected = provider.acceptIrp(irp, function);
        if (rejected != null) {
            return rejected;
        }
        if (impl == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_HANDLE);
        }
        if (!impl.categoryHas(category)) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_DEVICE_REQUEST);
        }
        return null;
    }

    /**
     * WskCloseSocket while another call on the socket runs on another thread: {@link
     * VerifierRule#SOCKET_CLOSED_DURING_CALL}. The calls counted on the socket, less this close, less the calls
     * this thread itself is nested in, must be zero. A thread is nested in a call only through a completion
     * routine that a failing call ran inline ({@link InlineCompletion#depth()}: each inline completion sits inside
     * one call), so that depth bounds the calls of this thread that the count includes; no per-call thread-local
     * bookkeeping is needed.
     */
    private static void checkNoOtherCalls(Verifier verifier, SocketImpl impl) {
        int others = impl.callsRunning() - 1;
        int nestedHere = InlineCompletion.depth();
        if (others > nestedHere) {
            verifier.report(VerifierRule.SOCKET_CLOSED_DURING_CALL, "WskCloseSocket on " + impl + " while "
                    + (others - nestedHere) + " other call(s) into its functions are still running on other"
                    + " threads", impl);
        }
    }

    /**
     * WskCloseSocket with indications a callback retained (returned STATUS_PENDING for) and the client has not
     * released with WskRelease: {@link VerifierRule#INDICATION_NOT_RELEASED}.
     */
    private static void checkIndicationsReleased(Verifier verifier, SocketImpl impl) {
        int retained = impl.retainedIndications();
        if (retained > 0) {
            verifier.report(VerifierRule.INDICATION_NOT_RELEASED, impl + " closed with " + retained
                    + " retained indication list(s) not released by WskRelease", impl);
        }
    }

    /** How many WSK calls this thread is inside now: the completion routines they ran inline. */
    static int callsOnThisThread() {
        return InlineCompletion.depth();
    }

    /** The preamble of a function without an IRP (WskRelease): a bad socket gives STATUS_INVALID_PARAMETER. */
    <S> NtStatus callWithoutIrp(WskSocket socket, WskFunction function, Class<S> category, SocketCall<S> body) {
        SocketImpl impl = provider.lookup(socket, function);
        if (impl != null && !impl.categoryHas(category)) {
            provider.subsystem.ioManager().verifier().report(VerifierRule.SOCKET_WRONG_CATEGORY,
                    function + " called on " + impl + ", which is not a " + category.getSimpleName(), impl);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (impl == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        impl.enterCall();
        try {
            S target = impl.target(category, function);
            return target != null ? body.run(target) : NtStatus.STATUS_INVALID_PARAMETER;
        } finally {
            impl.exitCall();
        }
    }

    class Basic implements WskProviderBasicDispatch {
        @Override
        public NtStatus wskControlSocket(WskSocket socket, WskControlSocketType requestType, int controlCode,
                                         int level, long inputSize, Object inputBuffer, long outputSize,
                                         Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
            if (irp == null) {
                SocketImpl impl = provider.lookup(socket, WskFunction.WskControlSocket);
                if (impl == null) {
                    return NtStatus.STATUS_INVALID_HANDLE;
                }
                impl.enterCall(); // counted like every call, for SOCKET_CLOSED_DURING_CALL
                try {
                    return impl.control(requestType, controlCode, level, inputSize, inputBuffer, outputSize,
                            outputBuffer, outputSizeReturned, null);
                } finally {
                    impl.exitCall();
                }
            }
            return call(socket, irp, WskFunction.WskControlSocket, SocketImpl.class, s -> s.control(requestType,
                    controlCode, level, inputSize, inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp));
        }

        @Override
        public NtStatus wskCloseSocket(WskSocket socket, Irp irp) {
            return call(socket, irp, WskFunction.WskCloseSocket, SocketImpl.class, s -> s.close(irp));
        }

        public NtStatus wskBind(WskSocket socket, SockAddr localAddress, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskBind, SocketImpl.class, s -> s.bind(localAddress, flags, irp));
        }

        public NtStatus wskGetLocalAddress(WskSocket socket, SockAddr localAddress, Irp irp) {
            return call(socket, irp, WskFunction.WskGetLocalAddress, SocketImpl.class,
                    s -> s.getLocalAddress(localAddress, irp));
        }
    }

    /**
     * The WskAccept member, written once for the listen and stream tables (a listening socket, or a stream socket
     * committed to listen). The connection table inherits it too, as Java has no other way to share a method between
     * the listen and stream tables, but it is not part of {@link WskProviderConnectionDispatch}.
     */
    class Accepting extends Basic {
        public NtStatus wskAccept(WskSocket listenSocket, int flags, Object acceptSocketContext,
                                  WskClientConnectionDispatch acceptSocketDispatch, SockAddr localAddress,
                                  SockAddr remoteAddress, Irp irp) {
            return call(listenSocket, irp, WskFunction.WskAccept, ListenSocket.class, s -> s.accept(flags,
                    acceptSocketContext, acceptSocketDispatch, localAddress, remoteAddress, irp));
        }
    }

    final class Listen extends Accepting implements WskProviderListenDispatch {

        @Override
        public NtStatus wskInspectComplete(WskSocket listenSocket, WskInspectId inspectId, WskInspectAction action,
                                           Irp irp) {
            return call(listenSocket, irp, WskFunction.WskInspectComplete, ListenSocket.class,
                    s -> s.inspectComplete(inspectId, action, irp));
        }
    }

    final class Datagram extends Basic implements WskProviderDatagramDispatch {
        @Override
        public NtStatus wskSendTo(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress,
                                  int controlInfoLength, byte[] controlInfo, Irp irp) {
            return call(socket, irp, WskFunction.WskSendTo, DatagramSocket.class, buffer, null, false,
                    s -> s.sendTo(buffer, flags, remoteAddress, controlInfoLength, controlInfo, irp));
        }

        @Override
        public NtStatus wskReceiveFrom(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress,
                                       Ref<Integer> controlLength, byte[] controlInfo, Ref<Integer> controlFlags,
                                       Irp irp) {
            return call(socket, irp, WskFunction.WskReceiveFrom, DatagramSocket.class, buffer, null, true,
                    s -> s.receiveFrom(buffer, flags, remoteAddress, controlLength, controlInfo, controlFlags, irp));
        }

        @Override
        public NtStatus wskRelease(WskSocket socket, WskDatagramIndication datagramIndication) {
            return callWithoutIrp(socket, WskFunction.WskRelease, DatagramSocket.class,
                    s -> s.release(datagramIndication));
        }

        @Override
        public NtStatus wskSendMessages(WskSocket socket, WskBufList bufferList, int flags, SockAddr remoteAddress,
                                        int controlInfoLength, byte[] controlInfo, Irp irp) {
            return call(socket, irp, WskFunction.WskSendMessages, DatagramSocket.class, null, bufferList, false,
                    s -> s.sendMessages(bufferList, flags, remoteAddress, controlInfoLength, controlInfo, irp));
        }
    }

    class Connection extends Accepting implements WskProviderConnectionDispatch {
        @Override
        public NtStatus wskConnect(WskSocket socket, SockAddr remoteAddress, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskConnect, ConnectionSocket.class, s -> s.connect(remoteAddress,
                    flags, irp));
        }

        @Override
        public NtStatus wskGetRemoteAddress(WskSocket socket, SockAddr remoteAddress, Irp irp) {
            return call(socket, irp, WskFunction.WskGetRemoteAddress, ConnectionSocket.class,
                    s -> s.getRemoteAddress(remoteAddress, irp));
        }

        @Override
        public NtStatus wskSend(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskSend, ConnectionSocket.class, buffer, flags, false,
                    ConnectionSocket::send);
        }

        @Override
        public NtStatus wskReceive(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskReceive, ConnectionSocket.class, buffer, flags, true,
                    ConnectionSocket::receive);
        }

        @Override
        public NtStatus wskDisconnect(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskDisconnect, ConnectionSocket.class, buffer, null, false,
                    s -> s.disconnect(buffer, flags, irp));
        }

        @Override
        public NtStatus wskRelease(WskSocket socket, WskDataIndication dataIndication) {
            return callWithoutIrp(socket, WskFunction.WskRelease, ConnectionSocket.class,
                    s -> s.release(dataIndication));
        }

        @Override
        public NtStatus wskConnectEx(WskSocket socket, SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp) {
            return call(socket, irp, WskFunction.WskConnectEx, ConnectionSocket.class, buffer, null, false,
                    s -> s.connectEx(remoteAddress, buffer, flags, irp));
        }

        @Override
        public NtStatus wskSendEx(WskSocket socket, WskBuf buffer, int flags, int controlInfoLength,
                                  byte[] controlInfo, Irp irp) {
            return call(socket, irp, WskFunction.WskSendEx, ConnectionSocket.class, buffer, null, false,
                    s -> s.sendEx(buffer, flags, controlInfoLength, controlInfo, irp));
        }

        @Override
        public NtStatus wskReceiveEx(WskSocket socket, WskBuf buffer, int flags, Ref<Integer> controlInfoLength,
                                     byte[] controlInfo, Ref<Integer> controlFlags, Irp irp) {
            return call(socket, irp, WskFunction.WskReceiveEx, ConnectionSocket.class, buffer, null, true,
                    s -> s.receiveEx(buffer, flags, controlInfoLength, controlInfo, controlFlags, irp));
        }
    }

    /**
     * Stream sockets: the connection members are inherited and reach the connection role (WskConnect and
     * WskConnectEx commit a stream socket to it); accept ({@link Accepting}) reaches the listen role, and WskListen the
     * {@link StreamSocket} role of a socket not committed yet.
     */
    final class Stream extends Connection implements WskProviderStreamDispatch {
        @Override
        public NtStatus wskListen(WskSocket socket, Irp irp) {
            return call(socket, irp, WskFunction.WskListen, StreamSocket.class, s -> s.listen(irp));
        }
    }
}
