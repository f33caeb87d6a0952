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
 * is available from {@link #violations()} until {@link #clearViolations()}.
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
        /** One object in {@value Verifier#SAMPLE_INTERVAL} gets its sites captured. */
        SAMPLED,
        /** Every object gets its sites captured (the default). */
        ALWAYS
    }

    /** With {@link StackCapture#SAMPLED}, one object in this many has its sites captured. */
    public static final int SAMPLE_INTERVAL = 64;

    private final Mode[] modes = new Mode[VerifierRule.values().length];
    private volatile StackCapture stackCapture = StackCapture.ALWAYS;
    private final AtomicLong sampleCounter = new AtomicLong();
    private final List<VerifierReport> violations = Collections.synchronizedList(new ArrayList<>());
    private volatile java.time.Duration blockingWaitLimit = java.time.Duration.ofSeconds(5);

    Verifier() {
        java.util.Arrays.fill(modes, Mode.FAIL);
    }

    /**
     * Returns the mode of a rule.
     *
     * @param rule the rule
     * @return its mode; {@link Mode#FAIL} unless changed
     */
    public Mode mode(VerifierRule rule) {
        synchronized (modes) {
            return modes[rule.ordinal()];
        }
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
        synchronized (modes) {
            modes[rule.ordinal()] = mode;
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
        synchronized (modes) {
            java.util.Arrays.fill(modes, mode);
        }
        return this;
    }

    /**
     * Returns the stack capture setting.
     *
     * @return the setting; {@link StackCapture#ALWAYS} unless changed
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
     * {@link VerifierRule#CALLBACK_BLOCKED} and ended with STATUS_TIMEOUT (5 seconds unless changed).
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
        if (limit == null || limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("the blocking-wait limit must be positive: " + limit);
        }
        this.blockingWaitLimit = limit;
        return this;
    }

    /**
     * Captures the current stack as a site if the stack capture setting says so.
     *
     * @param label what the site is, for example {@code "IRP 12 allocated"}
     * @return a throwable holding the stack, or null when not captured
     */
    public Throwable captureSite(String label) {
        StackCapture capture = stackCapture;
        if (capture == StackCapture.OFF
                || (capture == StackCapture.SAMPLED && sampleCounter.getAndIncrement() % SAMPLE_INTERVAL != 0)) {
            return null;
        }
        return new Throwable(label);
    }

    /** Like {@link #captureSite(String)} with the label {@code subject + suffix}, built only when a site is captured. */
    Throwable captureSite(Object subject, String suffix) {
        return shouldCapture() ? new Throwable(subject + suffix) : null;
    }

    /** Like {@link #captureSite(String)} with the label {@code prefix + id + suffix}, built only when captured. */
    Throwable captureSite(String prefix, long id, String suffix) {
        return shouldCapture() ? new Throwable(prefix + id + suffix) : null;
    }

    private boolean shouldCapture() {
        StackCapture capture = stackCapture;
        return capture == StackCapture.ALWAYS
                || (capture == StackCapture.SAMPLED && sampleCounter.getAndIncrement() % SAMPLE_INTERVAL == 0);
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
        }
        VerifierReport report = new VerifierReport(rule, message, subject == null ? null : subject.toString(),
                allocated, handedOver, Thread.currentThread().getName());
        violations.add(report);
        LOG.error("{}", report.describe());
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
