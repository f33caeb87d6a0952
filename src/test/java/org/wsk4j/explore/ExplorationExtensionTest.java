package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.engine.reporting.ReportEntry;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.Kernel;
import org.wsk4j.sim.SimNetwork;

/** The extension's exploration settings, its configuration errors, the determinism check and the coverage report. */
class ExplorationExtensionTest {

    static int runs;

    @WskTest(schedules = 50, strategy = "random")
    static class Passes {
        @org.junit.jupiter.api.Test
        void twoThreads(Kernel kernel) {
            runs++;
            Object first = Loopback.startThread(context -> org.wsk4j.nt.Ke.delayExecutionThread(
                    org.wsk4j.nt.Ke.KernelMode, false, -10L));
            Object second = Loopback.startThread(context -> org.wsk4j.nt.Ke.delayExecutionThread(
                    org.wsk4j.nt.Ke.KernelMode, false, -10L));
            Loopback.join(first);
            Loopback.join(second);
        }
    }

    @WskTest(schedules = 20, strategy = "random")
    static class Parameterized {
        @org.junit.jupiter.params.ParameterizedTest
        @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2})
        void test(int value, Kernel kernel) {
            runs += value;
        }
    }

    @WskTest(schedules = 0)
    static class ZeroSchedules {
        @org.junit.jupiter.api.Test
        void test() {
            runs++;
        }
    }

    @WskTest
    static class Plain {
        @org.junit.jupiter.api.Test
        void test() {
            runs++;
        }
    }

    @WskTest(transport = org.wsk4j.junit.WskTransport.NIO, schedules = 10)
    static class ExploresOnNio {
        @org.junit.jupiter.api.Test
        void test() {
            runs++;
        }
    }

    @WskTest(transport = org.wsk4j.junit.WskTransport.NIO)
    static class PlainNio {
        @org.junit.jupiter.api.Test
        void test() {
            runs++;
        }
    }

    /** Differs between two runs of one schedule: state kept in a static, as a driver's global would be. */
    @WskTest(schedules = 5)
    static class NotDeterministic {
        static int counter;

        @org.junit.jupiter.api.Test
        void test(SimNetwork network) {
            if (counter++ % 2 == 1) {
                network.addHost("extra", "10.0.0.9");
            }
        }
    }

    @Test
    void aPassingExplorationRunsEveryScheduleAndPublishesItsCoverage() {
        runs = 0;
        List<Event> entries = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Passes.class)).execute()
                .allEvents().reportingEntryPublished().list();
        assertEquals(50, runs);
        assertEquals(1, entries.size());
        String coverage = entries.get(0).getRequiredPayload(ReportEntry.class).getKeyValuePairs()
                .get("wsk4j.exploration");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "^50 schedules, (\\d+) distinct \\(by decision sequence\\); (\\d+) choice points, (\\d+) exercised both"
                        + " ways").matcher(coverage);
        assertTrue(m.find(), coverage);
        assertTrue(Integer.parseInt(m.group(1)) > 1, coverage);
        assertTrue(Integer.parseInt(m.group(3)) > 0, coverage);
    }

    @Test
    void aDeterministicTestPassesTheDeterminismCheck() {
        runs = 0;
        CatalogueHarness.Run run = CatalogueHarness.run(Passes.class, Map.of("wsk4j.checkDeterminism", "true"));
        assertTrue(run.passed(), run.report());
        assertEquals(100, runs, "each schedule twice");
        CatalogueHarness.Run catalogue = CatalogueHarness.run(BugCatalogueTest.FixedA.class,
                Map.of("wsk4j.checkDeterminism", "true", "wsk4j.schedules", "20"));
        assertTrue(catalogue.passed(), catalogue.report());
    }

    @Test
    void badSettingsAreConfigurationErrorsNamingTheSettingBeforeAnyRun() {
        runs = 0;
        assertConfigurationError(ZeroSchedules.class, Map.of(), "@WskTest(schedules) must be positive: 0");
        assertConfigurationError(Plain.class, Map.of("wsk4j.schedules", "many"), "-Dwsk4j.schedules is not a number");
        assertConfigurationError(Plain.class, Map.of("wsk4j.schedules", "-3"), "-Dwsk4j.schedules must be positive");
        assertConfigurationError(Plain.class, Map.of("wsk4j.strategy", "dfs"), "-Dwsk4j.strategy: unknown strategy");
        assertConfigurationError(Plain.class, Map.of("wsk4j.replay", "1,x"), "-Dwsk4j.replay: decision 2");
        assertConfigurationError(Plain.class, Map.of("wsk4j.seed", "0xZZ"), "-Dwsk4j.seed is not a seed");
        assertConfigurationError(ExploresOnNio.class, Map.of(), "needs the simulated transport");
        assertEquals(0, runs, "no test body ran");
    }

    @Test
    void eachInvocationOfAParameterizedTestExploresItsSchedules() {
        runs = 0;
        assertEquals(2, EngineTestKit.engine("junit-jupiter").selectors(selectClass(Parameterized.class)).execute()
                .testEvents().succeeded().count());
        assertEquals(20 * 1 + 20 * 2, runs);
    }

    @Test
    void theScheduleCountPropertyLeavesNioTestsAlone() {
        runs = 0;
        CatalogueHarness.Run run = CatalogueHarness.run(PlainNio.class, Map.of("wsk4j.schedules", "7"));
        assertTrue(run.passed(), run.report());
        assertEquals(1, runs);
        CatalogueHarness.Run simulated = CatalogueHarness.run(Plain.class, Map.of("wsk4j.schedules", "7"));
        assertTrue(simulated.passed(), simulated.report());
        assertEquals(8, runs, "the property explores simulated tests");
    }

    private static void assertConfigurationError(Class<?> test, Map<String, String> settings, String expected) {
        CatalogueHarness.Run run = CatalogueHarness.run(test, settings);
        assertFalse(run.passed());
        assertEquals("org.junit.jupiter.api.extension.ExtensionConfigurationException",
                run.failure().getClass().getName(), run.report());
        assertTrue(run.report().contains(expected), run.report());
    }

    @Test
    void theDeterminismCheckNamesTheFirstDivergingEvent() {
        NotDeterministic.counter = 0;
        CatalogueHarness.Run run = CatalogueHarness.run(NotDeterministic.class,
                Map.of("wsk4j.checkDeterminism", "true"));
        assertFalse(run.passed());
        assertTrue(run.report().contains("is not deterministic: schedule 1"), run.report());
        assertTrue(run.report().contains("only in the second: ") && run.report().contains("host extra"), run.report());
    }
}
