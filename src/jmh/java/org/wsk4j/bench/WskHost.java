package org.wsk4j.bench;

import static org.wsk4j.Wsk.MAKE_WSK_VERSION;
import static org.wsk4j.Wsk.WSK_INFINITE_WAIT;

import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.IoCompletionRoutine;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Verifier;
import org.wsk4j.spi.Transport;

/**
 * A registered WSK client on its own subsystem (real sockets), set up as a benchmark should: IRP tracking
 * and stack capture off (unless {@code verifier} is true), and an explicit completion executor.
 */
final class WskHost implements AutoCloseable {

    /** Where completion routines run. */
    enum Completions {
        /** The subsystem's ThreadedCompletionExecutor with one worker thread: one hand-off per completion. */
        THREADED,
        /**
         * The library's DirectCompletionExecutor ({@code WskSubsystem.Builder.directExecutor()}): completions run
         * on the thread that produced them (the NIO selector thread, or the routine's own thread): no hand-off.
         */
        DIRECT
    }

    final WskSubsystem wsk;
    final WskRegistration registration = new WskRegistration();
    final WskProviderNpi npi = new WskProviderNpi();

    WskHost(Completions completions, boolean verifier) {
        this(completions, verifier, null);
    }

    /** A host on {@code transport} instead of the default NIO transport (null for the default). */
    WskHost(Completions completions, boolean verifier, Transport transport) {
        WskSubsystem.Builder builder = WskSubsystem.builder().name("bench");
        if (transport != null) {
            builder.transport(transport);
        }
        if (completions == Completions.DIRECT) {
            builder.directExecutor();
        } else {
            builder.threadedExecutor(1);
        }
        wsk = builder.build();
        configure(wsk.ioManager(), verifier);
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                    registration), "WskRegister");
            check(wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi), "WskCaptureProviderNPI");
        }
    }

    static void configure(IoManager manager, boolean verifier) {
        manager.setTrackLiveIrps(verifier);
        manager.verifier().setStackCapture(verifier ? Verifier.StackCapture.ALWAYS : Verifier.StackCapture.OFF);

    }

    /** IoAllocateIrp + IoSetCompletionRoutine (invoked on every outcome): an IRP for one WSK call. */
    static Irp irp(IoCompletionRoutine routine, Object context) {
        Irp irp = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(irp, routine, context, true, true, true);
        return irp;
    }

    /** IoReuseIrp + IoSetCompletionRoutine: an IRP of a previous call, ready for the next. */
    static Irp reuse(Irp irp, IoCompletionRoutine routine, Object context) {
        Io.reuseIrp(irp, NtStatus.STATUS_UNSUCCESSFUL);
        Io.setCompletionRoutine(irp, routine, context, true, true, true);
        return irp;
    }

    static void check(NtStatus status, String what) {
        if (status != NtStatus.STATUS_SUCCESS) {
            throw new IllegalStateException(what + " failed: " + status);
        }
    }

    IoManager.Binding bind() {
        return wsk.bindToCurrentThread();
    }

    @Override
    public void close() {
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            wsk.wskReleaseProviderNpi(registration);
            wsk.wskDeregister(registration);
        } finally {
            wsk.close();
        }
    }
}
