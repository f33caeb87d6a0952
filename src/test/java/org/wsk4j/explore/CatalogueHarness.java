package org.wsk4j.explore;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.engine.TestExecutionResult;

/**
 * Runs a catalogue class (a nested class with one {@code @WskTest} test) through the JUnit engine with the given
 * {@code wsk4j.*} settings, and reads the exploration's report back.
 */
final class CatalogueHarness {

    private static final Pattern FAILED_AT = Pattern.compile("failed on schedule (\\d+) of (\\d+)");
    private static final Pattern REPLAY = Pattern.compile("replay: -Dwsk4j\\.seed=(0x[0-9a-f]+) -Dwsk4j\\.replay=([0-9,]+)");

    /** What one engine run of a catalogue class gave. */
    record Run(boolean passed, String report, Throwable failure) {

        /** The schedule (from 1) that failed first. */
        int failedAt() {
            Matcher m = FAILED_AT.matcher(report);
            if (!m.find()) {
                throw new AssertionError("no exploration report in: " + report, failure);
            }
            return Integer.parseInt(m.group(1));
        }

        /** The replay line's settings: wsk4j.seed and wsk4j.replay. */
        Map<String, String> replay() {
            Matcher m = REPLAY.matcher(report);
            if (!m.find()) {
                throw new AssertionError("no replay line in: " + report, failure);
            }
            return Map.of("wsk4j.seed", m.group(1), "wsk4j.replay", m.group(2));
        }

        /** The failure's first line, as the report states it, with numbers (object ids) taken out. */
        String failureLine() {
            Matcher m = Pattern.compile("failure: (.*)").matcher(report);
            return m.find() ? m.group(1).replaceAll("[0-9]+", "#") : "";
        }
    }

    private CatalogueHarness() {
    }

    static Run run(Class<?> testClass, Map<String, String> settings) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass))
                .configurationParameters(settings).execute();
        Event finished = results.testEvents().finished().stream().findFirst()
                .orElseThrow(() -> new AssertionError("no test ran in " + testClass));
        TestExecutionResult result = finished.getPayload(TestExecutionResult.class).orElseThrow();
        Optional<Throwable> thrown = result.getThrowable();
        return new Run(result.getStatus() == TestExecutionResult.Status.SUCCESSFUL,
                thrown.map(String::valueOf).orElse(""), thrown.orElse(null));
    }
}
