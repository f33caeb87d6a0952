package org.wsk4j.nt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a {@link Verifier} sends what it finds: rule violations and exceptions thrown by completion routines,
 * cancel routines and callbacks (routine failures, recorded by the {@link IoManager}). Install one with
 * {@link Verifier#setSink(VerifierSink)}.
 *
 * <p>The verifier and the I/O manager record every violation and routine failure whatever the sink
 * ({@link Verifier#violations()}, {@link IoManager#routineFailures()}); the sink only decides who else hears of
 * them. The default, {@link #logging()}, logs each once at ERROR through SLF4J: outside tests a violation is a
 * driver bug the user must act on. A test that provokes violations on purpose installs a {@link Recording} instead
 * and asserts on it, so expected violations do not fill the build output with ERROR lines; the JUnit extension
 * does this for every test (it fails the test on anything left recorded).
 *
 * <p>Thread safety: the verifier calls the sink on the thread that broke the rule (any thread: a test thread, a
 * completion executor thread, a transport's selector thread), possibly from several threads at once, so an
 * implementation must be thread safe. It must not throw and must not block: it runs inside kernel routines,
 * sometimes at DISPATCH_LEVEL.
 */
public interface VerifierSink {

    /**
     * Receives a violation the verifier has just recorded (a rule in mode {@link Verifier.Mode#LOG} or
     * {@link Verifier.Mode#FAIL}; in FAIL mode the {@link VerifierError} is thrown after this returns).
     *
     * @param report the violation
     */
    void violation(VerifierReport report);

    /**
     * Receives an exception a completion routine, cancel routine, callback or executor task threw, which the I/O
     * manager has just recorded. A {@link VerifierError} thrown inside a routine arrives here too; its violation
     * was already passed to {@link #violation}.
     *
     * @param where   what was running, for example {@code "completion routine of IRP#12[...]"}
     * @param failure the exception
     */
    void routineFailure(String where, Throwable failure);

    /**
     * The default sink: logs each violation at ERROR (its {@link VerifierReport#describe() description}, without a
     * Java stack trace) and each routine failure at ERROR with its stack trace; a {@link VerifierError} raised in a
     * routine is logged only at DEBUG, since its violation was already logged. Logger names:
     * {@code org.wsk4j.nt.Verifier} and {@code org.wsk4j.nt.IoManager}.
     *
     * @return the shared logging sink
     */
    static VerifierSink logging() {
        return LoggingSink.INSTANCE;
    }

    /**
     * Creates a sink that keeps what it receives for a test to assert on, and logs nothing.
     *
     * @return a new, empty recording sink
     */
    static Recording recording() {
        return new Recording();
    }

    /**
     * A sink that keeps every violation and routine failure it receives, in arrival order, and logs nothing: for
     * tests that break rules on purpose and assert on the reports. Thread safe.
     */
    final class Recording implements VerifierSink {
        private final Object lock = new Object();
        private final List<VerifierReport> violations = new ArrayList<>();
        private final List<Throwable> routineFailures = new ArrayList<>();

        Recording() {
        }

        @Override
        public void violation(VerifierReport report) {
            Objects.requireNonNull(report, "report");
            synchronized (lock) {
                violations.add(report);
            }
        }

        @Override
        public void routineFailure(String where, Throwable failure) {
            Objects.requireNonNull(failure, "failure");
            synchronized (lock) {
                routineFailures.add(failure);
            }
        }

        /**
         * Returns the violations received so far, oldest first.
         *
         * @return a snapshot copy
         */
        public List<VerifierReport> violations() {
            synchronized (lock) {
                return List.copyOf(violations);
            }
        }

        /**
         * Returns how many violations of one rule were received.
         *
         * @param rule the rule
         * @return the count
         */
        public long count(VerifierRule rule) {
            synchronized (lock) {
                return violations.stream().filter(v -> v.rule() == rule).count();
            }
        }

        /**
         * Returns the routine failures received so far, oldest first.
         *
         * @return a snapshot copy
         */
        public List<Throwable> routineFailures() {
            synchronized (lock) {
                return List.copyOf(routineFailures);
            }
        }

        /** Forgets everything received so far. */
        public void clear() {
            synchronized (lock) {
                violations.clear();
                routineFailures.clear();
            }
        }

        @Override
        public String toString() {
            synchronized (lock) {
                return "VerifierSink.Recording[" + violations.size() + " violations, " + routineFailures.size()
                        + " routine failures]";
            }
        }
    }
}

/** {@link VerifierSink#logging()}. */
final class LoggingSink implements VerifierSink {
    static final LoggingSink INSTANCE = new LoggingSink();
    private static final Logger VERIFIER_LOG = LoggerFactory.getLogger(Verifier.class);
    private static final Logger IO_LOG = LoggerFactory.getLogger(IoManager.class);

    private LoggingSink() {
    }

    @Override
    public void violation(VerifierReport report) {
        VERIFIER_LOG.error("{}", report.describe());
    }

    @Override
    public void routineFailure(String where, Throwable failure) {
        if (failure instanceof VerifierError) {
            IO_LOG.debug("verifier error raised inside {} (already reported)", where);
        } else {
            IO_LOG.error("{} threw; the exception is recorded and the thread carries on", where, failure);
        }
    }

    @Override
    public String toString() {
        return "VerifierSink.logging()";
    }
}
