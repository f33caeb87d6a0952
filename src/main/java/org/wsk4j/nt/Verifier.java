package org.wsk4j.nt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rule checker of one {@link IoManager}: wsk4j's built-in Driver Verifier.
 *
 * <p>Each {@link VerifierRule} has a {@link Mode}: {@link Mode#OFF} ignores violations,
 * {@link Mode#LOG} records and logs them (SLF4J, ERROR level), {@link Mode#FAIL} (the default)
 * records, logs and throws a {@link VerifierError} at the point of violation. Every recorded violation
 * is available from {@link #violations()} until {@link #clearViolations()}. "Logs" means: passes it to the
 * verifier's {@link VerifierSink} (see {@link #setSink}), which by default logs it once at ERROR; a test that
 * breaks rules on purpose installs {@link VerifierSink#recording()} and asserts on it instead.
 *
 * <pre>{@code
 * Verifier verifier = IoManager.current().verifier();
 * verifier.setMode(VerifierRule.IRP_LEAKED, Verifier.Mode.LOG);
 * verifier.setStackCapture(Verifier.StackCapture.OFF);   // cheapest: no allocation sites
 * }</pre>
 *
 * <p>Thread safety: all methods may be called from any thread. Mode changes are visible to checks
 * that start after the change returns.
 */
public final class Verifier {

    /** Serialises mode changes (never this object, which drivers and tests hold). */
    private final Object lock = new Object();

    private static final Logger LOG = LoggerFactory.getLogger(Verifier.class);

    /** What the verifier does with a violation of a rule. */
    public enum Mode {
        /** Ignore the violation; the kernel routine carries on as best it can. */
        OFF,
        /** Record and log the violation; the kernel routine carries on as best it can. */
        LOG,
        /** Record, log and throw a {@link VerifierError}. */
        FAIL
    }

    /** Whether allocation and hand-over sites (stack traces) are captured for tracked objects. */
    public enum StackCapture {
        /** No stack traces: cheapest; reports name objects but not where they came from. */
        OFF,
        /**
         * The first {@value Verifier#CAPTURE_ALL_FIRST} IRPs and sockets of each verifier get their sites captured (a
         * test's objects, usually all of them), then one in {@value Verifier#SAMPLE_INTERVAL} (IRPs by id, sockets by
         * a count of their own). A sampled IRP's hand-overs are captured for its first
         * {@value Verifier#SAMPLED_HANDOVERS} hand-overs, so an IRP reused for every request costs a bounded number of
         * stack traces, not one per request. The default: it keeps the verifier within its cost budget, and a report
         * on an object without sites says how to get them.
         */
        SAMPLED,
        /** Every object gets its sites captured: about 1 µs per IRP allocation, hand-over and socket. */
        ALWAYS
    }

    /**
     * With {@link StackCapture#SAMPLED}, one object in this many has its sites captured after the first ones (IRPs
     * counted by their ids, other objects, such as sockets, by a count of their own). 128, Netty's default sampling
     * interval for its leak detector: a site costs a stack trace (1-3 µs), and a fresh IRP sampled costs two (its
     * allocation and its hand-over).
     */
    public static final int SAMPLE_INTERVAL = 128;

    /**
     * With {@link StackCapture#SAMPLED}, how many hand-overs of a sampled IRP have their site captured: its first this
     * many. A later hand-over clears the IRP's hand-over site (a report then says why it has none): a driver that
     * allocates a few IRPs at start-up (all of them sampled, see {@link #CAPTURE_ALL_FIRST}) and reuses them for every
     * request would otherwise pay a stack trace per request. {@link StackCapture#ALWAYS} captures every hand-over.
     */
    public static final int SAMPLED_HANDOVERS = 16;

    /**
     * With {@link StackCapture#SAMPLED}, how many objects of each verifier have their sites captured first: the first
     * this many IRPs (by id) and the first this many other objects (sockets).
     */
    public static final int CAPTURE_ALL_FIRST = 1024;

    /** Copy-on-write: checks on hot paths read the array without a lock; writers replace it under {@code this}. */
    private volatile Mode[] modes;
    /**
     * The system property that sets the initial stack capture of every new verifier: {@code off},
     * {@code sampled} (the default) or {@code always}, for example {@code -Dwsk4j.verifier.stackCapture=always}
     * to see every allocation site while debugging a report, without changing code.
     */
    public static final String STACK_CAPTURE_PROPERTY = "wsk4j.verifier.stackCapture";

    private volatile StackCapture stackCapture = configuredStackCapture(StackCapture.SAMPLED);
    private final AtomicLong sampleCounter = new AtomicLong();
    private final List<VerifierReport> violations = Collections.synchronizedList(new ArrayList<>());
    private volatile java.time.Duration blockingWaitLimit = java.time.Duration.ofSeconds(5);
    private volatile java.time.Duration transportHoldLimit = java.time.Duration.ofSeconds(1);
    private volatile VerifierSink sink = VerifierSink.logging();

    Verifier() {
        Mode[] initial = new Mode[VerifierRule.values().length];
        java.util.Arrays.fill(initial, Mode.FAIL);
        modes = initial;
    }

    /**
     * Returns the mode of a rule.
     *
     * @param rule the rule
     * @return its mode; {@link Mode#FAIL} unless changed
     */
    public Mode mode(VerifierRule rule) {
        return modes[rule.ordinal()];
    }

    /**
     * Tells whether a rule is checked at all (its mode is not {@link Mode#OFF}); lets a check that costs
     * something (bookkeeping on a hot path) skip itself.
     *
     * @param rule the rule
     * @return true for {@link Mode#LOG} and {@link Mode#FAIL}
     */
    public boolean isChecked(VerifierRule rule) {
        return modes[rule.ordinal()] != Mode.OFF;
    }

    /**
     * Sets the mode of one rule.
     *
     * @param rule the rule
     * @param mode the new mode
     * @return this verifier
     */
    public Verifier setMode(VerifierRule rule, Mode mode) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(rule, "rule");
        synchronized (lock) {
            Mode[] next = modes.clone();
            next[rule.ordinal()] = mode;
            modes = next;
        }
        return this;
    }

    /**
     * Sets the mode of every rule.
     *
     * @param mode the new mode
     * @return this verifier
     */
    public Verifier setAllModes(Mode mode) {
        Objects.requireNonNull(mode, "mode");
        synchronized (lock) {
            Mode[] next = new Mode[VerifierRule.values().length];
            java.util.Arrays.fill(next, mode);
            modes = next;
        }
        return this;
    }

    /**
     * Returns where violations and routine failures are sent (see {@link VerifierSink}).
     *
     * @return the sink; {@link VerifierSink#logging()} unless changed
     */
    public VerifierSink sink() {
        return sink;
    }

    /**
     * Sets where this verifier's violations, and the routine failures of its {@link IoManager}, are sent from now
     * on. They are recorded in {@link #violations()} and {@link IoManager#routineFailures()} whatever the sink.
     * Reports already being delivered on other threads may still reach the previous sink.
     *
     * @param sink the new sink, for example {@link VerifierSink#recording()} in a test that breaks rules on
     *             purpose, or {@link VerifierSink#logging()} to restore the default
     * @return the previous sink, to restore later
     */
    public VerifierSink setSink(VerifierSink sink) {
        VerifierSink previous = this.sink;
        this.sink = Objects.requireNonNull(sink, "sink");
        return previous;
    }

    /**
     * Returns the stack capture setting.
     *
     * @return the setting; {@link StackCapture#SAMPLED} unless changed (or set by {@link #STACK_CAPTURE_PROPERTY})
     */
    public StackCapture stackCapture() {
        return stackCapture;
    }

    /**
     * Sets whether allocation and hand-over sites are captured. Objects allocated before the change
     * keep what they captured.
     *
     * @param capture the new setting
     * @return this verifier
     */
    public Verifier setStackCapture(StackCapture capture) {
        this.stackCapture = Objects.requireNonNull(capture, "capture");
        return this;
    }

    /**
     * Returns how long a wait at DISPATCH_LEVEL may last before it is reported as
     * {@link VerifierRule#CALLBACK_BLOCKED} and ended with STATUS_TIMEOUT, and how long a completion routine or
     * callback may run before the watchdog reports it as {@link VerifierRule#CALLBACK_TOO_LONG} (twice this limit)
     * (5 seconds unless changed).
     *
     * @return the limit
     */
    public java.time.Duration blockingWaitLimit() {
        return blockingWaitLimit;
    }

    /**
     * Sets the blocking-wait limit (see {@link #blockingWaitLimit()}).
     *
     * @param limit a positive duration
     * @return this verifier
     */
    public Verifier setBlockingWaitLimit(java.time.Duration limit) {
        this.blockingWaitLimit = requirePositive(limit, "the blocking-wait limit");
        return this;
    }

    /**
     * Returns how long one completion routine or event callback may hold a transport's event thread (with the direct
     * executor, the NIO selector thread, where no other socket makes progress meanwhile) before the transport moves
     * its event loop to a new thread and the hold is reported as {@link VerifierRule#TRANSPORT_THREAD_HELD}
     * (1 second unless changed). The callback watchdog measures it in steps of 50 ms. The move happens whatever the
     * rule's mode.
     *
     * @return the limit
     */
    public java.time.Duration transportHoldLimit() {
        return transportHoldLimit;
    }

    /**
     * Sets the transport hold limit (see {@link #transportHoldLimit()}).
     *
     * @param limit a positive duration
     * @return this verifier
     * @throws IllegalArgumentException when the limit is not positive
     */
    public Verifier setTransportHoldLimit(java.time.Duration limit) {
        this.transportHoldLimit = requirePositive(limit, "the transport hold limit");
        return this;
    }

    private static java.time.Duration requirePositive(java.time.Duration limit, String what) {
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + limit);
        }
        return limit;
    }

    /**
     * Captures the current stack as a site if the stack capture setting says so.
     *
     * @param label what the site is, for example {@code "IRP 12 allocated"}
     * @return a throwable holding the stack, or null when not captured
     */
    public Throwable captureSite(String label) {
        return sampleNow() ? new Throwable(label) : null;
    }

    /**
     * Captures the current stack as the first site of a new object if the stack capture setting says so; the
     * label ({@code subject + what}) is only rendered when the site is printed, so a skipped capture costs
     * nothing but the sampling decision.
     *
     * @param subject the object, for example an IRP's id
     * @param what    what happened, for example {@code " allocated"}
     * @return a throwable holding the stack, or null when not captured
     */
    public Throwable captureSite(Object subject, String what) {
        return sampleNow() ? new Site(subject, what) : null;
    }

    /**
     * {@link #captureSite(Object, String)} for a numeric subject (an IRP's id): boxed only when captured. (With the
     * {@code Object} overload the caller boxes it first, and the JIT cannot drop that box once the capture branch has
     * run: with sampled capture, one {@code Long} per IRP.)
     */
    Throwable captureSite(long subject, String what) {
        StackCapture capture = stackCapture;
        // IRPs are sampled by their id (unique and increasing per I/O manager, from 1), which the allocation counted
        // already: no second atomic counter per IRP. Sockets and other objects share sampleCounter.
        return capture == StackCapture.ALWAYS || (capture == StackCapture.SAMPLED && sampled(subject - 1))
                ? new Site(subject, what) : null;
    }

    /**
     * Captures a later site (a hand-over) of an object that already exists: always with
     * {@link StackCapture#ALWAYS}; with {@link StackCapture#SAMPLED} only for an object whose first site was
     * captured, so a sampled object has all its sites and the others cost nothing.
     *
     * @param object  the object
     * @param subject what to name in the label
     * @param what    what happened, for example {@code " handed over"}
     * @return a throwable holding the stack, or null when not captured
     */
    public Throwable captureLaterSite(VerifiedObject object, Object subject, String what) {
        StackCapture capture = stackCapture;
        if (capture == StackCapture.ALWAYS || (capture == StackCapture.SAMPLED && object.allocationSite() != null)) {
            return new Site(subject, what);
        }
        return null;
    }

    /**
     * Captures the site of an IRP's hand-over (to a driver such as WSK), called by its owner as it hands the IRP over:
     * always with {@link StackCapture#ALWAYS}; with {@link StackCapture#SAMPLED} for the first
     * {@link #SAMPLED_HANDOVERS} hand-overs of an IRP whose allocation site was captured.
     *
     * @return a throwable holding the stack, or null when not captured
     */
    Throwable captureHandoverSite(Irp irp) {
        StackCapture capture = stackCapture;
        if (capture == StackCapture.ALWAYS) {
            return new Site(irp, " handed over");
        }
        if (capture == StackCapture.SAMPLED && irp.allocationSite != null
                && irp.sampledHandovers < SAMPLED_HANDOVERS) {
            irp.sampledHandovers++; // owner-confined, as the hand-over itself; stops at the limit (no wrap-around)
            return new Site(irp, " handed over");
        }
        return null;
    }

    private boolean sampleNow() {
        StackCapture capture = stackCapture;
        return capture == StackCapture.ALWAYS
                || (capture == StackCapture.SAMPLED && sampled(sampleCounter.getAndIncrement()));
    }

    private static boolean sampled(long object) {
        return object < CAPTURE_ALL_FIRST || object % SAMPLE_INTERVAL == 0;
    }

    /**
     * Returns the stack capture the system property {@value #STACK_CAPTURE_PROPERTY} asks for ({@code off},
     * {@code sampled} or {@code always}, any case), or {@code otherwise} when it is unset; an unknown value is
     * logged at WARN and gives {@code otherwise}. New verifiers start with {@code configuredStackCapture(SAMPLED)};
     * the JUnit extension uses {@code configuredStackCapture(ALWAYS)}.
     *
     * @param otherwise the setting when the property does not name one
     * @return the setting
     */
    public static StackCapture configuredStackCapture(StackCapture otherwise) {
        String value = System.getProperty(STACK_CAPTURE_PROPERTY);
        if (value == null) {
            return otherwise;
        }
        try {
            return StackCapture.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            LOG.warn("-D{}={}: expected off, sampled or always; using {}", STACK_CAPTURE_PROPERTY, value, otherwise);
            return otherwise;
        }
    }

    /** A captured site whose label is rendered only when printed. */
    private static final class Site extends Throwable {
        private static final long serialVersionUID = 1L;
        private final transient Object subject;
        private final String what;

        Site(Object subject, String what) {
            super(null, null, false, true);
            this.subject = subject;
            this.what = what;
        }

        @Override
        public String getMessage() {
            // A bare number is an IRP id (IoAllocateIrp captures before the IRP exists); anything else names itself.
            return (subject instanceof Long ? "IRP#" + subject : String.valueOf(subject)) + what;
        }
    }

    /**
     * Reports a violation of {@code rule}. Depending on the rule's mode this does nothing, records and
     * logs it, or records, logs and throws.
     *
     * <p>This is how wsk4j's own checks report; a driver or transport may use it for its own checks.
     *
     * @param rule    the broken rule
     * @param message what happened, naming the objects involved
     * @param subject the main object involved, or null; when it is a {@link VerifiedObject} its sites
     *                are included in the report
     * @return true when the violation was recorded (mode LOG); the call does not return in mode FAIL
     * @throws VerifierError when the rule's mode is {@link Mode#FAIL}
     */
    public boolean report(VerifierRule rule, String message, Object subject) {
        Mode mode = mode(rule);
        if (mode == Mode.OFF) {
            return false;
        }
        Throwable allocated = null;
        Throwable handedOver = null;
        if (subject instanceof VerifiedObject) {
            allocated = ((VerifiedObject) subject).allocationSite();
            handedOver = ((VerifiedObject) subject).handoverSite();
            if (allocated == null && handedOver == null) {
                message = message + " [no sites captured for this object: stack capture is " + stackCapture
                        + "; set -D" + STACK_CAPTURE_PROPERTY + "=always or Verifier.setStackCapture(ALWAYS) to see"
                        + " where it was allocated and last handed over]";
            } else if (handedOver == null && subject instanceof Irp // (a plain read of the owner's count: a hint only)
                    && ((Irp) subject).sampledHandovers >= SAMPLED_HANDOVERS && stackCapture == StackCapture.SAMPLED) {
                message = message + " [its last hand-over site was not captured: stack capture SAMPLED captures the"
                        + " first " + SAMPLED_HANDOVERS + " hand-overs of a sampled IRP; set -D"
                        + STACK_CAPTURE_PROPERTY + "=always or Verifier.setStackCapture(ALWAYS) to see every one]";
            }
        }
        VerifierReport report = new VerifierReport(rule, message, subject == null ? null : subject.toString(),
                allocated, handedOver, Thread.currentThread().getName());
        violations.add(report);
        sink.violation(report);
        if (mode == Mode.FAIL) {
            throw new VerifierError(report);
        }
        return true;
    }

    /**
     * Returns the violations recorded so far, oldest first.
     *
     * @return a snapshot copy
     */
    public List<VerifierReport> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    /** Forgets the recorded violations. */
    public void clearViolations() {
        violations.clear();
    }
}
