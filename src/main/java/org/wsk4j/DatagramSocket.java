package org.wsk4j;

import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportEndpoint;

/** A datagram socket ({@code WSK_FLAG_DATAGRAM_SOCKET}): bind, send and receive datagrams. */
final class DatagramSocket extends SocketImpl {

    final TransportDatagram datagram;

    DatagramSocket(WskProvider provider, WskRegistration registration, int family, int type, int protocol,
                   Object context, Object clientDispatch, TransportDatagram datagram) {
        super(provider, registration, family, type, protocol, Wsk.WSK_FLAG_DATAGRAM_SOCKET, context, clientDispatch);
        this.datagram = datagram;
    }

    @Override
    TransportEndpoint endpoint() {
        return datagram;
    }

    @Override
    void closeEndpoint() {
        if (datagram != null) {
            datagram.close(true);
        }
    }

    @Override
    boolean eventsAllowedNow() {
        return datagram != null && datagram.localAddress() != null;
    }

    NtStatus sendTo(WskBuf buffer, int flags, SockAddr remoteAddress, int controlInfoLength, byte[] controlInfo,
                    Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus receiveFrom(WskBuf buffer, int flags, SockAddr remoteAddress, Ref<Integer> controlLength,
                         byte[] controlInfo, Ref<Integer> controlFlags, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }

    NtStatus release(WskDatagramIndication indication) {
        return NtStatus.STATUS_NOT_IMPLEMENTED;
    }

    NtStatus sendMessages(WskBufList bufferList, int flags, SockAddr remoteAddress, int controlInfoLength,
                          byte[] controlInfo, Irp irp) {
        return provider.failNow(irp, NtStatus.STATUS_NOT_IMPLEMENTED);
    }
}
