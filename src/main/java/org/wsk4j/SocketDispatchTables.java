package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;

/**
 * The five provider dispatch tables of one provider. Each member resolves its socket and IRP the same way
 * ({@link #call}) and hands over to {@link SocketImpl}; members whose behaviour is not built yet complete
 * their IRP with STATUS_NOT_IMPLEMENTED.
 */
final class SocketDispatchTables {

    @FunctionalInterface
    interface SocketCall {
        NtStatus run(SocketImpl socket);
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
        switch (category) {
            case Wsk.WSK_FLAG_LISTEN_SOCKET: return listen;
            case Wsk.WSK_FLAG_CONNECTION_SOCKET: return connection;
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET: return datagram;
            case Wsk.WSK_FLAG_STREAM_SOCKET: return stream;
            default: return basic;
        }
    }

    /** The common preamble: required IRP, live socket, IRP accepted; then the body. */
    NtStatus call(WskSocket socket, Irp irp, String function, SocketCall body) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        SocketImpl impl = provider.lookup(socket, function);
        NtStatus rejected = provider.acceptIrp(irp, function);
        if (rejected != null) {
            return rejected;
        }
        if (impl == null) {
            return provider.failNow(irp, NtStatus.STATUS_INVALID_HANDLE);
        }
        return body.run(impl);
    }

    private NtStatus todo(WskSocket socket, Irp irp, String function) {
        return provider.notImplemented(socket, irp, function);
    }

    class Basic implements WskProviderBasicDispatch {
        @Override
        public NtStatus wskControlSocket(WskSocket socket, WskControlSocketType requestType, int controlCode,
                                         int level, long inputSize, Object inputBuffer, long outputSize,
                                         Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
            if (irp == null) {
                return NtStatus.STATUS_NOT_IMPLEMENTED;
            }
            return todo(socket, irp, "WskControlSocket");
        }

        @Override
        public NtStatus wskCloseSocket(WskSocket socket, Irp irp) {
            return call(socket, irp, "WskCloseSocket", s -> s.close(irp));
        }

        public NtStatus wskBind(WskSocket socket, SockAddr localAddress, int flags, Irp irp) {
            return call(socket, irp, "WskBind", s -> s.bind(localAddress, flags, irp));
        }

        public NtStatus wskGetLocalAddress(WskSocket socket, SockAddr localAddress, Irp irp) {
            return call(socket, irp, "WskGetLocalAddress", s -> s.getLocalAddress(localAddress, irp));
        }
    }

    final class Listen extends Basic implements WskProviderListenDispatch {
        @Override
        public NtStatus wskAccept(WskSocket listenSocket, int flags, Object acceptSocketContext,
                                  WskClientConnectionDispatch acceptSocketDispatch, SockAddr localAddress,
                                  SockAddr remoteAddress, Irp irp) {
            return todo(listenSocket, irp, "WskAccept");
        }

        @Override
        public NtStatus wskInspectComplete(WskSocket listenSocket, WskInspectId inspectId, WskInspectAction action,
                                           Irp irp) {
            return todo(listenSocket, irp, "WskInspectComplete");
        }
    }

    final class Datagram extends Basic implements WskProviderDatagramDispatch {
        @Override
        public NtStatus wskSendTo(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress,
                                  int controlInfoLength, byte[] controlInfo, Irp irp) {
            return todo(socket, irp, "WskSendTo");
        }

        @Override
        public NtStatus wskReceiveFrom(WskSocket socket, WskBuf buffer, int flags, SockAddr remoteAddress,
                                       Ref<Integer> controlLength, byte[] controlInfo, Ref<Integer> controlFlags,
                                       Irp irp) {
            return todo(socket, irp, "WskReceiveFrom");
        }

        @Override
        public NtStatus wskRelease(WskSocket socket, WskDatagramIndication datagramIndication) {
            return NtStatus.STATUS_NOT_IMPLEMENTED;
        }

        @Override
        public NtStatus wskSendMessages(WskSocket socket, WskBufList bufferList, int flags, SockAddr remoteAddress,
                                        int controlInfoLength, byte[] controlInfo, Irp irp) {
            return todo(socket, irp, "WskSendMessages");
        }
    }

    class Connection extends Basic implements WskProviderConnectionDispatch {
        @Override
        public NtStatus wskConnect(WskSocket socket, SockAddr remoteAddress, int flags, Irp irp) {
            return call(socket, irp, "WskConnect", s -> s.connect(remoteAddress, flags, irp));
        }

        @Override
        public NtStatus wskGetRemoteAddress(WskSocket socket, SockAddr remoteAddress, Irp irp) {
            return call(socket, irp, "WskGetRemoteAddress", s -> s.getRemoteAddress(remoteAddress, irp));
        }

        @Override
        public NtStatus wskSend(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return todo(socket, irp, "WskSend");
        }

        @Override
        public NtStatus wskReceive(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return todo(socket, irp, "WskReceive");
        }

        @Override
        public NtStatus wskDisconnect(WskSocket socket, WskBuf buffer, int flags, Irp irp) {
            return todo(socket, irp, "WskDisconnect");
        }

        @Override
        public NtStatus wskRelease(WskSocket socket, WskDataIndication dataIndication) {
            return NtStatus.STATUS_NOT_IMPLEMENTED;
        }

        @Override
        public NtStatus wskConnectEx(WskSocket socket, SockAddr remoteAddress, WskBuf buffer, int flags, Irp irp) {
            return todo(socket, irp, "WskConnectEx");
        }

        @Override
        public NtStatus wskSendEx(WskSocket socket, WskBuf buffer, int flags, int controlInfoLength,
                                  byte[] controlInfo, Irp irp) {
            return todo(socket, irp, "WskSendEx");
        }

        @Override
        public NtStatus wskReceiveEx(WskSocket socket, WskBuf buffer, int flags, Ref<Integer> controlInfoLength,
                                     byte[] controlInfo, Ref<Integer> controlFlags, Irp irp) {
            return todo(socket, irp, "WskReceiveEx");
        }
    }

    final class Stream extends Connection implements WskProviderStreamDispatch {
        @Override
        public NtStatus wskAccept(WskSocket listenSocket, int flags, Object acceptSocketContext,
                                  WskClientConnectionDispatch acceptSocketDispatch, SockAddr localAddress,
                                  SockAddr remoteAddress, Irp irp) {
            return todo(listenSocket, irp, "WskAccept");
        }

        @Override
        public NtStatus wskListen(WskSocket socket, Irp irp) {
            return todo(socket, irp, "WskListen");
        }
    }
}
