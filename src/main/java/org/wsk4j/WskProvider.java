package org.wsk4j;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoStackLocation;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportConnection;
import org.wsk4j.spi.TransportDatagram;
import org.wsk4j.spi.TransportEndpoint;
import org.wsk4j.spi.TransportException;
import org.wsk4j.spi.TransportListener;

/**
 * The WSK provider of one subsystem: {@code WSK_PROVIDER_DISPATCH} and the IRP conventions every socket
 * function follows. Stateless apart from the subsystem; safe for concurrent use.
 */
final class WskProvider implements WskProviderDispatch {

    private static final Logger LOG = LoggerFactory.getLogger(WskProvider.class);

    final WskSubsystem subsystem;
    final SocketDispatchTables tables;
    final ClientServices clientServices;

    WskProvider(WskSubsystem subsystem) {
        this.subsystem = subsystem;
        this.tables = new SocketDispatchTables(this);
        this.clientServices = new ClientServices(this);
    }

    // ---- IRP conventions ---------------------------------------------------------------------------

    /**
     * Takes ownership of an IRP passed to a WSK function. Returns null when accepted, else the status to
     * return without completing anything.
     */
    NtStatus acceptIrp(Irp irp, WskFunction function) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        // Checked before the hand-over, so that in FAIL mode the IRP is still the driver's.
        if (pendingInWsk(irp)) {
            irp.ioManager().verifier().report(VerifierRule.IRP_ALREADY_IN_FLIGHT, irp + " passed to " + function
                    + " while still pending in " + irp.driverContext(), irp);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        IoStackLocation next = Io.getNextIrpStackLocation(irp);
        if (next != null && irp.currentLocation() == irp.stackCount() + 1 && (next.completionRoutine() == null
                || !next.invokeOnSuccess() || !next.invokeOnError() || !next.invokeOnCancel())) {
            // A driver-allocated IRP: the routine must exist and run on every outcome.
            irp.ioManager().verifier().report(VerifierRule.IRP_COMPLETION_ROUTINE_REQUIRED, irp + " passed to "
                    + function + (next.completionRoutine() == null ? " without a completion routine"
                    : " with an invoke flag FALSE"), irp);
        }
        if (!Io.setNextIrpStackLocation(irp)) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        irp.setDriverContext(function); // the marker: see pendingInWsk
        org.wsk4j.nt.IrpTimeline timeline = irp.ioManager().timeline();
        if (timeline != null) {
            timeline.handedOver(irp, function.name());
        }
        LOG.debug("{} accepted {}", function, irp);
        return null;
    }

    /** Whether an IRP is pending in a WSK function now (passing it again is IRP_ALREADY_IN_FLIGHT). */
    static boolean pendingInWsk(Irp irp) {
        return irp.isInFlight() && irp.driverContext() instanceof WskFunction;
    }

    /** Completes an accepted IRP with a failure detected at once: inline when allowed, returning the status. */
    NtStatus failNow(Irp irp, NtStatus status) {
        return failNow(irp, status, 0);
    }

    /**
     * {@link #failNow(Irp, NtStatus)} with an Information value: the size needed, for STATUS_BUFFER_OVERFLOW
     * (the size-query convention), else 0.
     */
    NtStatus failNow(Irp irp, NtStatus status, long information) {
        LOG.debug("{} fails at once: {}", irp, status);
        return Completions.failure(irp, status, information, subsystem.executor(), subsystem.executor()::execute,
                null);
    }

    /** Completes an accepted IRP later, on the executor, and returns STATUS_PENDING (as Windows does). */
    NtStatus completeLater(Irp irp, NtStatus status, Object informationObject) {
        return Completions.later(irp, status, informationObject, subsystem.executor());
    }

    /** Resolves a socket argument; null when it is not a live socket of this subsystem. */
    SocketImpl lookup(WskSocket socket, WskFunction function) {
        if (!(socket instanceof SocketImpl impl) || impl.provider != this) {
            return null;
        }
        if (impl.isCloseCalled()) {
            subsystem.ioManager().verifier().report(VerifierRule.SOCKET_USED_AFTER_CLOSE,
                    function + " called on " + impl + " after WskCloseSocket", impl);
            return null;
        }
        return impl;
    }

    /**
     * Resolves a client handle to its registration (null for a null or foreign client), checking that the
     * provider NPI is still captured: calling provider-dispatch functions after the last release is
     * {@link VerifierRule#NPI_USED_AFTER_RELEASE}. Called before any IRP is accepted.
     */
    private WskRegistration registrationOf(WskClient client, WskFunction function) {
        if (client == null) {
            return null;
        }
        WskRegistration registration = client.registration;
        WskRegistration.ClientCheck check = registration.checkClient(subsystem, client);
        if (check == WskRegistration.ClientCheck.FOREIGN) {
            return null;
        }
        if (check == WskRegistration.ClientCheck.RELEASED) {
            subsystem.ioManager().verifier().report(VerifierRule.NPI_USED_AFTER_RELEASE,
                    function + " called through the provider NPI of " + registration + " after it was released", null);
        }
        return registration;
    }

    /** Null when the client can create sockets; else STATUS_INVALID_HANDLE (no or foreign client) or STATUS_DEVICE_NOT_READY. */
    private static NtStatus clientStatus(WskRegistration registration) {
        if (registration == null) {
            return NtStatus.STATUS_INVALID_HANDLE;
        }
        return registration.isActive() ? null : NtStatus.STATUS_DEVICE_NOT_READY;
    }

    // ---- WSK_PROVIDER_DISPATCH --------------------------------------------------------------------

    @Override
    public int version() {
        return WskSubsystem.PROVIDER_VERSION;
    }

    @Override
    public int reserved() {
        return 0;
    }

    @Override
    public NtStatus wskSocket(WskClient client, int addressFamily, int socketType, int protocol, int flags,
                              Object socketContext, Object dispatch, Object owningProcess, Object owningThread,
                              Object securityDescriptor, Irp irp) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        CallerContext context = CallerContext.enter(subsystem); // the completion may run here before the return
        try {
            return socket(client, addressFamily, socketType, protocol, flags, socketContext, dispatch, irp);
        } finally {
            if (context != null) {
                context.exit();
            }
        }
    }

    private NtStatus socket(WskClient client, int addressFamily, int socketType, int protocol, int flags,
                            Object socketContext, Object dispatch, Irp irp) {
        WskRegistration registration = registrationOf(client, WskFunction.WskSocket);
        NtStatus rejected = acceptIrp(irp, WskFunction.WskSocket);
        if (rejected != null) {
            return rejected;
        }
        NtStatus unusable = clientStatus(registration);
        if (unusable != null) {
            return failNow(irp, unusable);
        }
        NtStatus invalid = SocketRules.validateCreate(addressFamily, socketType, protocol, flags, dispatch);
        if (invalid != null) {
            return failNow(irp, invalid);
        }
        SocketImpl socket;
        try {
            socket = createSocket(registration, addressFamily, socketType, protocol, flags, socketContext, dispatch);
        } catch (TransportException e) {
            return failNow(irp, e.status());
        }
        return completeLater(irp, NtStatus.STATUS_SUCCESS, socket);
    }

    SocketImpl createSocket(WskRegistration registration, int family, int type, int protocol, int category,
                            Object context, Object clientDispatch) throws TransportException {
        if (subsystem.ioManager().failsSocketCreation()) {
            throw new TransportException(NtStatus.STATUS_INSUFFICIENT_RESOURCES, null); // low-resources simulation
        }
        TransportEndpoint endpoint = openEndpoint(family, type, category); // first: when refused, no socket exists
        SocketImpl socket = new SocketImpl(this, registration, family, type, protocol, category, context,
                clientDispatch);
        socket.withRole(switch (category) {
            case Wsk.WSK_FLAG_CONNECTION_SOCKET -> new ConnectionSocket(socket, (TransportConnection) endpoint);
            case Wsk.WSK_FLAG_LISTEN_SOCKET -> new ListenSocket(socket, (TransportListener) endpoint);
            case Wsk.WSK_FLAG_DATAGRAM_SOCKET -> new DatagramSocket(socket, (TransportDatagram) endpoint);
            case Wsk.WSK_FLAG_STREAM_SOCKET -> new StreamSocket(socket, (TransportConnection) endpoint);
            default -> new BasicSocket(socket);
        });
        registration.socketOpened(socket);
        LOG.debug("created {}", socket);
        return socket;
    }

    /** The transport endpoint a new socket of the category and type uses; null when the type does not fit. */
    private TransportEndpoint openEndpoint(int family, int type, int category) throws TransportException {
        Transport transport = subsystem.transport();
        if (category == Wsk.WSK_FLAG_DATAGRAM_SOCKET) {
            return type == Wsk.SOCK_DGRAM ? transport.openDatagram(family) : null;
        }
        if (type != Wsk.SOCK_STREAM) {
            return null;
        }
        if (category == Wsk.WSK_FLAG_LISTEN_SOCKET) {
            return transport.openListener(family);
        }
        boolean connects = category == Wsk.WSK_FLAG_CONNECTION_SOCKET || category == Wsk.WSK_FLAG_STREAM_SOCKET;
        return connects ? transport.openConnection(family) : null;
    }

    @Override
    public NtStatus wskSocketConnect(WskClient client, int socketType, int protocol, SockAddr localAddress,
                                     SockAddr remoteAddress, int flags, Object socketContext,
                                     WskClientConnectionDispatch dispatch, Object owningProcess, Object owningThread,
                                     Object securityDescriptor, Irp irp) {
        if (irp == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        CallerContext context = CallerContext.enter(subsystem); // a loopback connect completes here before the return
        try {
            return socketConnect(client, socketType, protocol, localAddress, remoteAddress, flags, socketContext,
                    dispatch, irp);
        } finally {
            if (context != null) {
                context.exit();
            }
        }
    }

    private NtStatus socketConnect(WskClient client, int socketType, int protocol, SockAddr localAddress,
                                   SockAddr remoteAddress, int flags, Object socketContext,
                                   WskClientConnectionDispatch dispatch, Irp irp) {
        WskRegistration registration = registrationOf(client, WskFunction.WskSocketConnect);
        NtStatus rejected = acceptIrp(irp, WskFunction.WskSocketConnect);
        if (rejected != null) {
            return rejected;
        }
        NtStatus unusable = clientStatus(registration);
        if (unusable != null) {
            return failNow(irp, unusable);
        }
        if (flags != 0 || localAddress == null || remoteAddress == null) {
            return failNow(irp, NtStatus.STATUS_INVALID_PARAMETER);
        }
        int family = localAddress.family();
        NtStatus invalid = SocketRules.validateCreate(family, socketType, protocol, Wsk.WSK_FLAG_CONNECTION_SOCKET,
                dispatch);
        if (invalid == null && socketType != Wsk.SOCK_STREAM) {
            invalid = NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (invalid == null) {
            invalid = SocketRules.validateRemote(family, remoteAddress);
        }
        if (invalid != null) {
            return failNow(irp, invalid);
        }
        SocketImpl socket;
        try {
            socket = createSocket(registration, family, socketType, protocol, Wsk.WSK_FLAG_CONNECTION_SOCKET,
                    socketContext, dispatch);
        } catch (TransportException e) {
            return failNow(irp, e.status());
        }
        NtStatus bound = socket.bindNow(localAddress, true);
        if (bound != NtStatus.STATUS_SUCCESS) {
            socket.destroy();
            return failNow(irp, bound);
        }
        return ((ConnectionSocket) socket.role()).startConnect(remoteAddress, irp, true, null, null);
    }

    @Override
    public NtStatus wskControlClient(WskClient client, int controlCode, long inputSize, Object inputBuffer,
                                     long outputSize, Object outputBuffer, Ref<Long> outputSizeReturned, Irp irp) {
        return clientServices.controlClient(registrationOf(client, WskFunction.WskControlClient), controlCode,
                inputSize,
                inputBuffer, outputSize, outputBuffer, outputSizeReturned, irp);
    }

    @Override
    public NtStatus wskGetAddressInfo(WskClient client, String nodeName, String serviceName, int nameSpace,
                                      Object provider, AddrInfoExW hints, Ref<AddrInfoExW> result,
                                      Object owningProcess, Object owningThread, Irp irp) {
        return clientServices.getAddressInfo(registrationOf(client, WskFunction.WskGetAddressInfo), nodeName,
                serviceName, nameSpace, provider, hints, result, owningProcess, owningThread, irp);
    }

    @Override
    public void wskFreeAddressInfo(WskClient client, AddrInfoExW addrInfo) {
        clientServices.freeAddressInfo(registrationOf(client, WskFunction.WskFreeAddressInfo), addrInfo);
    }

    @Override
    public NtStatus wskGetNameInfo(WskClient client, SockAddr sockAddr, int sockAddrLength, Ref<String> nodeName,
                                   Ref<String> serviceName, int flags, Object owningProcess, Object owningThread,
                                   Irp irp) {
        return clientServices.getNameInfo(registrationOf(client, WskFunction.WskGetNameInfo), sockAddr, sockAddrLength,
                nodeName, serviceName, flags, owningProcess, owningThread, irp);
    }
}
