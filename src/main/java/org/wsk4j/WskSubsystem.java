package org.wsk4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.nio.NioTransport;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.DirectCompletionExecutor;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Ke;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.ThreadedCompletionExecutor;
import org.wsk4j.nt.VerifierRule;
import org.wsk4j.spi.Transport;

/**
 * One WSK subsystem: a provider, a transport (real sockets or the simulated network), a completion
 * executor and an {@link IoManager} with its verifier. Several subsystems coexist in one JVM, so parallel
 * tests can each have their own.
 *
 * <pre>{@code
 * try (WskSubsystem wsk = WskSubsystem.builder().manualExecutor().build()) {   // NIO transport
 *     WskRegistration registration = new WskRegistration();
 *     wsk.wskRegister(new WskClientNpi(null, new WskClientDispatch(Wsk.MAKE_WSK_VERSION(1, 0), 0, null)),
 *             registration);
 *     ...
 * }
 * }</pre>
 *
 * <p>The registration functions ({@code WskRegister}, {@code WskCaptureProviderNPI},
 * {@code WskReleaseProviderNPI}, {@code WskQueryProviderCharacteristics}, {@code WskDeregister}) are
 * instance methods here and static methods on {@link Wsk} for the default subsystem.
 *
 * <p>Threading: every method may be called from any thread. Completion routines and event callbacks run
 * on the executor (threaded: its worker threads; manual: the thread that drives it; direct: the thread that
 * produced the completion, see {@link Builder#directExecutor()}), or inline on the
 * calling thread when a WSK call fails at once. With the threaded and the direct executor, a completion that is
 * ready before an outermost WSK call on a driver's own thread returns (a loopback connect, a send the kernel took
 * whole, a receive with data already there, WskSocket, WskCloseSocket of an idle socket) runs on the calling thread
 * before the call returns STATUS_PENDING, as on Windows ({@link Builder#completionInCallerContext(boolean)}). The subsystem's {@link IoManager} is bound on its executor
 * threads; call {@link #bindToCurrentThread()} to account IRPs allocated on your own thread to it.
 */
public final class WskSubsystem implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WskSubsystem.class);
    private static final AtomicLong IDS = new AtomicLong();
    private static final Duration DEREGISTER_REPORT_INTERVAL = Duration.ofSeconds(5);
    private static final Duration DEREGISTER_REPORT_MAX_INTERVAL = Duration.ofMinutes(5);

    /**
     * How long a stuck WskDeregister waits before its next "is waiting" WARN, after {@code reports} of them: 5 s,
     * then doubling (10 s, 20 s, ...) up to 5 minutes, so a deregistration stuck for an hour logs about 17 lines,
     * not 720.
     */
    static Duration deregisterReportInterval(int reports) {
        Duration interval = DEREGISTER_REPORT_INTERVAL.multipliedBy(1L << Math.min(reports, 16));
        return interval.compareTo(DEREGISTER_REPORT_MAX_INTERVAL) > 0 ? DEREGISTER_REPORT_MAX_INTERVAL : interval;
    }

    /** The WSK version the provider implements: 1.0. */
    public static final int PROVIDER_VERSION = 0x0100;

    private static volatile WskSubsystem defaultSubsystem;

    /** Guards the creation of the default subsystem (a private lock, not the public class object). */

    private static final Object DEFAULT_LOCK = new Object();

    private final String name;
    private final IoManager ioManager;
    private final CompletionExecutor executor;
    private final boolean ownsExecutor;
    private final Transport transport;
    private final WskProvider provider;
    private final AtomicLong clientIds = new AtomicLong();
    private final List<WskRegistration> registrations = new ArrayList<>();
    private boolean providerReady;
    private volatile boolean closed;
    private final boolean ownsIoManager;
    /** See {@link Builder#completionInCallerContext(boolean)}: the setting, where the executor allows it. */
    private final boolean completesInCallerContext;

    private WskSubsystem(Builder builder) {
        this.name = builder.name != null ? builder.name : "wsk" + IDS.incrementAndGet();
        this.ownsIoManager = builder.ioManager == null;
        this.ioManager = builder.ioManager != null ? builder.ioManager : IoManager.create(name);
        if (builder.executor != null) {
            this.executor = builder.executor;
            this.ownsExecutor = builder.ownsExecutor;
        } else if (builder.direct) {
            this.executor = new DirectCompletionExecutor(name);
            this.ownsExecutor = true;
        } else {
            this.executor = new ThreadedCompletionExecutor(name, builder.concurrency);
            this.ownsExecutor = true;
        }
        this.executor.bindIoManager(ioManager);
        this.completesInCallerContext = builder.completionInCallerContext && allowsCallerContext(executor);
        this.transport = builder.transport != null ? builder.transport : new NioTransport(name);
        this.providerReady = builder.providerReady;
        this.provider = new WskProvider(this);
    }

    /**
     * Returns a builder; by default: real sockets (NIO), the direct executor (completions on the thread that
     * produced them, see {@link Builder#directExecutor()}), completion in the caller's context, a new I/O manager,
     * provider ready at once.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the process-wide default subsystem used by the static functions of {@link Wsk}, creating
     * it on first use (NIO transport, direct executor, the global {@link IoManager}). It is never closed.
     *
     * @return the default subsystem
     */
    public static WskSubsystem defaultSubsystem() {
        WskSubsystem current = defaultSubsystem;
        if (current == null) {
            synchronized (DEFAULT_LOCK) {
                current = defaultSubsystem;
                if (current == null) {
                    current = builder().name("wsk-default").ioManager(IoManager.global()).build();
                    defaultSubsystem = current;
                }
            }
        }
        return current;
    }

    /**
     * Returns the subsystem the C-shaped global functions ({@link Wsk#wskRegister}) act on for the calling thread: the
     * one bound to it with {@link #bindToCurrentThread()} (driver threads created by the kernel inherit their creator's
     * binding; the JUnit extension binds the test thread), else the {@link #defaultSubsystem()}. Inside a test, falling
     * back to the default is an escape from the test's subsystem, which the JUnit extension reports.
     *
     * @return the current subsystem
     */
    public static WskSubsystem current() {
        Object attached = IoManager.currentAttachment();
        if (attached instanceof WskSubsystem subsystem) {
            return subsystem;
        }
        DEFAULT_USES.incrementAndGet();
        return defaultSubsystem();
    }

    /** How often {@link #current()} fell back to the default subsystem: the JUnit extension watches it. */
    private static final AtomicLong DEFAULT_USES = new AtomicLong();

    /**
     * Returns how many times a global function fell back to the default subsystem because the calling thread was not
     * bound to one (see {@link #current()}); a test harness compares it before and after a test.
     *
     * @return the count since the JVM started
     */
    public static long defaultSubsystemFallbacks() {
        return DEFAULT_USES.get();
    }

    static WskSubsystem of(WskRegistration registration) {
        Objects.requireNonNull(registration, "registration");
        WskSubsystem owner = registration.subsystem();
        return owner != null ? owner : defaultSubsystem();
    }

    /** Configures a {@link WskSubsystem}. Not thread-safe; use from one thread. */
    public static final class Builder {
        private String name;
        private IoManager ioManager;
        private CompletionExecutor executor;
        private boolean ownsExecutor;
        private int concurrency = 2;
        private boolean direct = true;
        private Transport transport;
        private boolean providerReady = true;
        private boolean completionInCallerContext = true;
        /** How the completion executor was chosen (for the error when it is chosen twice), or null. */
        private String executorChoice;

        private Builder() {
        }

        /** Throws IllegalStateException with the formatted message unless {@code expression} holds (Caffeine-style). */
        private static void requireState(boolean expression, String template, Object... args) {
            if (!expression) {
                throw new IllegalStateException(String.format(template, args));
            }
        }

        /** Throws IllegalArgumentException with the formatted message unless {@code expression} holds. */
        private static void requireArgument(boolean expression, String template, Object... args) {
            if (!expression) {
                throw new IllegalArgumentException(String.format(template, args));
            }
        }

        /** Records the completion executor choice; choosing twice is an error naming the earlier choice. */
        private void chooseExecutor(String choice) {
            requireState(executorChoice == null, "the completion executor was already chosen: %s; cannot also use %s",
                    executorChoice, choice);
            executorChoice = choice;
        }

        /**
         * Sets a name for threads and diagnostics.
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Uses the given I/O manager instead of a new one.
         *
         * @param ioManager the manager
         * @return this builder
         */
        public Builder ioManager(IoManager ioManager) {
            this.ioManager = Objects.requireNonNull(ioManager, "ioManager");
            return this;
        }

        /**
         * Uses a threaded executor with this many threads: completion routines and event callbacks run on its worker
         * threads, one hand-off per completion. Slower than the direct executor (the default), but a routine that
         * blocks holds only one worker, never the transport's thread. Choose it for a driver whose routines may wait.
         *
         * @param concurrency 1 to 64
         * @return this builder
         * @throws IllegalArgumentException when concurrency is out of range
         * @throws IllegalStateException when the completion executor was already chosen
         */
        public Builder threadedExecutor(int concurrency) {
            requireArgument(concurrency >= 1 && concurrency <= 64, "concurrency must be between 1 and 64: %s",
                    concurrency);
            chooseExecutor("threadedExecutor(" + concurrency + ")");
            this.executor = null;
            this.direct = false;
            this.concurrency = concurrency;
            return this;
        }

        /**
         * Uses a new {@link ManualCompletionExecutor}: completions run only when the test drives it
         * ({@link WskSubsystem#manualExecutor()}). Primary intent: testing.
         *
         * @return this builder
         * @throws IllegalStateException when the completion executor was already chosen
         */
        public Builder manualExecutor() {
            chooseExecutor("manualExecutor()");
            this.executor = new ManualCompletionExecutor();
            this.direct = false;
            this.ownsExecutor = true;
            return this;
        }

        /**
         * Uses a new {@link DirectCompletionExecutor} (the default): completion routines and event callbacks run on
         * the thread that produced the completion (the NIO selector thread, or the thread of the routine that made
         * the call), with no thread hand-off per completion; the subsystem closes it. The fastest mode on real
         * sockets (docs/performance.md), with one rule: <b>completion routines and event callbacks must not
         * block</b>, as on Windows, where they run at DISPATCH_LEVEL: while one runs on the selector thread, no
         * socket of the subsystem makes progress. A routine that holds the selector thread longer than the
         * verifier's {@link org.wsk4j.nt.Verifier#transportHoldLimit() transport hold limit} (1 s by default) is
         * reported ({@link org.wsk4j.nt.VerifierRule#TRANSPORT_THREAD_HELD}) and the transport moves its event loop
         * to a new thread, so the other sockets go on; choose {@link #threadedExecutor(int)} for a driver whose
         * routines wait. Per-socket order and serialization are the same as with the other executors.
         *
         * @return this builder
         * @throws IllegalStateException when the completion executor was already chosen
         */
        public Builder directExecutor() {
            chooseExecutor("directExecutor()");
            this.executor = null;
            this.direct = true;
            return this;
        }

        /**
         * Uses the given executor; the subsystem does not close it.
         *
         * @param executor the executor
         * @return this builder
         * @throws IllegalStateException when the completion executor was already chosen
         */
        public Builder executor(CompletionExecutor executor) {
            Objects.requireNonNull(executor, "executor");
            chooseExecutor("executor(" + executor + ")");
            this.executor = executor;
            this.direct = false;
            this.ownsExecutor = false;
            return this;
        }

        /**
         * Uses the given transport (the default is real sockets through java.nio); the subsystem closes it.
         *
         * @param transport the transport
         * @return this builder
         */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Sets whether the provider is ready at once (the default). A subsystem built not ready makes
         * {@code WskCaptureProviderNPI} wait or fail with STATUS_DEVICE_NOT_READY until
         * {@link WskSubsystem#setProviderReady(boolean)}; primary intent: testing early-boot capture logic.
         *
         * @param ready the initial readiness
         * @return this builder
         */
        public Builder providerReady(boolean ready) {
            this.providerReady = ready;
            return this;
        }

        /**
         * Sets whether completions may run in the caller's context (the default, true): when the work of a WSK call
         * is done before the call returns (a loopback connect, a send the kernel took whole, a receive with data
         * already there, WskSocket, the close of an idle socket) and the call is the outermost WSK call on a thread
         * that is not one of wsk4j's own (a driver's thread, not a completion routine or callback), its completion
         * routine runs on the calling thread, after the call's work and with no provider lock held, before the call
         * returns STATUS_PENDING, as {@code IoCompleteRequest} does on Windows. It saves two thread hand-offs per
         * call for a driver that waits for each completion. Routines still never nest and per-socket order is kept
         * (only a socket with no completion queued or running completes so). Applies to the threaded and the direct
         * executor; the manual executor (and so the simulated network) always posts, keeping its deterministic order.
         *
         * <p>Pass false for the earlier behaviour: every completion on the executor's
         * threads, never on the caller's (a driver whose routine must not run on the thread that made the call, for
         * example because the caller holds a lock of its own that the routine takes).
         *
         * @param enabled whether completions may run in the caller's context
         * @return this builder
         */
        public Builder completionInCallerContext(boolean enabled) {
            this.completionInCallerContext = enabled;
            return this;
        }

        /**
         * Builds and starts the subsystem.
         *
         * @return the subsystem
         */
        public WskSubsystem build() {
            return new WskSubsystem(this);
        }
    }

    // ---- accessors ---------------------------------------------------------------------------------

    /**
     * Returns the name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the I/O manager that accounts for this subsystem's IRPs and holds its verifier.
     *
     * @return the manager
     */
    public IoManager ioManager() {
        return ioManager;
    }

    /**
     * Returns the completion executor.
     *
     * @return the executor
     */
    public CompletionExecutor executor() {
        return executor;
    }

    /**
     * Returns whether completions of this subsystem may run in the caller's context
     * ({@link Builder#completionInCallerContext(boolean)}, where the executor allows it).
     *
     * @return true with the threaded or the direct executor unless turned off
     */
    public boolean completesInCallerContext() {
        return completesInCallerContext;
    }

    /**
     * Whether completions posted to {@code executor} may run in a WSK caller's context: only with the threaded or
     * the direct executor (both final classes, so two type checks). {@link CallerContext#defer} asks it first, so a
     * completion posted to any other executor (the simulation's manual one) costs no thread-local lookup.
     */
    static boolean allowsCallerContext(CompletionExecutor executor) {
        return executor instanceof ThreadedCompletionExecutor || executor instanceof DirectCompletionExecutor;
    }

    /**
     * Returns the executor as a manual one.
     *
     * @return the manual executor
     * @throws IllegalStateException when the subsystem uses another kind
     */
    public ManualCompletionExecutor manualExecutor() {
        if (!(executor instanceof ManualCompletionExecutor)) {
            throw new IllegalStateException("this subsystem does not use a ManualCompletionExecutor: " + executor);
        }
        return (ManualCompletionExecutor) executor;
    }

    /**
     * Returns the transport.
     *
     * @return the transport
     */
    public Transport transport() {
        return transport;
    }

    /**
     * Binds this subsystem's I/O manager to the calling thread (see {@link IoManager#bindToCurrentThread()}).
     *
     * @return the binding; close it to restore the previous one
     */
    public IoManager.Binding bindToCurrentThread() {
        return ioManager.bindToCurrentThread(this);
    }

    /**
     * Makes the provider ready (releasing captures waiting for it) or not ready.
     *
     * @param ready the readiness
     */
    public void setProviderReady(boolean ready) {
        synchronized (registrations) {
            providerReady = ready;
        }
        for (WskRegistration registration : registrationsSnapshot()) {
            registration.wakeWaiters();
        }
    }

    boolean isProviderReady() {
        synchronized (registrations) {
            return providerReady && !closed;
        }
    }

    WskProvider provider() {
        return provider;
    }

    /**
     * Returns the number of sockets open across all registrations of this subsystem.
     *
     * @return the count
     */
    public int openSocketCount() {
        int count = 0;
        for (WskRegistration registration : registrationsSnapshot()) {
            count += registration.openSocketCount();
        }
        return count;
    }

    private List<WskRegistration> registrationsSnapshot() {
        synchronized (registrations) {
            return new ArrayList<>(registrations);
        }
    }

    /**
     * Returns the registrations made on this subsystem ({@code WskRegister}) and not yet deregistered, oldest first:
     * what a test harness checks after a test.
     *
     * @return a snapshot
     */
    public List<WskRegistration> registrations() {
        return registrationsSnapshot();
    }

    // ---- registration functions ----------------------------------------------------------------------

    /**
     * {@code WskRegister}: registers a WSK client. PASSIVE_LEVEL.
     *
     * @param wskClientNpi    the client NPI; its dispatch must not be null and its Reserved must be 0
     * @param wskRegistration an unused (or deregistered) registration block
     * @return STATUS_SUCCESS; STATUS_INVALID_PARAMETER for null or malformed arguments or a block already
     *         registered; STATUS_DEVICE_NOT_READY when the subsystem is closed
     */
    public NtStatus wskRegister(WskClientNpi wskClientNpi, WskRegistration wskRegistration) {
        Ke.requirePassiveLevel("WskRegister");
        if (wskClientNpi == null || wskRegistration == null || wskClientNpi.dispatch() == null
                || wskClientNpi.dispatch().reserved() != 0) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (closed) {
            return NtStatus.STATUS_DEVICE_NOT_READY;
        }
        if (!wskRegistration.register(this, wskClientNpi, clientIds.incrementAndGet())) {
            return NtStatus.STATUS_INVALID_PARAMETER; // registered or deregistering
        }
        synchronized (registrations) {
            registrations.add(wskRegistration);
        }
        LOG.debug("WskRegister: {} on {}", wskRegistration, name);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * {@code WskCaptureProviderNPI}: captures the provider NPI, waiting for the provider as asked.
     * PASSIVE_LEVEL unless {@code waitTimeout} is {@link Wsk#WSK_NO_WAIT}.
     *
     * @param wskRegistration the registration
     * @param waitTimeout     {@link Wsk#WSK_NO_WAIT}, {@link Wsk#WSK_INFINITE_WAIT}, or milliseconds
     *                        (read as an unsigned 32-bit value)
     * @param wskProviderNpi  filled with the client handle and the provider dispatch table on success
     * @return STATUS_SUCCESS; STATUS_NOINTERFACE when the client's WSK version is not supported;
     *         STATUS_DEVICE_NOT_READY when the provider is not ready in time, or deregistration has
     *         started (waiting captures are released with it); STATUS_INVALID_PARAMETER for null arguments
     *         or a block that is not registered
     */
    public NtStatus wskCaptureProviderNpi(WskRegistration wskRegistration, int waitTimeout,
                                          WskProviderNpi wskProviderNpi) {
        if (waitTimeout != Wsk.WSK_NO_WAIT) {
            Ke.requirePassiveLevel("WskCaptureProviderNPI with a wait");
        }
        if (wskRegistration == null || wskProviderNpi == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (waitTimeout != Wsk.WSK_NO_WAIT && ioManager.kernel().isDeterministic()) {
            // The simulated processor: the wait is a driver-thread wait in virtual time, then the loop below decides.
            ioManager.kernel().waitUntil(() -> captureMayProceed(wskRegistration), waitTimeout == Wsk.WSK_INFINITE_WAIT
                    ? null : Duration.ofMillis(Integer.toUnsignedLong(waitTimeout)));
            waitTimeout = Wsk.WSK_NO_WAIT;
        }
        long deadline = waitTimeout == Wsk.WSK_INFINITE_WAIT ? Long.MAX_VALUE
                : System.nanoTime() + Duration.ofMillis(Integer.toUnsignedLong(waitTimeout)).toNanos();
        NtStatus[] status = new NtStatus[1];
        WskClient client = wskRegistration.capture(this, waitTimeout != Wsk.WSK_NO_WAIT, deadline,
                this::isProviderReady, requested -> Wsk.WSK_MAJOR_VERSION(requested) == Wsk.WSK_MAJOR_VERSION(
                        PROVIDER_VERSION) && Wsk.WSK_MINOR_VERSION(requested) <= Wsk.WSK_MINOR_VERSION(PROVIDER_VERSION),
                status);
        if (client != null) {
            wskProviderNpi.fill(client, provider);
        }
        return status[0];
    }

    private boolean captureMayProceed(WskRegistration wskRegistration) {
        return wskRegistration.unusableFor(this) != null || isProviderReady();
    }

    /**
     * {@code WskReleaseProviderNPI}: releases one capture. May be called at DISPATCH_LEVEL.
     *
     * @param wskRegistration the registration
     */
    public void wskReleaseProviderNpi(WskRegistration wskRegistration) {
        if (wskRegistration == null) {
            return;
        }
        if (!wskRegistration.release()) {
            ioManager.verifier().report(VerifierRule.NPI_RELEASE_IMBALANCE,
                    "WskReleaseProviderNPI on " + wskRegistration + " without a matching capture", null);
        }
    }

    /**
     * {@code WskQueryProviderCharacteristics}: the range of WSK versions the provider supports (1.0 to 1.0).
     *
     * @param wskRegistration the registration
     * @param characteristics filled on success
     * @return STATUS_SUCCESS; STATUS_DEVICE_NOT_READY when the provider is not ready or deregistration
     *         started; STATUS_INVALID_PARAMETER for null arguments or an unregistered block
     */
    public NtStatus wskQueryProviderCharacteristics(WskRegistration wskRegistration,
                                                    WskProviderCharacteristics characteristics) {
        if (wskRegistration == null || characteristics == null) {
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        NtStatus unusable = wskRegistration.unusableFor(this);
        if (unusable != null) {
            return unusable;
        }
        if (!isProviderReady()) {
            return NtStatus.STATUS_DEVICE_NOT_READY;
        }
        characteristics.fill(PROVIDER_VERSION, PROVIDER_VERSION);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * {@code WskDeregister}: starts deregistration (new captures fail, waiting ones are released with
     * STATUS_DEVICE_NOT_READY, queued {@code WSK_TRANSPORT_LIST_CHANGE} IRPs complete with STATUS_CANCELLED
     * before the wait begins) and blocks until every capture is released and every socket of the
     * registration is closed. PASSIVE_LEVEL. While it waits it logs, every 5 seconds, what still holds it.
     *
     * @param wskRegistration the registration
     */
    public void wskDeregister(WskRegistration wskRegistration) {
        Ke.requirePassiveLevel("WskDeregister");
        if (executor.inExecutorThread() || CallerContext.runningInCallerContext()) {
            ioManager.verifier().report(VerifierRule.DEREGISTER_ON_COMPLETION_THREAD, "WskDeregister called on "
                    + Thread.currentThread().getName() + ", a thread of this subsystem's completion executor: the"
                    + " completions it waits for may need this very thread", wskRegistration);
        }
        int inside = SocketDispatchTables.callsOnThisThread();
        if (inside > 0) {
            ioManager.verifier().report(VerifierRule.DEREGISTER_INSIDE_CALL, "WskDeregister called inside " + inside
                    + " running WSK call(s) on this thread (a completion routine a failing call ran inline): the"
                    + " deregistration waits for what those calls still use", wskRegistration);
        }
        if (wskRegistration == null) {
            return;
        }
        if (!wskRegistration.beginDeregister()) {
            LOG.warn("WskDeregister on {} that is not registered: ignored", wskRegistration);
            return;
        }
        // Outside the block's lock: completes queued WSK_TRANSPORT_LIST_CHANGE IRPs (their routines run inline).
        provider.clientServices.deregistering(wskRegistration);
        if (ioManager.kernel().isDeterministic() || executor() instanceof ManualCompletionExecutor) {
            // The simulated processor: wait as a driver thread (other threads and completions run; a wait nothing can
            // end is reported as a deadlock instead of hanging). Real sockets with a manual executor (the JUnit
            // extension's NIO tests): the same kernel wait runs the executor's tasks while it waits (the socket
            // closes it waits for are counted only when their completions ran) and is bounded by the kernel's wait
            // limit (a WAIT_LIMIT_EXCEEDED report). Nothing else would run them: a monitor wait hung for ever.
            ioManager.kernel().waitUntil(wskRegistration::drained, null);
        }
        wskRegistration.awaitDeregistered(WskSubsystem::deregisterReportInterval, LOG);
        synchronized (registrations) {
            registrations.remove(wskRegistration);
        }
        summarize(wskRegistration);
    }

    private void summarize(WskRegistration registration) {
        IoManager.IrpStatistics irps = ioManager.statistics();
        java.util.List<String> sites = new java.util.ArrayList<>();
        for (org.wsk4j.nt.Irp irp : ioManager.liveIrps()) {
            Throwable site = irp.allocationSite();
            String where = "(allocation site not captured)";
            if (site != null) {
                for (StackTraceElement frame : site.getStackTrace()) {
                    if (!frame.getClassName().startsWith("org.wsk4j.nt.")) {
                        where = "allocated at " + frame;
                        break;
                    }
                }
            }
            sites.add(irp + " " + where);
        }
        DeregistrationSummary summary = registration.summarize((opened, closed) -> new DeregistrationSummary(
                irps.allocated(), irps.completedToOwner(), irps.freed(), irps.live(), irps.peakLive(), opened, closed,
                sites));
        LOG.info("WskDeregister({}): IRPs allocated {}, completed {}, freed {}, live {} (peak {}); sockets opened {},"
                + " closed {}{}", registration, summary.irpsAllocated(), summary.irpsCompleted(), summary.irpsFreed(),
                summary.irpsLive(), summary.irpsPeakLive(), summary.socketsOpened(), summary.socketsClosed(),
                sites.isEmpty() ? "" : "; still allocated: " + String.join("; ", sites));
    }

    /**
     * Closes the subsystem: its name-resolver threads (resolutions not yet started complete with
     * STATUS_CANCELLED), the transport (closing any socket still open) and, if the subsystem created
     * it, the executor. Registrations still active are reported in the log. Idempotent. The default
     * subsystem cannot be closed.
     *
     * @throws IllegalStateException for the default subsystem
     */
    @Override
    public void close() {
        if (this == defaultSubsystem) {
            throw new IllegalStateException("the default WSK subsystem cannot be closed");
        }
        synchronized (registrations) {
            if (closed) {
                return;
            }
            closed = true;
            if (!registrations.isEmpty()) {
                LOG.warn("closing WSK subsystem {} with registrations not deregistered: {}", name, registrations);
            }
        }
        for (WskRegistration registration : registrationsSnapshot()) {
            registration.wakeWaiters();
        }
        provider.clientServices.close(); // resolver threads; before the executor, which abandoned IRPs use
        transport.close();
        if (ownsExecutor) {
            executor.close();
        }
        if (ownsIoManager) {
            ioManager.kernel().close(); // driver threads still alive unwind from their waits
        }
    }

    @Override
    public String toString() {
        return "WskSubsystem[" + name + ", " + transport.name() + ", " + executor + "]";
    }
}
