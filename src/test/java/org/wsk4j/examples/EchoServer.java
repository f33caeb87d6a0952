package org.wsk4j.examples;

import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.Ke.*;
import static org.wsk4j.nt.NtStatus.*;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.wsk4j.Ref;
import org.wsk4j.SockAddr;
import org.wsk4j.SockAddrIn6;
import org.wsk4j.Wsk;
import org.wsk4j.WskBuf;
import org.wsk4j.WskClientConnectionDispatch;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientListenDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskControlSocketType;
import org.wsk4j.WskEventCallbackControl;
import org.wsk4j.WskProviderBasicDispatch;
import org.wsk4j.WskProviderConnectionDispatch;
import org.wsk4j.WskProviderListenDispatch;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Handle;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.KEvent;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.Mdl;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Ob;
import org.wsk4j.nt.Ps;
import org.wsk4j.nt.Zw;

/**
 * A transliteration of the WDK sample {@code network/wsk/echosrv} (wsksmple.c, MIT licence): a TCP echo server on one
 * dual-stack IPv6 listener, written the way the C driver is.
 *
 * <ul>
 *   <li>One work queue ({@code WSKSAMPLE_WORK_QUEUE}: an SLIST of operation contexts, a SynchronizationEvent
 *       {@code KEVENT}, a {@code Stop} flag and the worker's {@code PETHREAD}), drained by one system thread created
 *       with {@code PsCreateSystemThread}. Every WSK call is made on that thread at PASSIVE_LEVEL; completion routines
 *       and the accept callback run at DISPATCH_LEVEL and only queue operations.</li>
 *   <li>The listener's WskAcceptEvent is enabled statically (WSK_SET_STATIC_EVENT_CALLBACKS) before any socket
 *       exists, so it is live as soon as WskBind completes; IPV6_V6ONLY is cleared before bind so IPv4 clients are
 *       served too. Setting it up is one compound operation of synchronous calls (a reused IRP and a KEVENT).</li>
 *   <li>Each socket context has two operation contexts, each with its own IRP and 2048-byte buffer, so at most two
 *       operations are outstanding per socket: receive, send back, receive...; a 0-byte receive (the client closed)
 *       leads to a graceful WskDisconnect then WskCloseSocket; any failure to WskCloseSocket.</li>
 *   <li>Unload queues the stop-listening operation, calls WskDeregister (which waits until every socket is closed),
 *       then stops the work queue: sets {@code Stop}, signals the event, waits on the thread object and dereferences
 *       it.</li>
 * </ul>
 *
 * <p>Differences from the C, all for a Java test: the driver's globals are the fields of one instance; the port is a
 * parameter (the sample's is {@value #WSKSAMPLE_PORT}); and two additions a test needs, marked "not in the sample":
 * the port actually bound (for port 0) and an event signaled once the listener is set up (or failed to be).
 *
 * <p>Run it on a driver thread bound to a WSK subsystem: a test method under {@code @WskTest}, or any thread bound
 * with {@code WskSubsystem.bindToCurrentThread()}. {@code WskRegister} is the global function, so it registers with
 * that subsystem.
 */
public final class EchoServer {

    /** The sample's port: {@code 0x479c, // 40007 in hex in network byte order}. */
    public static final int WSKSAMPLE_PORT = 40007;

    /** {@code #define WSKSAMPLE_DATA_BUFFER_LENGTH 2048}. */
    static final int WSKSAMPLE_DATA_BUFFER_LENGTH = 2048;

    /** {@code #define WSKSAMPLE_OP_COUNT 2}: operations outstanding on a socket at most. */
    static final int WSKSAMPLE_OP_COUNT = 2;

    // -----------------------------------------------------------------------------------------------------------
    // Structures.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code PWSKSAMPLE_OP_HANDLER_FN}. */
    @FunctionalInterface
    interface OpHandler {
        void handle(SocketOpContext socketOpContext);
    }

    /** {@code SLIST_ENTRY}, embedded in its container ({@code CONTAINING_RECORD} is {@link #container}). */
    static final class SListEntry {
        SListEntry next;
        final SocketOpContext container;

        SListEntry(SocketOpContext container) {
            this.container = container;
        }
    }

    /**
     * {@code SLIST_HEADER}: a lock-free LIFO list. {@code InterlockedPushEntrySList} returns the previous first entry,
     * {@code InterlockedFlushSList} takes the whole list; both publish the entries' fields to the taker.
     */
    static final class SListHeader {
        private final AtomicReference<SListEntry> first = new AtomicReference<>();

        /** {@code InterlockedPushEntrySList}. */
        SListEntry interlockedPushEntrySList(SListEntry entry) {
            while (true) {
                SListEntry old = first.get();
                entry.next = old;
                if (first.compareAndSet(old, entry)) {
                    return old;
                }
            }
        }

        /** {@code InterlockedFlushSList}. */
        SListEntry interlockedFlushSList() {
            return first.getAndSet(null);
        }
    }

    /** {@code WSKSAMPLE_WORK_QUEUE}: a work queue processed by a dedicated worker thread. */
    static final class WorkQueue {
        /** {@code SLIST_HEADER Head;} */
        final SListHeader head = new SListHeader();
        /** {@code KEVENT Event;} the wake-up event. */
        final KEvent event = new KEvent();
        /** {@code BOOLEAN Stop;} the worker may exit only once the queue is empty and Stop is TRUE. */
        volatile boolean stop;
        /** {@code PETHREAD Thread;} */
        Object thread;
    }

    /** {@code WSKSAMPLE_SOCKET_OP_CONTEXT}: the context of one WSK operation on a socket. */
    static final class SocketOpContext {
        /** {@code SLIST_ENTRY QueueEntry;} */
        final SListEntry queueEntry = new SListEntry(this);
        /** {@code PWSKSAMPLE_OP_HANDLER_FN OpHandler;} (published by the push). */
        OpHandler opHandler;
        /** {@code PWSKSAMPLE_SOCKET_CONTEXT SocketContext;} */
        SocketContext socketContext;
        /** {@code PIRP Irp;} */
        Irp irp;
        /** {@code PVOID DataBuffer;} */
        ByteBuffer dataBuffer;
        /** {@code PMDL DataMdl;} */
        Mdl dataMdl;
        /** {@code SIZE_T BufferLength;} */
        long bufferLength;
        /** {@code SIZE_T DataLength;} the bytes of data in the buffer (written by the receive completion routine). */
        long dataLength;
    }

    /** {@code WSKSAMPLE_SOCKET_CONTEXT}. */
    static final class SocketContext {
        /** {@code PWSK_SOCKET Socket;} */
        WskSocket socket;
        /** {@code PWSKSAMPLE_WORK_QUEUE WorkQueue;} */
        WorkQueue workQueue;
        /** {@code BOOLEAN Closing;} (worker thread only). */
        boolean closing;
        /** {@code BOOLEAN Disconnecting;} (worker thread only). */
        boolean disconnecting;
        /** {@code BOOLEAN StopListening;} (listening sockets only; worker thread only). */
        boolean stopListening;
        /** {@code WSKSAMPLE_SOCKET_OP_CONTEXT OpContext[WSKSAMPLE_OP_COUNT];} */
        final SocketOpContext[] opContext = new SocketOpContext[WSKSAMPLE_OP_COUNT];

        SocketContext() {
            for (int i = 0; i < WSKSAMPLE_OP_COUNT; i++) {
                opContext[i] = new SocketOpContext();
            }
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Globals.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code const WSK_CLIENT_DISPATCH WskSampleClientDispatch = { MAKE_WSK_VERSION(1, 0), 0, NULL };} */
    final WskClientDispatch wskSampleClientDispatch = new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null);

    /** {@code WSK_REGISTRATION WskSampleRegistration;} */
    final WskRegistration wskSampleRegistration = new WskRegistration();

    /** {@code const WSK_CLIENT_LISTEN_DISPATCH WskSampleClientListenDispatch = { WskSampleAcceptEvent, NULL, NULL };} */
    final WskClientListenDispatch wskSampleClientListenDispatch =
            new WskClientListenDispatch(this::wskSampleAcceptEvent, null, null);

    /** {@code PWSKSAMPLE_SOCKET_CONTEXT WskSampleListeningSocketContext;} */
    SocketContext wskSampleListeningSocketContext;

    /** {@code WSKSAMPLE_WORK_QUEUE WskSampleWorkQueue;} */
    final WorkQueue wskSampleWorkQueue = new WorkQueue();

    /** {@code SOCKADDR_IN6 IPv6ListeningAddress = { AF_INET6, 40007, 0, IN6ADDR_ANY_INIT, 0 };} (port: a parameter). */
    final SockAddrIn6 iPv6ListeningAddress;

    /** Not in the sample: signaled once the listening socket is set up or failed to be. */
    private final KEvent listening = new KEvent(KEvent.EventType.NOTIFICATION_EVENT, false);
    /** Not in the sample: the port bound, or -1 when setting up the listener failed. */
    private volatile int listeningPort = -1;

    /**
     * Creates the driver image; nothing happens until {@link #driverEntry()}.
     *
     * @param port the port to listen on: {@link #WSKSAMPLE_PORT} as in the sample, or 0 for any
     */
    public EchoServer(int port) {
        this.iPv6ListeningAddress = SockAddrIn6.any(port);
    }

    // -----------------------------------------------------------------------------------------------------------
    // DriverEntry and Unload.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@code DriverEntry} (its DriverObject and RegistryPath are not used): allocates the listening socket context,
     * registers with WSK, starts the work queue and queues the start-listening operation. PASSIVE_LEVEL.
     *
     * @return STATUS_SUCCESS, STATUS_INSUFFICIENT_RESOURCES, or the failure of WskRegister or PsCreateSystemThread
     */
    public NtStatus driverEntry() {
        NtStatus status;
        WskClientNpi wskClientNpi;

        // Allocate a socket context that will be used for queueing an operation to setup a listening socket that will
        // accept incoming connections
        wskSampleListeningSocketContext = wskSampleAllocateSocketContext(wskSampleWorkQueue, 0);

        if (wskSampleListeningSocketContext == null) {
            return STATUS_INSUFFICIENT_RESOURCES;
        }

        // Register with WSK.
        wskClientNpi = new WskClientNpi(null, wskSampleClientDispatch);
        status = Wsk.wskRegister(wskClientNpi, wskSampleRegistration);

        if (!status.isSuccess()) {
            wskSampleFreeSocketContext(wskSampleListeningSocketContext);
            return status;
        }

        // Initialize and start the global work queue
        status = wskSampleStartWorkQueue(wskSampleWorkQueue);

        if (!status.isSuccess()) {
            Wsk.wskDeregister(wskSampleRegistration);
            wskSampleFreeSocketContext(wskSampleListeningSocketContext);
            return status;
        }

        // Enqueue the first operation to setup the listening socket
        wskSampleEnqueueOp(wskSampleListeningSocketContext.opContext[0], this::wskSampleOpStartListen);

        // Everything has been initiated successfully. Now we can enable the unload routine and return.
        return STATUS_SUCCESS;
    }

    /**
     * {@code WskSampleUnload}: queues the stop-listening operation, deregisters (blocking until every socket, the
     * accepted ones included, is closed: until every client has disconnected) and stops the work queue. PASSIVE_LEVEL.
     */
    public void wskSampleUnload() {
        // Enqueue an operation to stop listening for any new connections. This will close the listening socket, but
        // there may still be connection-oriented sockets that are open. The WskDeregister call below will block until
        // all sockets including the connection-oriented ones that were accepted over the listening socket are closed.
        wskSampleEnqueueOp(wskSampleListeningSocketContext.opContext[1], this::wskSampleOpStopListen);

        // Deregister with WSK. This call will wait until all the references to the WSK provider NPI are released and
        // all the sockets are closed. Note that if the worker thread has not started yet, then when it eventually
        // starts, its WskCaptureProviderNPI call will fail and the work queue will be flushed and cleaned up properly.
        Wsk.wskDeregister(wskSampleRegistration);

        // WskDeregister returns only if all the sockets are closed. Thus, at this point, it's guaranteed that all
        // socket are closed, which also means that there can not be any further outstanding operations on any socket.
        // So, the worker thread can now safely stop processing the work queue if there are no queued items. Signal
        // the worker thread to stop and wait for it.
        wskSampleStopWorkQueue(wskSampleWorkQueue);
    }

    /**
     * Not in the sample: waits (KeWaitForSingleObject, at most 30 seconds: virtual ones on the simulated network)
     * until the listening socket is set up, and returns its port. PASSIVE_LEVEL.
     *
     * @return the port, or -1 when setting up the listener failed or did not end in time
     */
    public int awaitListening() {
        NtStatus waited = Ke.waitForSingleObject(listening, Executive, KernelMode, false,
                Ke.relativeTimeout(java.time.Duration.ofSeconds(30)));
        return waited == STATUS_SUCCESS ? listeningPort : -1;
    }

    // -----------------------------------------------------------------------------------------------------------
    // The work queue.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code WskSampleStartWorkQueue}: initializes a work queue and starts its worker thread. */
    NtStatus wskSampleStartWorkQueue(WorkQueue workQueue) {
        NtStatus status;
        Ref<Handle> threadHandle = new Ref<>();

        // InitializeSListHead(&WorkQueue->Head): the header starts empty.
        Ke.initializeEvent(workQueue.event, SynchronizationEvent, false);
        workQueue.stop = false;

        status = Ps.createSystemThread(threadHandle, Ps.THREAD_ALL_ACCESS, null, null, null,
                this::wskSampleWorkerThread, workQueue);

        if (!status.isSuccess()) {
            return status;
        }

        Ref<Object> thread = new Ref<>();
        status = Ob.referenceObjectByHandle(threadHandle.get(), Ps.THREAD_ALL_ACCESS, null, KernelMode, thread, null);
        workQueue.thread = thread.get();

        Zw.close(threadHandle.get());

        if (!status.isSuccess()) {
            workQueue.stop = true;
            Ke.setEvent(workQueue.event, 0, false);
        }

        return status;
    }

    /** {@code WskSampleStopWorkQueue}: stops a work queue and waits for its worker thread to exit. */
    void wskSampleStopWorkQueue(WorkQueue workQueue) {
        assert !workQueue.stop;
        assert workQueue.thread != null;
        workQueue.stop = true;
        Ke.setEvent(workQueue.event, 0, false);
        Ke.waitForSingleObject(workQueue.thread, Executive, KernelMode, false, null);
        Ob.dereferenceObject(workQueue.thread);
    }

    /** {@code WskSampleAllocateSocketContext}: a socket context with two operation contexts (IRP, buffer, MDL). */
    SocketContext wskSampleAllocateSocketContext(WorkQueue workQueue, int bufferLength) {
        SocketContext socketContext;

        // Allocate and setup a socket context with optional data buffers, and attach the socket to the given work
        // queue. A given socket will/must always use the same work queue.
        socketContext = new SocketContext(); // ExAllocatePoolZero(NonPagedPool, sizeof(*socketContext), ...)

        socketContext.workQueue = workQueue;

        for (int i = 0; i < WSKSAMPLE_OP_COUNT; i++) {
            socketContext.opContext[i].socketContext = socketContext;

            socketContext.opContext[i].irp = Io.allocateIrp(1, false);
            if (socketContext.opContext[i].irp == null) {
                wskSampleFreeSocketContext(socketContext); // failure:
                return null;
            }

            if (bufferLength > 0) {
                socketContext.opContext[i].dataBuffer = ByteBuffer.allocateDirect(bufferLength);
                socketContext.opContext[i].dataMdl = Io.allocateMdl(socketContext.opContext[i].dataBuffer, 0,
                        bufferLength); // IoAllocateMdl + MmBuildMdlForNonPagedPool
                if (socketContext.opContext[i].dataMdl == null) {
                    wskSampleFreeSocketContext(socketContext);
                    return null;
                }
                socketContext.opContext[i].bufferLength = bufferLength;
            }
        }

        return socketContext;
    }

    /** {@code WskSampleFreeSocketContext}: frees the IRPs and MDLs of a socket context. */
    void wskSampleFreeSocketContext(SocketContext socketContext) {
        // Socket context is freed only after all the WSK calls on the socket are completed and all enqueued
        // operations for the socket are dequeued. So, we can safely free the Irp, Mdl, and data buffer.
        for (int i = 0; i < WSKSAMPLE_OP_COUNT; i++) {
            if (socketContext.opContext[i].irp != null) {
                Io.freeIrp(socketContext.opContext[i].irp);
                socketContext.opContext[i].irp = null;
            }
            if (socketContext.opContext[i].dataMdl != null) {
                Io.freeMdl(socketContext.opContext[i].dataMdl);
                socketContext.opContext[i].dataMdl = null;
            }
            socketContext.opContext[i].dataBuffer = null; // ExFreePool
        }
    }

    /** {@code WskSampleEnqueueOp}: queues an operation on its socket's work queue; any IRQL. */
    void wskSampleEnqueueOp(SocketOpContext socketOpContext, OpHandler opHandler) {
        WorkQueue workQueue = socketOpContext.socketContext.workQueue;

        socketOpContext.opHandler = opHandler;

        if (workQueue.head.interlockedPushEntrySList(socketOpContext.queueEntry) == null) {
            // Work queue was empty. So, signal the work queue event in case the worker thread is waiting on the event
            // for more operations.
            Ke.setEvent(workQueue.event, 0, false);
        }
    }

    /** {@code WskSampleWorkerThread}: the worker thread that drains and processes a work queue. */
    void wskSampleWorkerThread(Object context) {
        WorkQueue workQueue;
        SListEntry listEntryRev;
        SListEntry listEntry;
        SListEntry next;

        workQueue = (WorkQueue) context;

        for (;;) {
            // Flush all the queued operations into a local list
            listEntryRev = workQueue.head.interlockedFlushSList();

            if (listEntryRev == null) {
                // There's no work to do. If we are allowed to stop, then stop.
                if (workQueue.stop) {
                    break;
                }

                // Otherwise, wait for more operations to be enqueued. (The C passes 0 as the Timeout: a NULL
                // PLARGE_INTEGER, so an unbounded wait, not a poll.)
                Ke.waitForSingleObject(workQueue.event, Executive, KernelMode, false, null);
                continue;
            }

            // Need to reverse the flushed list in order to preserve the FIFO order
            listEntry = null;
            while (listEntryRev != null) {
                next = listEntryRev.next;
                listEntryRev.next = listEntry;
                listEntry = listEntryRev;
                listEntryRev = next;
            }

            // Now process the correctly ordered list of operations one by one
            while (listEntry != null) {
                SocketOpContext socketOpContext = listEntry.container; // CONTAINING_RECORD(listEntry, ..., QueueEntry)
                OpHandler opHandler = socketOpContext.opHandler;

                listEntry = listEntry.next;

                opHandler.handle(socketOpContext);
            }
        }

        Ps.terminateSystemThread(STATUS_SUCCESS);
    }

    // -----------------------------------------------------------------------------------------------------------
    // The listening socket.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code WskSampleOpStartListen}: the very first operation; made of several synchronous WSK calls. */
    void wskSampleOpStartListen(SocketOpContext socketOpContext) {
        NtStatus status;
        WskProviderNpi wskProviderNpi = new WskProviderNpi();

        // Capture the WSK Provider NPI
        status = Wsk.wskCaptureProviderNpi(wskSampleRegistration, WSK_INFINITE_WAIT, wskProviderNpi);

        if (status.isSuccess()) {
            // Create a listening socket
            wskSampleSetupListeningSocket(wskProviderNpi, socketOpContext);

            // Release the WSK provider NPI since we won't use it anymore
            Wsk.wskReleaseProviderNpi(wskSampleRegistration);
        }
        // else: WskCaptureProviderNPI fails if WskDeregister is called from the Unload routine before the WSK
        // subsystem becomes ready.
        listening.set(); // not in the sample
    }

    /** {@code WskSampleSetupListeningSocket}: creates and prepares a listening socket, synchronously. */
    void wskSampleSetupListeningSocket(WskProviderNpi wskProviderNpi, SocketOpContext socketOpContext) {
        NtStatus status;
        KEvent compEvent = new KEvent();
        WskSocket listeningSocket = null;
        WskProviderListenDispatch dispatch = null;
        SocketContext socketContext = socketOpContext.socketContext;
        Irp irp = socketOpContext.irp;

        Ke.initializeEvent(compEvent, SynchronizationEvent, false);

        if (socketContext.socket != null) {
            // If there's already a socket then we must be getting called because the WskAcceptEvent indicated a NULL
            // AcceptSocket, i.e. the listening socket is no longer functional. So, we will close the existing
            // listening socket and try to create a new one.
            if (socketContext.stopListening) {
                // Listening socket is already being closed because the driver is being unloaded. So, there's no
                // need to recreate it.
                return;
            }

            Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
            Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);

            socketContext.socket.dispatch().wskCloseSocket(socketContext.socket, irp);

            Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);

            assert irp.ioStatus().status().isSuccess();
            socketContext.socket = null;

            Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        } else {
            // First, configure the WSK client such that WskAcceptEvent callback will be automatically enabled on the
            // listening socket upon creation.
            WskEventCallbackControl callbackControl = new WskEventCallbackControl(NPI_WSK_INTERFACE_ID,
                    WSK_EVENT_ACCEPT);
            status = wskProviderNpi.dispatch().wskControlClient(wskProviderNpi.client(),
                    WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE, callbackControl, 0, null, null, null);
            if (!status.isSuccess()) {
                return; // goto failexit (no socket yet)
            }
        }

        // Create a listening socket over AF_INET6 address family. Put the socket into dual-family mode by setting
        // IPV6_V6ONLY option to FALSE so that AF_INET traffic is also handled over the same socket.
        Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);

        // We do not need to check the return status since the actual completion status will be captured from the IRP
        // after the IRP is completed.
        wskProviderNpi.dispatch().wskSocket(wskProviderNpi.client(), AF_INET6, SOCK_STREAM, IPPROTO_TCP,
                WSK_FLAG_LISTEN_SOCKET, socketContext, wskSampleClientListenDispatch,
                null, // Process
                null, // Thread
                null, // SecurityDescriptor
                irp);

        Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);

        if (!irp.ioStatus().status().isSuccess()) {
            return; // goto failexit (no socket)
        }

        listeningSocket = (WskSocket) irp.ioStatus().informationObject();
        dispatch = (WskProviderListenDispatch) listeningSocket.dispatch();

        // Set IPV6_V6ONLY to FALSE before the bind operation (optionValue = 0)
        Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);

        dispatch.wskControlSocket(listeningSocket, WskControlSocketType.WskSetOption, IPV6_V6ONLY, IPPROTO_IPV6,
                4, 0, 0, null, null, irp); // sizeof(optionValue), &optionValue (0), 0, NULL, NULL

        Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);

        if (irp.ioStatus().status().isSuccess()) {
            // Bind the socket to the wildcard address. Once bind is completed, WSK provider will make WskAcceptEvent
            // callbacks as connections arrive.
            Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
            Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);

            dispatch.wskBind(listeningSocket, iPv6ListeningAddress, 0, irp);

            Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);

            if (irp.ioStatus().status().isSuccess()) {
                // Store the WSK socket pointer in the socket context only if everything has succeeded. Otherwise, the
                // listening WSK socket, if one was created successfully, will be closed inline below.
                assert socketContext.socket == null;
                socketContext.socket = listeningSocket;

                recordListeningPort(dispatch, listeningSocket, irp, compEvent); // not in the sample
                return;
            }
        }

        // failexit:
        Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);

        dispatch.wskCloseSocket(listeningSocket, irp);
        Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);
    }

    /** Not in the sample: WskGetLocalAddress, the same synchronous way, so a test knows the port bound. */
    private void recordListeningPort(WskProviderListenDispatch dispatch, WskSocket listeningSocket, Irp irp,
                                     KEvent compEvent) {
        SockAddrIn6 local = new SockAddrIn6();
        Io.reuseIrp(irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, EchoServer::wskSampleSyncIrpCompletionRoutine, compEvent, true, true, true);
        dispatch.wskGetLocalAddress(listeningSocket, local, irp);
        Ke.waitForSingleObject(compEvent, Executive, KernelMode, false, null);
        if (irp.ioStatus().status().isSuccess()) {
            listeningPort = local.port();
        }
    }

    /** {@code WskSampleSyncIrpCompletionRoutine}: signals the event of a synchronous call. */
    static NtStatus wskSampleSyncIrpCompletionRoutine(DeviceObject reserved, Irp irp, Object context) {
        KEvent compEvent = (KEvent) context;
        Ke.setEvent(compEvent, 2, false);
        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** {@code WskSampleOpStopListen}. */
    void wskSampleOpStopListen(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        socketContext.stopListening = true;

        if (socketContext.socket == null) {
            // Listening socket was NOT created due to some failure. All we need to do is to free up the socket
            // context.
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpFree);
        } else {
            // Enqueue an operation to close the listening socket
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpClose);
        }
    }

    /** {@code WskSampleAcceptEvent}: runs at DISPATCH_LEVEL whenever a new connection arrives. */
    NtStatus wskSampleAcceptEvent(Object socketContext, int flags, SockAddr localAddress, SockAddr remoteAddress,
                                  WskSocket acceptSocket, Ref<Object> acceptSocketContext,
                                  Ref<WskClientConnectionDispatch> acceptSocketDispatch) {
        SocketContext newSocketContext;
        SocketContext listeningSocketContext = (SocketContext) socketContext;

        if (acceptSocket == null) {
            // The listening socket is no longer functional. The sample closes it and creates a new one; the callback
            // is invoked with a NULL AcceptSocket only *once*, so OpContext[0] (used for the first StartListen) is
            // free to reuse.
            wskSampleEnqueueOp(listeningSocketContext.opContext[0], this::wskSampleOpStartListen);
            return STATUS_REQUEST_NOT_ACCEPTED;
        }

        // Allocate socket context for the newly accepted socket.
        newSocketContext = wskSampleAllocateSocketContext(wskSampleWorkQueue, WSKSAMPLE_DATA_BUFFER_LENGTH);

        if (newSocketContext == null) {
            return STATUS_REQUEST_NOT_ACCEPTED;
        }

        newSocketContext.socket = acceptSocket;

        // Enqueue receive operations on the accepted socket. Whenever a receive operation is completed successfully,
        // the received data will be echoed back to the peer via a send operation. Whenever a send operation is
        // completed, a new receive request will be issued over the connection, until the peer closes it.
        for (int i = 0; i < WSKSAMPLE_OP_COUNT; i++) {
            wskSampleEnqueueOp(newSocketContext.opContext[i], this::wskSampleOpReceive);
        }

        // Since we will not use any callbacks on the accepted socket, we specify no socketContext or callback
        // dispatch table pointer for the accepted socket.
        acceptSocketContext.set(null);
        acceptSocketDispatch.set(null);

        return STATUS_SUCCESS;
    }

    // -----------------------------------------------------------------------------------------------------------
    // Connected sockets.
    // -----------------------------------------------------------------------------------------------------------

    /** {@code WskSampleOpReceive}. */
    void wskSampleOpReceive(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        if (socketContext.closing || socketContext.disconnecting) {
            // Do not call WskReceive if socket is being disconnected or closed. The operation context will not be
            // used any more.
            return;
        }
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socketContext.socket.dispatch();

        WskBuf wskbuf = new WskBuf(socketOpContext.dataMdl, 0, socketOpContext.bufferLength);

        Io.reuseIrp(socketOpContext.irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(socketOpContext.irp, this::wskSampleReceiveIrpCompletionRoutine, socketOpContext,
                true, true, true);

        // No need to check the return status here. The IRP completion routine will take action based on the
        // completion status.
        dispatch.wskReceive(socketContext.socket, wskbuf, 0, socketOpContext.irp);
    }

    /** {@code WskSampleReceiveIrpCompletionRoutine}. */
    NtStatus wskSampleReceiveIrpCompletionRoutine(DeviceObject reserved, Irp irp, Object context) {
        SocketOpContext socketOpContext = (SocketOpContext) context;

        if (!irp.ioStatus().status().isSuccess()) {
            // Receive failed. Enqueue an operation to close the socket
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpClose);
        } else if (irp.ioStatus().information() == 0) {
            // Successful receive completion with 0 bytes means the peer has gracefully disconnected its half of the
            // connection. So, we enqueue an operation to disconnect our half.
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpDisconnect);
        } else {
            // Receive has completed with some data. So, we enqueue an operation to send the data back.
            socketOpContext.dataLength = irp.ioStatus().information();
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpSend);
        }

        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** {@code WskSampleOpSend}. */
    void wskSampleOpSend(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        if (socketContext.closing || socketContext.disconnecting) {
            // Do not call WskSend if socket is being disconnected or closed.
            return;
        }
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socketContext.socket.dispatch();

        WskBuf wskbuf = new WskBuf(socketOpContext.dataMdl, 0, socketOpContext.dataLength);

        Io.reuseIrp(socketOpContext.irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(socketOpContext.irp, this::wskSampleSendIrpCompletionRoutine, socketOpContext,
                true, true, true);

        dispatch.wskSend(socketContext.socket, wskbuf, 0, socketOpContext.irp);
    }

    /** {@code WskSampleSendIrpCompletionRoutine}. */
    NtStatus wskSampleSendIrpCompletionRoutine(DeviceObject reserved, Irp irp, Object context) {
        SocketOpContext socketOpContext = (SocketOpContext) context;

        if (!irp.ioStatus().status().isSuccess()) {
            // Send failed. Enqueue an operation to close the socket.
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpClose);
        } else {
            // Send succeeded. Enqueue an operation to receive more data.
            wskSampleEnqueueOp(socketOpContext, this::wskSampleOpReceive);
        }

        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** {@code WskSampleOpDisconnect}. */
    void wskSampleOpDisconnect(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        if (socketContext.closing || socketContext.disconnecting) {
            // A disconnect operation may get enqueued multiple times as a result of multiple outstanding receive
            // requests getting completed with success and 0 bytes.
            return;
        }
        WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socketContext.socket.dispatch();

        socketContext.disconnecting = true;

        Io.reuseIrp(socketOpContext.irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(socketOpContext.irp, this::wskSampleDisconnectIrpCompletionRoutine, socketOpContext,
                true, true, true);

        dispatch.wskDisconnect(socketContext.socket, null, 0, socketOpContext.irp);
    }

    /** {@code WskSampleDisconnectIrpCompletionRoutine}. */
    NtStatus wskSampleDisconnectIrpCompletionRoutine(DeviceObject reserved, Irp irp, Object context) {
        // Disconnect completed. Enqueue an operation to close the socket.
        wskSampleEnqueueOp((SocketOpContext) context, this::wskSampleOpClose);

        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** {@code WskSampleOpClose}. */
    void wskSampleOpClose(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        if (socketContext.closing) {
            // A close operation may get enqueued multiple times as a result of multiple outstanding
            // send/receive/disconnect operations getting completed with failure.
            return;
        }
        socketContext.closing = true;

        WskProviderBasicDispatch dispatch = socketContext.socket.dispatch();

        Io.reuseIrp(socketOpContext.irp, STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(socketOpContext.irp, this::wskSampleCloseIrpCompletionRoutine, socketOpContext,
                true, true, true);

        dispatch.wskCloseSocket(socketContext.socket, socketOpContext.irp);
    }

    /** {@code WskSampleCloseIrpCompletionRoutine}. */
    NtStatus wskSampleCloseIrpCompletionRoutine(DeviceObject reserved, Irp irp, Object context) {
        // WskCloseSocket can never fail.
        assert irp.ioStatus().status().isSuccess();

        // Enqueue an operation to free the socket context, behind any other queued operations (which will not be
        // issued over the socket since the socket context is marked as "closing").
        wskSampleEnqueueOp((SocketOpContext) context, this::wskSampleOpFree);

        return STATUS_MORE_PROCESSING_REQUIRED;
    }

    /** {@code WskSampleOpFree}: frees the context block of a closed socket. */
    void wskSampleOpFree(SocketOpContext socketOpContext) {
        SocketContext socketContext = socketOpContext.socketContext;

        assert socketContext.closing || socketContext.stopListening;
        wskSampleFreeSocketContext(socketContext);
    }
}
