package org.wsk4j.junit;

import java.io.IOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.platform.commons.support.ReflectionSupport;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.wsk4j.Wsk;
import org.wsk4j.WskClient;
import org.wsk4j.WskClientDispatch;
import org.wsk4j.WskClientNpi;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskRegistration;
import org.wsk4j.WskSocket;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.Kernel;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.VerifiedObject;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierError;
import org.wsk4j.nt.VerifierReport;
import org.wsk4j.nt.IrpTimeline;
import org.wsk4j.nt.VerifierSink;
import org.wsk4j.sim.PacketCapture;
import org.wsk4j.sim.SimNetwork;
import org.wsk4j.sim.UnusedFault;

/**
 * JUnit 5 extension: runs each test on a fresh, isolated WSK subsystem with a registered client and a
 * captured provider NPI, injects them as parameters, and fails the test when it leaves anything behind.
 *
 * <h2>Registration</h2>
 * Programmatic, with a fluent configuration:
 * <pre>{@code
 * @RegisterExtension
 * final WskExtension wsk = new WskExtension().simulated().seed(42).failOnUnusedFaults(true);
 * }</pre>
 * or annotation-driven with {@link WskTest} ({@code @WskTest(transport = WskTransport.NIO)}), which
 * registers this class with {@code @ExtendWith}. Use one form per test class.
 *
 * <h2>Per test</h2>
 * <ul>
 *   <li>Simulated (the default): a fresh {@link SimNetwork} from the seed and {@code network.newSubsystem()}
 *       (host {@value SimNetwork#LOCALHOST}); NIO: {@code WskSubsystem.builder().manualExecutor().build()}.</li>
 *   <li>The subsystem is bound to the test thread for the test ({@code WskSubsystem.bindToCurrentThread()}), so
 *       IRPs the test allocates with {@code Io.allocateIrp} are accounted there, and the C-shaped global functions
 *       ({@code Wsk.wskRegister}) and kernel functions ({@code Ke}, {@code Ps}, {@code Io.queueWorkItem}) act on the
 *       test's subsystem; driver threads the test creates inherit the binding.</li>
 *   <li>The test method is a driver thread at PASSIVE_LEVEL: it may make blocking, KSOCKET-style calls itself
 *       ({@code KeWaitForSingleObject} on a KEVENT its completion routine sets), start system threads and queue
 *       work items, and still drive the executor step by step. On the simulated network every driver thread is
 *       scheduled deterministically from the seed, waits move virtual time, and a deadlock fails the test at once
 *       with every thread's wait; on NIO waits are real, and bounded by {@link WskTest#waitLimitSeconds()}
 *       (see {@link Kernel}).</li>
 *   <li>A {@link WskRegistration} registered with WSK version 1.0 and a provider NPI captured with
 *       {@code WSK_NO_WAIT}; the extension releases its own capture after the test.</li>
 * </ul>
 * Test methods and {@code @BeforeEach}/{@code @AfterEach} methods may declare parameters of type
 * {@link WskSubsystem}, {@link WskRegistration}, {@link WskProviderNpi}, {@link WskClient},
 * {@link ManualCompletionExecutor}, {@link IoManager}, {@link Kernel} (with {@link Kernel#waitUntil}, the wait helper
 * that works on both transports) and, on the simulated transport only, {@link SimNetwork}. Constructors cannot: the
 * subsystem exists per test, not per instance.
 *
 * <h2>After each test</h2>
 * The extension runs the tasks already queued, then fails the test with one report listing every
 * problem, each naming the object and, where captured, where it was allocated:
 * IRPs still allocated (outstanding or never freed), sockets not closed, NPI captures not released (after
 * releasing its own), queued faults no attempt used (simulated, when {@link #failOnUnusedFaults(boolean)}),
 * verifier violations recorded, exceptions thrown by completion or cancel routines, driver threads still running
 * (with their stacks), registrations made during the test and not deregistered, and global calls made on threads
 * not bound to the test (which went to the process-default subsystem or {@code IoManager.global()}). Then it
 * deregisters (when no socket is left open; otherwise {@code WskDeregister} would wait forever) and
 * closes the subsystem and unbinds the thread, whatever the outcome.
 *
 * <h2>Seed</h2>
 * The simulated network's seed is, in order: {@link WskTest#seed()}, {@link #seed(long)}, the system
 * property {@value #SEED_PROPERTY} ({@code -Dwsk4j.seed=0x2a} or decimal), else a value derived from the
 * test's unique id (stable from run to run and different per test). When a simulated test fails, the
 * seed is reported as {@code wsk4j seed=0x... (rerun with -Dwsk4j.seed=0x...)}: in the message of the
 * extension's own after-test failure, and as a <em>suppressed</em> exception added to an exception the
 * test method threw (the original exception is rethrown unchanged, so its type, message and
 * expected/actual values stay as they were).
 *
 * <h2>Parallel execution</h2>
 * All per-test state lives in the test's {@link ExtensionContext.Store}; the extension holds only its
 * configuration. Tests running in parallel get separate subsystems, networks and I/O managers.
 */
public final class WskExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver,
        TestExecutionExceptionHandler, InvocationInterceptor {

    /** The system property that sets the seed when neither the annotation nor the extension does. */
    public static final String SEED_PROPERTY = "wsk4j.seed";

    /**
     * The system property naming a directory ({@code -Dwsk4j.trace=target/wsk4j-traces}): when set, every test
     * records its IRP timeline ({@link IrpTimeline}, Chrome / Perfetto trace JSON) and every simulated test also its
     * network's packets ({@link PacketCapture}, pcap for Wireshark); a failing test writes them there, named in the
     * failure.
     */
    public static final String TRACE_PROPERTY = "wsk4j.trace";

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(WskExtension.class);
    private static final String STATE = "state";
    private static final Set<Class<?>> INJECTABLE = Set.of(WskSubsystem.class, WskRegistration.class,
            WskProviderNpi.class, WskClient.class, SimNetwork.class, ManualCompletionExecutor.class, IoManager.class,
            Kernel.class);

    private WskTransport transport = WskTransport.SIMULATED;
    private Long seed;
    private boolean failOnUnusedFaults = true;
    private Verifier.Mode verifierMode;
    private Verifier.StackCapture stackCapture;
    private Duration waitLimit = Duration.ofSeconds(30);
    private Integer schedules;
    private String strategy;
    private String replay;

    /**
     * Creates the extension with the defaults: simulated transport, seed from the property or the test
     * id, unused faults fail the test, verifier modes unchanged ({@link Verifier.Mode#FAIL}).
     */
    public WskExtension() {
    }

    /**
     * Runs tests on the simulated network (the default).
     *
     * @return this extension
     */
    public WskExtension simulated() {
        transport = WskTransport.SIMULATED;
        return this;
    }

    /**
     * Runs tests on real loopback sockets (java.nio) with a manual completion executor.
     *
     * @return this extension
     */
    public WskExtension nio() {
        transport = WskTransport.NIO;
        return this;
    }

    /**
     * Sets the transport.
     *
     * @param transport the transport
     * @return this extension
     */
    public WskExtension transport(WskTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return this;
    }

    /**
     * Pins the simulated network's seed (it then wins over the system property).
     *
     * @param seed the seed
     * @return this extension
     */
    public WskExtension seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * Sets whether queued faults no attempt consumed fail the test (simulated transport only).
     *
     * @param fail true (the default) to fail
     * @return this extension
     */
    public WskExtension failOnUnusedFaults(boolean fail) {
        this.failOnUnusedFaults = fail;
        return this;
    }

    /**
     * Sets the mode of every verifier rule of each test's I/O manager. With {@link Verifier.Mode#LOG} a
     * broken rule does not throw inside the test, but it is still recorded and fails the test afterwards;
     * only {@link Verifier.Mode#OFF} ignores violations.
     *
     * @param mode the mode
     * @return this extension
     */
    public WskExtension verifierMode(Verifier.Mode mode) {
        this.verifierMode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /**
     * Sets the verifier's stack capture for each test. Unless set here, tests capture every allocation and
     * hand-over site ({@link Verifier.StackCapture#ALWAYS}), so a leak or violation report always says where the
     * object came from; the system property {@value Verifier#STACK_CAPTURE_PROPERTY} overrides that default.
     * (Outside tests the library default is {@link Verifier.StackCapture#SAMPLED}, which keeps the verifier's cost
     * within budget.)
     *
     * @param capture the setting
     * @return this extension
     */
    public WskExtension stackCapture(Verifier.StackCapture capture) {
        this.stackCapture = Objects.requireNonNull(capture, "capture");
        return this;
    }

    /**
     * Sets the longest a blocking kernel wait may last on the NIO transport (see {@link WskTest#waitLimitSeconds()}).
     *
     * @param limit the limit; 30 seconds unless set
     * @return this extension
     */
    public WskExtension waitLimit(Duration limit) {
        this.waitLimit = Objects.requireNonNull(limit, "limit");
        return this;
    }

    /**
     * Explores this many schedules per test (see {@link WskTest#schedules()}); the system property
     * {@code wsk4j.schedules} overrides it.
     *
     * @param count at least 1 (checked when a test starts: a configuration error otherwise)
     * @return this extension
     */
    public WskExtension schedules(int count) {
        this.schedules = count;
        return this;
    }

    /**
     * Sets the exploration strategy (see {@link WskTest#strategy()}); the system property {@code wsk4j.strategy}
     * overrides it.
     *
     * @param name {@code random}, {@code pct} or {@code pct:<depth>} (checked when a test starts)
     * @return this extension
     */
    public WskExtension strategy(String name) {
        this.strategy = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Replays one schedule: the decisions of a failure report's replay line ({@code -Dwsk4j.replay=...}), with the
     * seed of that line given to {@link #seed(long)}. The system property {@code wsk4j.replay} overrides it.
     *
     * @param decisions comma-separated option indexes (checked when a test starts)
     * @return this extension
     */
    public WskExtension replay(String decisions) {
        this.replay = Objects.requireNonNull(decisions, "decisions");
        return this;
    }

    /** The stack capture for tests: the extension's setting, else the system property, else ALWAYS. */
    private Verifier.StackCapture effectiveStackCapture() {
        return stackCapture != null ? stackCapture : Verifier.configuredStackCapture(Verifier.StackCapture.ALWAYS);
    }

    /** The configuration in force for one test. */
    private record Config(WskTransport transport, Long seed, boolean failOnUnusedFaults, Verifier.Mode verifierMode,
                          Duration waitLimit, Exploration.Settings exploration) {
    }

    private Config config(ExtensionContext context) {
        Optional<WskTest> annotation = findAnnotation(context);
        if (annotation.isEmpty()) {
            return checked(new Config(transport, seed, failOnUnusedFaults, verifierMode, waitLimit,
                    Exploration.settings(schedules, strategy, replay, parameters(context))),
                    (schedules != null && schedules != 1) || strategy != null || replay != null);
        }
        WskTest test = annotation.get();
        Long pinned = test.seed().isBlank() ? seed : Long.valueOf(parseSeed(test.seed(), "@WskTest(seed)"));
        if (test.waitLimitSeconds() <= 0) {
            throw new ExtensionConfigurationException("@WskTest(waitLimitSeconds) must be positive: "
                    + test.waitLimitSeconds());
        }
        return checked(new Config(test.transport(), pinned, test.failOnUnusedFaults(), verifierMode,
                Duration.ofSeconds(test.waitLimitSeconds()), Exploration.settings(
                        test.schedules() != 1 ? Integer.valueOf(test.schedules()) : schedules,
                        test.strategy().isBlank() ? strategy : test.strategy(), replay, parameters(context))),
                test.schedules() != 1 || !test.strategy().isBlank() || (schedules != null && schedules != 1)
                        || strategy != null || replay != null);
    }

    /** The system properties, else JUnit's configuration parameters, as a lookup. */
    private static java.util.function.Function<String, String> parameters(ExtensionContext context) {
        return key -> {
            String property = System.getProperty(key);
            return property != null ? property : context.getConfigurationParameter(key).orElse(null);
        };
    }

    /**
     * Exploration needs the simulated transport: asked for by the test itself on NIO, a configuration error; asked
     * for only by the {@code wsk4j.*} properties (which apply to every test of the run), the NIO test runs once.
     */
    private static Config checked(Config config, boolean askedByTheTest) {
        if (config.exploration() != null && config.transport() != WskTransport.SIMULATED) {
            if (!askedByTheTest) {
                return new Config(config.transport(), config.seed(), config.failOnUnusedFaults(), config.verifierMode(),
                        config.waitLimit(), null);
            }
            throw new ExtensionConfigurationException("exploring schedules (@WskTest(schedules/strategy),"
                    + " WskExtension.schedules/strategy/replay) needs the simulated transport; this test runs on "
                    + config.transport());
        }
        return config;
    }

    private static Optional<WskTest> findAnnotation(ExtensionContext context) {
        Optional<WskTest> found = context.getTestMethod().flatMap(m -> annotation(m));
        if (found.isPresent()) {
            return found;
        }
        for (Class<?> type = context.getTestClass().orElse(null); type != null; type = type.getEnclosingClass()) {
            found = annotation(type);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static Optional<WskTest> annotation(AnnotatedElement element) {
        return Optional.ofNullable(element.getAnnotation(WskTest.class));
    }

    // ---- seed ---------------------------------------------------------------------------------------------

    /**
     * Parses a seed: {@code 0x} followed by up to 16 hexadecimal digits (unsigned), or a decimal long.
     *
     * @param text  the text
     * @param where where it came from, for the error message
     * @return the seed
     * @throws ExtensionConfigurationException when the text is not a seed
     */
    static long parseSeed(String text, String where) {
        String t = text.trim();
        try {
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new ExtensionConfigurationException(where + " is not a seed (decimal or 0x-hexadecimal): " + text, e);
        }
    }

    /**
     * Derives a stable seed from a test's unique id: FNV-1a (64 bit) of its characters, then the SplitMix64
     * finalizer (so similar ids give unrelated seeds).
     */
    static long derivedSeed(String uniqueId) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < uniqueId.length(); i++) {
            h ^= uniqueId.charAt(i);
            h *= 0x100000001b3L;
        }
        h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
        h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
        return h ^ (h >>> 31);
    }

    private static long resolveSeed(Config config, ExtensionContext context) {
        if (config.seed() != null) {
            return config.seed();
        }
        String property = parameters(context).apply(SEED_PROPERTY);
        if (property != null && !property.isBlank()) {
            return parseSeed(property, "-D" + SEED_PROPERTY);
        }
        return derivedSeed(context.getUniqueId());
    }

    /**
     * The line that reports a seed: {@code wsk4j seed=0x2a (rerun with -Dwsk4j.seed=0x2a)}.
     *
     * @param seed the seed
     * @return the text
     */
    static String seedMessage(long seed) {
        String hex = "0x" + Long.toHexString(seed);
        return "wsk4j seed=" + hex + " (rerun with -D" + SEED_PROPERTY + "=" + hex + ")";
    }

    /** Carries the seed line as a suppressed exception of a failed test; no stack trace of its own. */
    static final class SeedReport extends RuntimeException {
        SeedReport(String message) {
            super(message, null, false, false);
        }
    }

    // ---- per-test state -----------------------------------------------------------------------------------

    /** Everything one test owns; stored in the test's store, so JUnit closes it even if afterEach did not run. */
    static final class State implements ExtensionContext.Store.CloseableResource {
        final WskTransport transport;
        final long seed;
        final boolean failOnUnusedFaults;
        final SimNetwork network;
        final WskSubsystem subsystem;
        final ManualCompletionExecutor executor;
        final IoManager ioManager;
        final WskRegistration registration = new WskRegistration();
        final WskProviderNpi npi = new WskProviderNpi();
        /** The global fallbacks before the test: an unbound thread that used them escaped the test. */
        final long defaultFallbacksBefore = WskSubsystem.defaultSubsystemFallbacks();
        final long globalIrpsBefore = IoManager.global().statistics().allocationAttempts();
        IoManager.Binding binding;
        boolean registered;
        boolean captured;
        private boolean closed;

        State(Config config, long seed, Schedule schedule) {
            this.transport = config.transport();
            this.seed = seed;
            this.failOnUnusedFaults = config.failOnUnusedFaults();
            if (transport == WskTransport.SIMULATED) {
                network = SimNetwork.create(seed);
                if (schedule != null) {
                    network.executor().explore(schedule);
                }
                if (System.getProperty(TRACE_PROPERTY) != null) {
                    network.startCapture();
                    network.ioManager().startTimeline(network.executor()::nanoTime);
                }
                subsystem = network.newSubsystem();
                executor = network.executor();
                ioManager = network.ioManager();
            } else {
                network = null;
                subsystem = WskSubsystem.builder().manualExecutor().build();
                executor = subsystem.manualExecutor();
                ioManager = subsystem.ioManager();
                if (System.getProperty(TRACE_PROPERTY) != null) {
                    ioManager.startTimeline(executor::nanoTime);
                }
            }
        }

        String describe() {
            return transport == WskTransport.SIMULATED ? "simulated, " + seedMessage(seed) : "NIO";
        }

        /** Unbinds the thread and closes the subsystem (and the network's executor); idempotent. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (binding != null) {
                    binding.close();
                }
            } catch (IllegalStateException wrongThread) {
                // closed by JUnit on another thread than the test's: the binding dies with that thread
            } finally {
                subsystem.close();
                if (network != null) {
                    network.executor().close();
                }
            }
        }
    }

    private static ExtensionContext.Store store(ExtensionContext context) {
        return context.getStore(NAMESPACE);
    }

    /**
     * Builds the test's subsystem, binds its I/O manager to the test thread, registers a client and
     * captures the provider NPI.
     *
     * @param context the test's context
     */
    @Override
    public void beforeEach(ExtensionContext context) {
        if (store(context).get(STATE) != null) {
            throw new ExtensionConfigurationException("WskExtension is registered twice for " + context.getDisplayName()
                    + ": use either @WskTest or a @RegisterExtension field, not both");
        }
        Config config = config(context);
        State state = new State(config, resolveSeed(config, context), null);
        store(context).put(STATE, state);
        open(state, config);
    }

    /** Configures the verifier, binds the thread, registers the client and captures the provider NPI. */
    private void open(State state, Config config) {
        if (config.verifierMode() != null) {
            state.ioManager.verifier().setAllModes(config.verifierMode());
        }
        state.ioManager.verifier().setStackCapture(effectiveStackCapture());
        // Violations and routine failures are asserted after the test (check), not logged: a recording sink.
        state.ioManager.verifier().setSink(VerifierSink.recording());
        if (config.transport() == WskTransport.NIO) {
            state.ioManager.kernel().setWaitLimit(config.waitLimit());
        }
        state.binding = state.subsystem.bindToCurrentThread();
        NtStatus registered = state.subsystem.wskRegister(new WskClientNpi(null,
                new WskClientDispatch(Wsk.MAKE_WSK_VERSION(1, 0), 0, null)), state.registration);
        if (registered != NtStatus.STATUS_SUCCESS) {
            throw new ExtensionConfigurationException("WskRegister failed: " + registered);
        }
        state.registered = true;
        NtStatus captured = state.subsystem.wskCaptureProviderNpi(state.registration, Wsk.WSK_NO_WAIT, state.npi);
        if (captured != NtStatus.STATUS_SUCCESS) {
            throw new ExtensionConfigurationException("WskCaptureProviderNpi failed: " + captured);
        }
        state.captured = true;
    }

    /**
     * Checks what the test left behind, then deregisters and closes the subsystem.
     *
     * @param context the test's context
     * @throws AssertionError listing every problem found
     */
    @Override
    public void afterEach(ExtensionContext context) {
        State state = store(context).remove(STATE, State.class);
        if (state == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        try {
            check(state, problems, causes);
        } finally {
            state.close();
        }
        if (!problems.isEmpty()) {
            StringBuilder report = new StringBuilder("wsk4j: ").append(context.getDisplayName())
                    .append(" left ").append(problems.size()).append(problems.size() == 1 ? " problem" : " problems")
                    .append(" behind [").append(state.describe()).append("]");
            for (int i = 0; i < problems.size(); i++) {
                report.append("\n ").append(i + 1).append(". ").append(problems.get(i).replace("\n", "\n    "));
            }
            AssertionError error = new AssertionError(report.toString());
            causes.forEach(error::addSuppressed);
            throw error;
        }
    }

    private static void check(State state, List<String> problems, List<Throwable> causes) {
        WskSubsystem wsk = state.subsystem;
        WskRegistration registration = state.registration;
        IoManager io = state.ioManager;
        try {
            state.executor.runPending();
        } catch (RuntimeException e) {
            problems.add("running the queued completions failed: " + e);
            causes.add(e);
        }
        if (state.captured && registration.captureCount() > 0) {
            wsk.wskReleaseProviderNpi(registration);
        }
        int captures = registration.captureCount();
        if (captures > 0) {
            problems.add(captures + " provider NPI capture(s) of " + registration + " not released"
                    + " (WskCaptureProviderNpi without a matching WskReleaseProviderNpi)");
            while (registration.captureCount() > 0) {
                wsk.wskReleaseProviderNpi(registration);
            }
        }
        for (WskRegistration other : wsk.registrations()) {
            if (other != registration) {
                problems.add(other + " was registered during the test (WskRegister) and never deregistered"
                        + " (WskDeregister)" + (other.openSocketCount() > 0 ? "; its open sockets: " + other.openSockets()
                        : ""));
            }
        }
        for (String thread : io.kernel().liveDriverThreads()) {
            problems.add("a driver thread was still running at the end of the test (bug check 0xCE"
                    + " DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS): " + thread);
        }
        long fallbacks = WskSubsystem.defaultSubsystemFallbacks() - state.defaultFallbacksBefore;
        if (fallbacks > 0) {
            problems.add(fallbacks + " global WSK call(s) (Wsk.wskRegister) ran on a thread not bound to the test's"
                    + " subsystem and went to the process-default NIO subsystem instead: bind the thread"
                    + " (WskSubsystem.bindToCurrentThread) or create it with PsCreateSystemThread from a bound thread");
        }
        long globalIrps = IoManager.global().statistics().allocationAttempts() - state.globalIrpsBefore;
        if (globalIrps > 0) {
            problems.add(globalIrps + " IoAllocateIrp call(s) ran on a thread not bound to the test's I/O manager and"
                    + " used IoManager.global(): the test's allocation policy and leak checks did not see them");
        }
        List<WskSocket> open = registration.openSockets();
        for (WskSocket socket : open) {
            problems.add(socket + " was never closed (WskCloseSocket)"
                    + site("created at", socket instanceof VerifiedObject ? ((VerifiedObject) socket).allocationSite() : null));
        }
        // Not when the test deregistered the registration itself (a WskDeregister test): a second WskDeregister warns.
        if (open.isEmpty() && state.registered && wsk.registrations().contains(registration)) {
            try {
                wsk.wskDeregister(registration);
                state.executor.runPending();
            } catch (VerifierError e) {
                problems.add("deregistering after the test failed: " + e.getMessage());
            }
        }
        List<Irp> live = io.liveIrps();
        for (Irp irp : live) {
            problems.add(irp + " is still allocated (outstanding, or completed and never freed with IoFreeIrp)"
                    + site("allocated at", irp.allocationSite()));
        }
        if (io.liveIrpCount() > live.size()) {
            problems.add(io.liveIrpCount() + " IRPs are still allocated (live IRP tracking is off: no details)");
        }
        if (state.network != null && state.failOnUnusedFaults) {
            for (UnusedFault unused : state.network.unusedFaults()) {
                problems.add("scripted fault " + unused.fault() + " on " + unused.hook() + " was never used by an attempt"
                        + " (or configure failOnUnusedFaults(false))");
            }
        }
        for (VerifierReport violation : io.verifier().violations()) {
            problems.add(violation.describe());
        }
        for (Throwable failure : io.routineFailures()) {
            problems.add("a completion/cancel routine or callback threw " + failure
                    + " (recorded by the I/O manager; see the suppressed exceptions)");
            causes.add(failure);
        }
    }

    /** Renders a captured site: the first frames outside wsk4j's own library classes, down to the test method. */
    private static String site(String label, Throwable site) {
        if (site == null) {
            return "";
        }
        StringBuilder text = new StringBuilder("\n  ").append(label).append(':');
        int shown = 0;
        for (StackTraceElement frame : site.getStackTrace()) {
            if (isLibraryFrame(frame)) {
                continue;
            }
            if (shown > 0 && isInvocationFrame(frame)) {
                break; // reflection and the test engine: below the test method, noise
            }
            text.append("\n    at ").append(frame);
            if (++shown == 6) {
                text.append("\n    ...");
                break;
            }
        }
        return text.toString();
    }

    private static boolean isInvocationFrame(StackTraceElement frame) {
        String name = frame.getClassName();
        return name.startsWith("jdk.internal.reflect.") || name.startsWith("java.lang.reflect.")
                || name.startsWith("org.junit.");
    }

    /**
     * A frame of the library itself (same jar or class directory as WskSubsystem, or this extension); the
     * package name alone is not enough, since tests and drivers may live in org.wsk4j packages too.
     */
    private static boolean isLibraryFrame(StackTraceElement frame) {
        if (!frame.getClassName().startsWith("org.wsk4j.")) {
            return false;
        }
        try {
            Class<?> type = Class.forName(frame.getClassName(), false, WskExtension.class.getClassLoader());
            // The library's jar (the extension is a jar of its own, or test classes in wsk4j's own build).
            return Objects.equals(location(type), location(WskSubsystem.class))
                    || type.getName().equals(WskExtension.class.getName())
                    || type.getName().startsWith(WskExtension.class.getName() + "$");
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return true;
        }
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? null : source.getLocation().toExternalForm();
    }

    // ---- exploring schedules ------------------------------------------------------------------------------

    /**
     * Runs the test method itself, or, when the test explores schedules ({@link WskTest#schedules()},
     * {@link WskTest#strategy()}, {@link #replay(String)} or the {@code wsk4j.*} properties), runs its body once per
     * schedule, each on a fresh subsystem and network with the after-test checks, stops at the first failure, shrinks
     * it and fails the test with the report (seed, strategy, decisions, replay line). A passing exploration publishes
     * its coverage as a report entry ({@code wsk4j.exploration}). {@code @BeforeEach} and {@code @AfterEach} methods
     * run once, around the exploration, on a subsystem of their own that no schedule uses.
     *
     * @param invocation        the test method's invocation
     * @param invocationContext its target and arguments
     * @param extensionContext  the test's context
     * @throws Throwable what the method threw (not exploring), or the exploration's report
     */
    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
                                    ExtensionContext extensionContext) throws Throwable {
        State first = store(extensionContext).get(STATE, State.class);
        Config config = first == null ? null : config(extensionContext);
        if (config == null || config.exploration() == null) {
            invocation.proceed();
            return;
        }
        invocation.skip();
        Exploration.Settings settings = config.exploration();
        Method method = invocationContext.getExecutable();
        Object target = invocationContext.getTarget().orElse(null);
        Object[] arguments = invocationContext.getArguments().toArray();
        Exploration.Runner runner = schedule -> runSchedule(config, schedule, method, target, arguments);
        Exploration.Result result;
        first.binding.close(); // each schedule binds its own subsystem; the first state's binding comes back after
        first.binding = null;
        try {
            result = Exploration.explore(settings, first.seed, runner);
        } finally {
            first.binding = first.subsystem.bindToCurrentThread();
        }
        if (result.failure() != null) {
            Exploration.Outcome failing = result.shrunk() != null ? result.shrunk() : result.failure();
            throw new AssertionError(Exploration.report(method.getDeclaringClass().getSimpleName() + "." + method.getName(),
                    settings, result),
                    failing.failure());
        }
        extensionContext.publishReportEntry("wsk4j.exploration", result.coverage());
    }

    /**
     * {@link #interceptTestMethod} for each invocation of a {@code @ParameterizedTest} or {@code @RepeatedTest}: each
     * invocation explores its schedules, with its own arguments.
     *
     * @param invocation        the invocation
     * @param invocationContext its target and arguments
     * @param extensionContext  the invocation's context
     * @throws Throwable as {@link #interceptTestMethod}
     */
    @Override
    public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                            ReflectiveInvocationContext<Method> invocationContext,
                                            ExtensionContext extensionContext) throws Throwable {
        interceptTestMethod(invocation, invocationContext, extensionContext);
    }

    /** One schedule: a fresh state exploring {@code schedule}, the method, the after-test checks, the close. */
    private Exploration.Outcome runSchedule(Config config, Schedule schedule, Method method, Object target,
                                            Object[] template) {
        State state = new State(config, schedule.seed(), schedule);
        Throwable failure = null;
        List<String> events = List.of();
        try {
            open(state, config);
            Object[] arguments = template.clone();
            Class<?>[] types = method.getParameterTypes();
            for (int i = 0; i < types.length; i++) {
                if (INJECTABLE.contains(types[i])) {
                    arguments[i] = injected(state, types[i]);
                }
            }
            try {
                ReflectionSupport.invokeMethod(method, target, arguments);
            } catch (Throwable thrown) {
                if (thrown.getClass().getName().equals("org.opentest4j.TestAbortedException")) {
                    throw thrown;
                }
                failure = thrown;
            }
            List<String> problems = new ArrayList<>();
            List<Throwable> causes = new ArrayList<>();
            check(state, problems, causes);
            if (failure == null && !problems.isEmpty()) {
                AssertionError left = new AssertionError("left " + problems.size() + " problem(s) behind: "
                        + String.join("; ", problems));
                causes.forEach(left::addSuppressed);
                failure = left;
            }
        } catch (RuntimeException | Error e) {
            if (failure == null) {
                failure = e;
            }
        } catch (Throwable other) {
            throw new IllegalStateException(other);
        } finally {
            events = state.network.eventLog();
            if (failure != null) {
                releaseQuietly(state);
            }
            state.close();
        }
        return new Exploration.Outcome(schedule.seed(), schedule.decisions(), events, failure);
    }

    /**
     * After a failed schedule (already reported): closes the sockets and releases the captures the test left, and
     * deregisters every registration, so closing the subsystem does not warn once per failing schedule and shrink
     * replay. Best effort: a broken run may refuse.
     */
    private static void releaseQuietly(State state) {
        try {
            for (WskRegistration registration : state.subsystem.registrations()) {
                for (WskSocket socket : registration.openSockets()) {
                    Irp irp = org.wsk4j.nt.Io.allocateIrp(1, false);
                    org.wsk4j.nt.Io.setCompletionRoutine(irp, (device, done, context) -> {
                        org.wsk4j.nt.Io.freeIrp(done);
                        return NtStatus.STATUS_MORE_PROCESSING_REQUIRED;
                    }, null, true, true, true);
                    socket.dispatch().wskCloseSocket(socket, irp);
                }
                state.executor.runPending();
                while (registration.captureCount() > 0) {
                    state.subsystem.wskReleaseProviderNpi(registration);
                }
                if (registration.openSockets().isEmpty()) {
                    state.subsystem.wskDeregister(registration);
                    state.executor.runPending();
                }
            }
        } catch (RuntimeException | Error broken) {
            // the schedule already failed; what is left goes with the subsystem
        }
    }

    // ---- seed on failure ----------------------------------------------------------------------------------

    /**
     * Adds the seed line as a suppressed exception to what a simulated test threw, then rethrows it
     * unchanged. Aborted tests (failed assumptions) are left alone.
     *
     * @param context   the test's context
     * @param throwable what the test threw
     * @throws Throwable always, the same throwable
     */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
        State state = store(context).get(STATE, State.class);
        boolean aborted = throwable.getClass().getName().equals("org.opentest4j.TestAbortedException");
        if (state != null && state.transport == WskTransport.SIMULATED && !aborted) {
            throwable.addSuppressed(new SeedReport(seedMessage(state.seed)));
        }
        if (state != null && !aborted) {
            writeTrace(context, state, throwable);
        }
        throw throwable;
    }

    /**
     * With {@value #TRACE_PROPERTY} set to a directory: writes the failed test's IRP timeline there as
     * {@code <class>.<method>[-<seed>].trace.json} and, on the simulated network, its packet capture as
     * {@code ....pcap}, and names the files in a suppressed exception.
     */
    private static void writeTrace(ExtensionContext context, State state, Throwable throwable) {
        String directory = System.getProperty(TRACE_PROPERTY);
        if (directory == null) {
            return;
        }
        String name = (context.getRequiredTestClass().getSimpleName() + "." + context.getRequiredTestMethod().getName()
                + (state.network != null ? "-0x" + Long.toHexString(state.seed) : "")).replaceAll("[^A-Za-z0-9._-]", "_");
        try {
            Path dir = Path.of(directory);
            Files.createDirectories(dir);
            IrpTimeline timeline = state.ioManager.stopTimeline();
            if (timeline != null) {
                Path file = dir.resolve(name + ".trace.json");
                timeline.writeJson(file);
                throwable.addSuppressed(new SeedReport("wsk4j trace: " + timeline.eventCount() + " IRP events in "
                        + file));
            }
            PacketCapture capture = state.network == null ? null : state.network.stopCapture();
            if (capture != null) {
                Path file = dir.resolve(name + ".pcap");
                capture.writePcap(file);
                throwable.addSuppressed(new SeedReport("wsk4j trace: " + capture.packets().size() + " packets in "
                        + file));
            }
        } catch (IOException | RuntimeException e) {
            throwable.addSuppressed(e);
        }
    }

    // ---- parameters ---------------------------------------------------------------------------------------

    /**
     * Tells whether a parameter is one of the injectable types.
     *
     * @param parameterContext the parameter
     * @param extensionContext the context
     * @return true for the types listed in the class description
     */
    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return INJECTABLE.contains(parameterContext.getParameter().getType());
    }

    /**
     * Returns this test's object of the parameter's type.
     *
     * @param parameterContext the parameter
     * @param extensionContext the context
     * @return the object
     * @throws ParameterResolutionException outside a test (constructors, {@code @BeforeAll}) or for
     *                                      {@link SimNetwork} on the NIO transport
     */
    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        State state = store(extensionContext).get(STATE, State.class);
        if (state == null) {
            throw new ParameterResolutionException("WskExtension injects " + type.getSimpleName()
                    + " only into test methods and @BeforeEach/@AfterEach methods (the subsystem exists per test), not into "
                    + parameterContext.getDeclaringExecutable());
        }
        if (type == SimNetwork.class && state.network == null) {
            throw new ParameterResolutionException("SimNetwork cannot be injected: this test runs on the NIO "
                    + "transport (real sockets); use WskExtension.simulated() or @WskTest(transport = SIMULATED)");
        }
        return injected(state, type);
    }

    /** The state's object of an injectable type. */
    private static Object injected(State state, Class<?> type) {
        if (type == WskSubsystem.class) {
            return state.subsystem;
        } else if (type == WskRegistration.class) {
            return state.registration;
        } else if (type == WskProviderNpi.class) {
            return state.npi;
        } else if (type == WskClient.class) {
            return state.npi.client();
        } else if (type == ManualCompletionExecutor.class) {
            return state.executor;
        } else if (type == IoManager.class) {
            return state.ioManager;
        } else if (type == Kernel.class) {
            return state.ioManager.kernel();
        } else if (type == SimNetwork.class) {
            return state.network;
        }
        throw new ParameterResolutionException("WskExtension cannot inject " + type.getName());
    }
}
