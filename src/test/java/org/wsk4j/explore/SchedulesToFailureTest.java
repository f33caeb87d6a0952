package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Schedules to the first failure, per catalogue bug and strategy, over {@value #SEEDS} base seeds: every run must find
 * its bug within 1,000 schedules with PCT. Writes the table docs/testing-guide.md shows to
 * {@code target/exploration-table.md}.
 */
class SchedulesToFailureTest {

    static final int SEEDS = 10;
    static final List<String> STRATEGIES = List.of("random", "pct:3");

    @Test
    void everyBugIsFoundWithinAThousandSchedulesAndTheTableIsWritten() throws IOException {
        StringBuilder table = new StringBuilder("| bug | strategy | schedules to first failure (" + SEEDS
                + " base seeds: min / median / max) | found |\n|---|---|---|---|\n");
        for (Object[] entry : new Object[][] {{"(a) routine frees the IRP a watchdog DPC cancels", BugCatalogueTest.BuggyA.class},
                {"(b) close races a receive loop", BugCatalogueTest.BuggyB.class},
                {"(c) routine runs before the call returns", RoutineBeforeReturnTest.Buggy.class},
                {"(d) KsCloseSocket reuses a pending connect's IRP", BugCatalogueTest.BuggyD.class},
                {"(e) receive timeout frees the IRP early", BugCatalogueTest.BuggyE.class}}) {
            for (String strategy : STRATEGIES) {
                int[] found = new int[SEEDS];
                int foundCount = 0;
                for (int seed = 0; seed < SEEDS; seed++) {
                    CatalogueHarness.Run run = CatalogueHarness.run((Class<?>) entry[1], Map.of("wsk4j.strategy",
                            strategy, "wsk4j.seed", Integer.toString(seed + 1), "wsk4j.shrink", "false"));
                    found[seed] = run.passed() ? Integer.MAX_VALUE : run.failedAt();
                    if (!run.passed()) {
                        foundCount++;
                    }
                    if (strategy.startsWith("pct")) {
                        assertFalse(run.passed(), entry[0] + " not found by PCT from seed " + (seed + 1));
                    }
                }
                java.util.Arrays.sort(found);
                table.append("| ").append(entry[0]).append(" | ").append(strategy).append(" | ")
                        .append(text(found[0])).append(" / ").append(text(found[SEEDS / 2])).append(" / ")
                        .append(text(found[SEEDS - 1])).append(" | ").append(foundCount).append('/').append(SEEDS)
                        .append(" |\n");
            }
        }
        Path out = Path.of("target", "exploration-table.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
    }

    private static String text(int schedules) {
        return schedules == Integer.MAX_VALUE ? "not found in 1,000" : Integer.toString(schedules);
    }
}
