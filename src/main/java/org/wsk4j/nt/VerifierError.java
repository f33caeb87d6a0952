package org.wsk4j.nt;

/**
 * Thrown when driver code breaks a kernel rule and the rule's {@link Verifier.Mode} is
 * {@link Verifier.Mode#FAIL}: the Java counterpart of a Driver Verifier bug check.
 *
 * <p>It is an {@link Error} on purpose: like a bug check, it must not be swallowed by a driver's
 * {@code catch (Exception e)}. It carries the full {@link VerifierReport}; its message is the rendered
 * report, including the bug check name and code, the objects involved, the allocation and hand-over
 * sites, and a hint on the usual fix.
 *
 * <p>When a rule is broken inside a completion routine or event callback, the error is caught by wsk4j
 * (like any exception from a routine), recorded in {@link IoManager#routineFailures()} and in
 * {@link Verifier#violations()}, and logged, so it is reported at the next check point.
 */
public final class VerifierError extends Error {

    private static final long serialVersionUID = 1L;

    private final transient VerifierReport report;

    /**
     * Creates the error for a report.
     *
     * @param report the violation
     */
    public VerifierError(VerifierReport report) {
        super(report.describe());
        this.report = report;
    }

    /**
     * Returns the violation.
     *
     * @return the report
     */
    public VerifierReport report() {
        return report;
    }

    /**
     * Returns the broken rule.
     *
     * @return the rule
     */
    public VerifierRule rule() {
        return report.rule();
    }
}
