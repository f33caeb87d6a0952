package org.wsk4j.logcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.slf4j.LoggerFactory;

/**
 * The guard that keeps the build quiet fails a test that logs above its declared level, and only such a test.
 * The inner classes run through {@link EngineTestKit} (Surefire does not pick up nested classes by itself).
 */
class LogGuardTest {

    /** Undeclared: the limit is INFO, so a WARN fails it. */
    @ExtendWith(LogGuard.class)
    static class WarnsUndeclared {
        @Test
        void warns() {
            LoggerFactory.getLogger("org.wsk4j.logcheck.sample").warn("an unexpected warning");
        }
    }

    /** Declares WARN: the same warning passes, an ERROR still fails. */
    @ExtendWith(LogGuard.class)
    @MaxLogLevel(value = "WARN", because = "this test is about a warning")
    static class WarnsDeclared {
        @Test
        void warns() {
            LoggerFactory.getLogger("org.wsk4j.logcheck.sample").warn("an expected warning");
        }

        @Test
        void logsAnError() {
            LoggerFactory.getLogger("org.wsk4j.logcheck.sample").error("above WARN");
        }
    }

    private static Events run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
    }

    @Test
    void aTestLoggingAboveItsLevelFailsNamingTheLine() {
        Events events = run(WarnsUndeclared.class);
        assertEquals(1, events.failed().count());
        String message = events.failed().stream().findFirst().orElseThrow().getPayload(
                org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow()
                .getMessage();
        assertTrue(message.contains("above its declared level INFO") && message.contains("an unexpected warning"),
                message);
    }

    @Test
    void aDeclaredLevelAllowsItsLevelAndNothingAbove() {
        Events events = run(WarnsDeclared.class);
        assertEquals(1, events.succeeded().count());
        assertEquals(1, events.failed().count());
    }
}
