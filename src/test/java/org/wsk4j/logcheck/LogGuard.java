package org.wsk4j.logcheck;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Keeps the green build quiet: fails a test that logged above its declared {@link MaxLogLevel} (INFO when
 * undeclared), listing the offending lines. Registered for every test of this project by JUnit's extension
 * auto-detection ({@code META-INF/services/org.junit.jupiter.api.extension.Extension} and
 * {@code junit-platform.properties} in {@code src/test/resources}); events come from {@link CapturingAppender}.
 *
 * <p>Events are attributed to the test running when they were logged (tests run one at a time; events from a
 * thread a test left running land in the next check). Events of {@code @BeforeAll}/{@code @AfterAll} are checked
 * against the class's level. Expected verifier violations are not logged at all: tests send them to a
 * {@code VerifierSink.Recording} and assert on it.
 */
public final class LogGuard implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        CapturingAppender.drain(); // whatever came before this class is not its doing
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        check(context, "before " + context.getDisplayName());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        check(context, context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        check(context, context.getDisplayName() + " (class setup and teardown)");
    }

    private static void check(ExtensionContext context, String what) {
        List<ILoggingEvent> events = CapturingAppender.drain();
        if (!CapturingAppender.installed()) {
            return; // run with another logging configuration: nothing to check
        }
        Level limit = limit(context);
        List<ILoggingEvent> above = events.stream().filter(e -> e.getLevel().toInt() > limit.toInt()).toList();
        if (above.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(what).append(" logged ").append(above.size())
                .append(" line(s) above its declared level ").append(limit)
                .append(" (declare @MaxLogLevel on the test if the output is expected, or send expected verifier"
                        + " violations to a VerifierSink.Recording):");
        above.stream().limit(20).forEach(e -> message.append("\n  ").append(e.getLevel()).append(' ')
                .append(e.getLoggerName()).append(" [").append(e.getThreadName()).append("] ")
                .append(e.getFormattedMessage()));
        throw new AssertionError(message.toString());
    }

    /** The innermost declaration: method, then class, then enclosing classes; INFO when none. */
    private static Level limit(ExtensionContext context) {
        for (Optional<ExtensionContext> c = Optional.of(context); c.isPresent(); c = c.get().getParent()) {
            Optional<AnnotatedElement> element = c.get().getElement();
            if (element.isPresent()) {
                MaxLogLevel declared = element.get().getAnnotation(MaxLogLevel.class);
                if (declared != null) {
                    return Level.toLevel(declared.value(), Level.INFO);
                }
            }
        }
        return Level.INFO;
    }
}
