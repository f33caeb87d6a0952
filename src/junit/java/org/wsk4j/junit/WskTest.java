package org.wsk4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The annotation-driven form of {@link WskExtension}: registers the extension and configures it. On a
 * class it applies to every test of the class (and of its {@code @Nested} classes); on a method it
 * applies to that method and overrides the class's annotation. It does not make a method a test: keep
 * {@code @Test} (or {@code @ParameterizedTest}, ...).
 *
 * <pre>{@code
 * @WskTest(seed = "0x2a")
 * class MyDriverTest {
 *     @Test
 *     void refused(SimNetwork network, WskProviderNpi npi, ManualCompletionExecutor executor) { ... }
 * }
 * }</pre>
 *
 * <p>Use either this annotation or a {@code @RegisterExtension} field in a test class, not both: the
 * extension fails the test with a clear message when it finds itself registered twice.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(WskExtension.class)
public @interface WskTest {

    /**
     * The transport.
     *
     * @return {@link WskTransport#SIMULATED} unless set
     */
    WskTransport transport() default WskTransport.SIMULATED;

    /**
     * The seed of the simulated network, decimal or {@code 0x} hexadecimal; empty (the default) means
     * the system property {@value WskExtension#SEED_PROPERTY}, else a seed derived from the test's unique
     * id (stable from run to run).
     *
     * @return the seed text, or empty
     */
    String seed() default "";

    /**
     * Whether a queued fault that no attempt consumed fails the test (simulated transport only).
     *
     * @return true unless set
     */
    boolean failOnUnusedFaults() default true;

    /**
     * The longest a blocking kernel wait (a KEVENT wait in KSOCKET-style code, {@code WskDeregister}, a work item)
     * may last on the NIO transport, in seconds: a wait still blocked then fails the test with a report of what every
     * driver thread waits for ({@link org.wsk4j.nt.VerifierRule#WAIT_LIMIT_EXCEEDED}). The simulated transport needs
     * no limit: it reports a deadlock at once.
     *
     * @return 30 unless set
     */
    int waitLimitSeconds() default 30;

    /**
     * How many schedules to explore (simulated transport only): the test body runs this many times, each on a fresh
     * subsystem and network whose choice points (driver-thread order, order of due completions, inline or later
     * completion, bounded timing, {@code Fault.oneOf}) a {@link #strategy()} decides from a seed derived from the
     * test's seed. The first failure stops the run; it is shrunk and reported with its decisions and a one-line
     * replay. The system property {@code wsk4j.schedules} overrides this value. See the testing guide, "Exploring
     * schedules".
     *
     * @return 1 unless set: no exploration (unless a strategy is set)
     */
    int schedules() default 1;

    /**
     * The exploration strategy: {@code random}, {@code pct} or {@code pct:<depth>} (PCT with that bug depth; 3 when
     * not given); empty means {@code pct:3} when {@link #schedules()} is above 1. The system property
     * {@code wsk4j.strategy} overrides it.
     *
     * @return the strategy, or empty
     */
    String strategy() default "";
}
