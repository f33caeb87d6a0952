package org.wsk4j.examples;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientConnectionDispatch;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientListenDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskEventCallbackControl;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;

/**
 * A Java port of the WDK sample {@code network/wsk/echosrv} (wsksmple.c): a TCP echo server on one
 * dual-stack IPv6 listener, written the way the C driver is.
 *
 * <ul>
 *   <li>All WSK calls are made from one worker thread at PASSIVE_LEVEL, fed by a work queue; completion
 *       routines and the accept callback only enqueue work and return (they run at DISPATCH_LEVEL).</li>
 *   <li>The listener's WskAcceptEvent is enabled statically (WSK_SET_STATIC_EVENT_CALLBACKS) before any
 *       socket exists, so it is live as soon as WskBind completes; IPV6_V6ONLY is cleared before bind so
 *       IPv4 clients are served too.</li>
 *   <li>Each connection has two operation contexts, each with its own IRP and 2048-byte buffer, so at most two
 *       operations are outstanding per socket: receive → send back → receive...; a 0-byte receive (the client
 *       closed) → graceful WskDisconnect → WskCloseSocket; any failure → WskCloseSocket.</li>
 *   <li>Unload closes the listener and calls WskDeregister, which waits until every connection closed.</li>
 * </ul>
 *
 * <p>Differences from the C sample, all for a Java process: the port is a parameter (the sample uses 40007),
 * and the worker is a Java thread instead of a system worker thread.
 */
public final class EchoServer {

    static final int BUFFER_SIZE = 2048;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final WskSubsystem wsk;
    private final int port;
    private final WskRegistration registration = new WskRegistration();
    private final LinkedBlockingQueue<Runnable> workQueue = new LinkedBlockingQueue<>();
    private final Thread worker = new Thread(this::workerLoop, "echosrv-worker");
    private final WskClientListenDispatch listenDispatch = new WskClientListenDispatch(this::acceptEvent, null, null);
    private final Irp listenIrp = Io.allocateIrp(1, false);
    private final KEvent listenDone = new KEvent(KEvent.EventType.SYNCHRONIZATION_EVENT, false);
    private volatile WskSocket listener;
    private volatile boolean stopping;
    private volatile boolean staticCallbacksSet;
    private volatile NtStatus startStatus;
    private final KEvent started = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);

    /** One operation context: an IRP and a buffer with its MDL (two per connection). */
    private final class Operation {
        final Connection connection;
        final Irp irp = Io.allocateIrp(1, false);
        final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
        final Mdl mdl = Io.allocateMdl(buffer, 0, BUFFER_SIZE);
        long length;

        Operation(Connection connection) {
            this.connection = connection;
        }
    }

    /** A connection context: the socket, its two operations, and the Closing/Disconnecting flags. */
    private final class Connection {
        final WskSocket socket;
        final Operation[] operations = new Operation[2];
        boolean closing;
        boolean disconnecting;
        int live = 2;

        Connection(WskSocket socket) {
            this.socket = socket;
            operations[0] = new Operation(this);
            operations[1] = new Operation(this);
        }

        WskProviderConnectionDispatch dispatch() {
            return (WskProviderConnectionDispatch) socket.dispatch();
        }
    }

    /**
     * Creates the server; nothing happens until {@link #driverEntry()}.
     *
     * @param wsk  the WSK subsystem to run on
     * @param port the port to listen on (0 for any)
     */
    public EchoServer(WskSubsystem wsk, int port) {
        this.wsk = wsk;
        this.port = port;
        worker.setDaemon(true);
    }

    /**
     * {@code DriverEntry}: registers with WSK, starts the worker and queues the start-listening work.
     *
     * @return STATUS_SUCCESS, or the failure of WskRegister
     */
    public NtStatus driverEntry() {
        NtStatus status = wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                registration);
        if (!status.isSuccess()) {
            return status;
        }
        worker.start();
        workQueue.add(this::startListening);
        return STATUS_SUCCESS;
    }

    /**
     * Waits until the listener is bound (or failed to start) and returns the listening port.
     *
     * @return the port, or -1 when listening failed
     */
    public int awaitListening() {
        started.waitFor(WAIT);
        if (startStatus != STATUS_SUCCESS) {
            return -1;
        }
        SockAddrIn6 local = new SockAddrIn6();
        NtStatus status = call(irp -> ((WskProviderListenDispatch) listener.dispatch()).wskGetLocalAddress(listener,
                local, irp));
        return status == STATUS_SUCCESS ? local.port() : -1;
    }

    /**
     * The driver's Unload routine: closes the listener, deregisters (waiting for every connection to close) and
     * stops the worker.
     */
    public void unload() {
        stopping = true;
        KEvent stopped = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
        workQueue.add(() -> {
            if (listener != null) {
                call(irp -> listener.dispatch().wskCloseSocket(listener, irp));
                listener = null;
            }
            stopped.set();
        });
        stopped.waitFor(WAIT);
        wsk.wskDeregister(registration);
        workQueue.add(() -> { });
        worker.interrupt();
        try {
            worker.join(WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Io.freeIrp(listenIrp);
    }

    private void workerLoop() {
        while (true) {
            Runnable work;
            try {
                work = workQueue.take();
            } catch (InterruptedException e) {
                if (stopping) {
                    // unload interrupts only after WskDeregister returned: run what is left and stop. (Testing
                    // isEmpty() here raced with unload's wake-up task: take() throws when the interrupt is
                    // already set even with that task queued, and the next take() then blocked for ever.)
                    Runnable left;
                    while ((left = workQueue.poll()) != null) {
                        left.run();
                    }
                    return;
                }
                continue;
            }
            work.run();
        }
    }

    /** Runs one WSK call with the listen IRP and waits for it, as the sample does on its worker thread. */
    private NtStatus call(java.util.function.Function<Irp, NtStatus> wskCall) {
        Io.reuseIrp(listenIrp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(listenIrp, (device, irp, context) -> {
            ((KEvent) context).set();
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, listenDone, true, true, true);
        NtStatus ignored = wskCall.apply(listenIrp); // the IRP carries the result
        listenDone.waitFor(null);
        return listenIrp.ioStatus().status();
    }

    private void startListening() {
        WskProviderNpi npi = new WskProviderNpi();
        NtStatus status = wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi);
        if (status != STATUS_SUCCESS) {
            finishStart(status);
            return;
        }
        try {
            if (!staticCallbacksSet) {
                status = npi.dispatch().wskControlClient(npi.client(), WSK_SET_STATIC_EVENT_CALLBACKS,
                        WskEventCallbackControl.SIZE, new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT),
                        0, null, null, null);
                if (status != STATUS_SUCCESS) {
                    finishStart(status);
                    return;
                }
                staticCallbacksSet = true;
            }
            status = call(irp -> npi.dispatch().wskSocket(npi.client(), AF_INET6, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_LISTEN_SOCKET, this, listenDispatch, null, null, null, irp));
            if (status != STATUS_SUCCESS) {
                finishStart(status);
                return;
            }
            WskSocket socket = (WskSocket) listenIrp.ioStatus().informationObject();
            WskProviderListenDispatch dispatch = (WskProviderListenDispatch) socket.dispatch();
            status = call(irp -> dispatch.wskControlSocket(socket, WskControlSocketType.WskSetOption, IPV6_V6ONLY,
                    IPPROTO_IPV6, 4, 0, 0, null, null, irp));
            if (status == STATUS_SUCCESS) {
                status = call(irp -> dispatch.wskBind(socket, SockAddrIn6.any(port), 0, irp));
            }
            if (status != STATUS_SUCCESS) {
                call(irp -> dispatch.wskCloseSocket(socket, irp));
            } else {
                listener = socket;
            }
            finishStart(status);
        } finally {
            wsk.wskReleaseProviderNpi(registration);
        }
    }

    private void finishStart(NtStatus status) {
        startStatus = status;
        started.set();
    }

    /** WskAcceptEvent: runs at DISPATCH_LEVEL; never waits, only enqueues work. */
    private NtStatus acceptEvent(Object socketContext, int flags, SockAddr localAddress, SockAddr remoteAddress,
                                 WskSocket acceptSocket, Ref<Object> acceptSocketContext,
                                 Ref<WskClientConnectionDispatch> acceptSocketDispatch) {
        if (acceptSocket == null) {
            // The listener is no longer functional: re-create it (at most once, as in the sample).
            if (!stopping) {
                workQueue.add(() -> {
                    WskSocket dead = listener;
                    listener = null;
                    if (dead != null) {
                        call(irp -> dead.dispatch().wskCloseSocket(dead, irp));
                    }
                    startListening();
                });
            }
            return STATUS_REQUEST_NOT_ACCEPTED;
        }
        Connection connection = new Connection(acceptSocket);
        if (connection.operations[0].irp == null || connection.operations[1].irp == null) {
            return STATUS_REQUEST_NOT_ACCEPTED; // allocation failure: WSK closes the socket
        }
        acceptSocketContext.set(null);
        acceptSocketDispatch.set(null); // no callbacks on accepted sockets
        for (Operation operation : connection.operations) {
            workQueue.add(() -> receive(operation));
        }
        return STATUS_SUCCESS;
    }

    private void arm(Operation operation, org.wsk4j.nt.IoCompletionRoutine routine) {
        Io.reuseIrp(operation.irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(operation.irp, routine, operation, true, true, true);
    }

    private void receive(Operation operation) {
        Connection connection = operation.connection;
        if (connection.closing || connection.disconnecting) {
            release(operation);
            return;
        }
        arm(operation, (device, irp, context) -> {
            NtStatus status = irp.ioStatus().status();
            long bytes = irp.ioStatus().information();
            if (!status.isSuccess()) {
                workQueue.add(() -> close(operation));
            } else if (bytes == 0) {
                workQueue.add(() -> disconnect(operation));
            } else {
                operation.length = bytes;
                workQueue.add(() -> send(operation));
            }
            return STATUS_MORE_PROCESSING_REQUIRED;
        });
        connection.dispatch().wskReceive(connection.socket, new WskBuf(operation.mdl, 0, BUFFER_SIZE), 0, operation.irp);
    }

    private void send(Operation operation) {
        Connection connection = operation.connection;
        if (connection.closing || connection.disconnecting) {
            release(operation);
            return;
        }
        arm(operation, (device, irp, context) -> {
            workQueue.add(irp.ioStatus().status().isSuccess() ? () -> receive(operation) : () -> close(operation));
            return STATUS_MORE_PROCESSING_REQUIRED;
        });
        connection.dispatch().wskSend(connection.socket, new WskBuf(operation.mdl, 0, operation.length), 0,
                operation.irp);
    }

    private void disconnect(Operation operation) {
        Connection connection = operation.connection;
        if (connection.closing || connection.disconnecting) {
            release(operation);
            return;
        }
        connection.disconnecting = true;
        arm(operation, (device, irp, context) -> {
            workQueue.add(() -> close(operation)); // regardless of the disconnect's status
            return STATUS_MORE_PROCESSING_REQUIRED;
        });
        connection.dispatch().wskDisconnect(connection.socket, null, 0, operation.irp);
    }

    private void close(Operation operation) {
        Connection connection = operation.connection;
        if (connection.closing) {
            release(operation);
            return;
        }
        connection.closing = true;
        arm(operation, (device, irp, context) -> {
            workQueue.add(() -> release(operation)); // behind anything already queued for this connection
            return STATUS_MORE_PROCESSING_REQUIRED;
        });
        connection.dispatch().wskCloseSocket(connection.socket, operation.irp);
    }

    /** The sample's free operation: each operation context frees its IRP; the last frees the connection. */
    private void release(Operation operation) {
        Io.freeIrp(operation.irp);
        Io.freeMdl(operation.mdl);
        operation.connection.live--;
    }
}
