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
 * A registered WSK client on its own subsystem (real sockets), with an explicit completion executor and verifier
 * bookkeeping ({@link Bookkeeping}): the echo and connect contenders run with the library's whole default, the
 * configuration a driver gets without asking (issue 17 measures "the default configuration").
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

    /** The verifier's bookkeeping beside its rules (which stay on, modes FAIL, in every setting but {@link #NONE}). */
    enum Bookkeeping {
        /** Live-IRP tracking off, stack capture OFF: the verifier's rules only. */
        OFF,
        /**
         * Left as {@code WskSubsystem.builder()} makes it: live-IRP tracking on, stack capture SAMPLED (the library's
         * whole default).
         */
        LIBRARY_DEFAULT,
        /** Live-IRP tracking on, stack capture ALWAYS (the JUnit extension's setting). */
        ALWAYS,
        /** Every verifier rule OFF as well as tracking and capture: what the verifier costs altogether. */
        NONE
    }

    final WskSubsystem wsk;
    final WskRegistration registration = new WskRegistration();
    final WskProviderNpi npi = new WskProviderNpi();

    WskHost(Completions completions, Bookkeeping bookkeeping) {
        this(completions, bookkeeping, null);
    }

    /** A host on {@code transport} instead of the default NIO transport (null for the default). */
    WskHost(Completions completions, Bookkeeping bookkeeping, Transport transport) {
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
        if (bookkeeping != Bookkeeping.LIBRARY_DEFAULT) {
            configure(wsk.ioManager(), bookkeeping == Bookkeeping.ALWAYS);
        }
        if (bookkeeping == Bookkeeping.NONE) {
            wsk.ioManager().verifier().setAllModes(Verifier.Mode.OFF);
        }
        try (IoManager.Binding ignored = wsk.bindToCurrentThread()) {
            check(wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(MAKE_WSK_VERSION(1, 0), 0, null)),
                    registration), "WskRegister");
            check(wsk.wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi), "WskCaptureProviderNPI");
        }
    }

    /** Bookkeeping {@link Bookkeeping#ALWAYS} when {@code verifier} is true, else {@link Bookkeeping#OFF}. */
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
