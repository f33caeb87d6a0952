package org.wsk4j.junit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.wsk4j.nt.Decision;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.ScheduleStrategy;

/**
 * The exploration engine behind {@code @WskTest(schedules = N)}: runs a test body over schedules with derived seeds,
 * stops at the first failure, shrinks it, and writes the report; also the determinism self-check and the coverage
 * summary. The extension supplies one {@link Runner} call per schedule (a fresh subsystem and network each).
 *
 * <p>Threading: confined to the test's thread.
 */
final class Exploration {

    /** Most replays one shrink may spend. */
    static final int SHRINK_BUDGET = 300;

    /** What one schedule did. */
    record Outcome(long seed, List<Decision> decisions, List<String> eventLog, Throwable failure) {
        boolean failed() {
            return failure != null;
        }
    }

    /** Runs the test body once on a fresh subsystem whose network explores {@code schedule}. */
    interface Runner {
        Outcome run(Schedule schedule);
    }

    /** The settings in force: from the annotation or extension, overridden by the system properties. */
    record Settings(int schedules, String strategy, int[] replay, boolean checkDeterminism, boolean shrink) {

        ScheduleStrategy newStrategy() {
            return replay != null ? ScheduleStrategy.replay(replay) : ScheduleStrategy.parse(strategy);
        }

        String describe() {
            return replay != null ? "replay" : strategy;
        }
    }

    static final String SCHEDULES_PROPERTY = "wsk4j.schedules";
    static final String STRATEGY_PROPERTY = "wsk4j.strategy";
    static final String REPLAY_PROPERTY = "wsk4j.replay";
    static final String CHECK_DETERMINISM_PROPERTY = "wsk4j.checkDeterminism";
    static final String SHRINK_PROPERTY = "wsk4j.shrink";
    static final String DEFAULT_STRATEGY = "pct:3";

    private Exploration() {
    }

    /**
     * The settings, or null when the test does not explore (one schedule, no strategy, no replay, no check): then it
     * runs exactly as without this feature. Bad values throw a configuration error naming the setting. The
     * {@code wsk4j.*} settings come from {@code properties}: the system properties, else JUnit's configuration
     * parameters.
     */
    static Settings settings(Integer schedules, String strategy, String replay,
                             java.util.function.Function<String, String> properties) {
        String schedulesProperty = properties.apply(SCHEDULES_PROPERTY);
        String strategyProperty = properties.apply(STRATEGY_PROPERTY);
        String replayProperty = properties.apply(REPLAY_PROPERTY);
        String checkProperty = properties.apply(CHECK_DETERMINISM_PROPERTY);
        int count = 1;
        if (schedules != null) {
            if (schedules <= 0) {
                throw new ExtensionConfigurationException("@WskTest(schedules) must be positive: " + schedules);
            }
            count = schedules;
        }
        if (schedulesProperty != null && !schedulesProperty.isBlank()) {
            try {
                count = Integer.parseInt(schedulesProperty.trim());
            } catch (NumberFormatException e) {
                throw new ExtensionConfigurationException("-D" + SCHEDULES_PROPERTY + " is not a number: "
                        + schedulesProperty, e);
            }
            if (count <= 0) {
                throw new ExtensionConfigurationException("-D" + SCHEDULES_PROPERTY + " must be positive: " + count);
            }
        }
        String chosen = strategy == null || strategy.isBlank() ? null : strategy;
        String where = "@WskTest(strategy)";
        if (strategyProperty != null && !strategyProperty.isBlank()) {
            chosen = strategyProperty;
            where = "-D" + STRATEGY_PROPERTY;
        }
        if (chosen != null) {
            try {
                ScheduleStrategy.parse(chosen);
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(where + ": " + e.getMessage(), e);
            }
        }
        String replayText = replayProperty != null ? replayProperty : replay;
        int[] decisions = null;
        if (replayText != null) {
            try {
                decisions = Schedule.decode(replayText);
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException((replayProperty != null ? "-D" + REPLAY_PROPERTY
                        : "WskExtension.replay") + ": " + e.getMessage(), e);
            }
        }
        boolean check = checkProperty != null && !checkProperty.equalsIgnoreCase("false");
        if (count == 1 && chosen == null && decisions == null && !check) {
            return null;
        }
        String shrinkProperty = properties.apply(SHRINK_PROPERTY);
        boolean shrink = shrinkProperty == null || !shrinkProperty.equalsIgnoreCase("false");
        return new Settings(decisions != null ? 1 : count, chosen != null ? chosen : DEFAULT_STRATEGY, decisions, check,
                shrink);
    }

    /** Schedule {@code index}'s seed: the base seed for the first, then SplitMix64 steps from it. */
    static long scheduleSeed(long base, int index) {
        if (index == 0) {
            return base;
        }
        long z = base + index * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The result of an exploration. */
    record Result(int schedulesRun, Outcome failure, int failedAt, Outcome shrunk, int shrinkRuns, String coverage,
                  String determinismProblem) {
    }

    /** Runs the schedules; stops at the first failure (or determinism problem) and shrinks it. */
    static Result explore(Settings settings, long baseSeed, Runner runner) {
        ScheduleStrategy strategy = settings.newStrategy();
        Set<String> distinct = new LinkedHashSet<>();
        Map<String, boolean[]> points = new LinkedHashMap<>();
        for (int i = 0; i < settings.schedules(); i++) {
            long seed = scheduleSeed(baseSeed, i);
            Outcome outcome = runner.run(new Schedule(seed, strategy));
            distinct.add(Schedule.encode(outcome.decisions()));
            for (Decision decision : outcome.decisions()) {
                boolean[] ways = points.computeIfAbsent(decision.kind() + " at " + decision.site(), k -> new boolean[2]);
                ways[decision.isDefault() ? 0 : 1] = true;
            }
            if (settings.checkDeterminism() && !outcome.failed()) {
                Outcome again = runner.run(new Schedule(seed, ScheduleStrategy.replay(chosen(outcome.decisions()))));
                String problem = firstDifference(outcome.eventLog(), again.eventLog());
                if (problem == null && again.failed()) {
                    problem = "the second run failed where the first passed: " + again.failure();
                }
                if (problem != null) {
                    return new Result(i + 1, outcome, i, null, 0, coverage(i + 1, distinct, points), problem);
                }
            }
            if (outcome.failed()) {
                Outcome shrunk = outcome;
                int runs = 0;
                if (settings.shrink() && settings.replay() == null) {
                    Shrinker shrinker = new Shrinker(runner, outcome);
                    shrunk = shrinker.shrink();
                    runs = shrinker.runs;
                }
                return new Result(i + 1, outcome, i, shrunk, runs, coverage(i + 1, distinct, points), null);
            }
        }
        return new Result(settings.schedules(), null, -1, null, 0,
                coverage(settings.schedules(), distinct, points), null);
    }

    static int[] chosen(List<Decision> decisions) {
        int[] chosen = new int[decisions.size()];
        for (int i = 0; i < chosen.length; i++) {
            chosen[i] = decisions.get(i).chosen();
        }
        return chosen;
    }

    /** The first line where two event logs differ, described; null when equal. */
    static String firstDifference(List<String> first, List<String> second) {
        int n = Math.min(first.size(), second.size());
        for (int i = 0; i < n; i++) {
            if (!first.get(i).equals(second.get(i))) {
                return "event " + (i + 1) + " differs between two runs of the same schedule:\n  first:  " + first.get(i)
                        + "\n  second: " + second.get(i);
            }
        }
        if (first.size() != second.size()) {
            return "the runs of the same schedule logged " + first.size() + " and " + second.size() + " events; event "
                    + (n + 1) + " is " + (first.size() > n ? "only in the first: " + first.get(n)
                    : "only in the second: " + second.get(n));
        }
        return null;
    }

    private static String coverage(int runs, Set<String> distinct, Map<String, boolean[]> points) {
        int both = 0;
        List<String> oneWay = new ArrayList<>();
        for (Map.Entry<String, boolean[]> point : points.entrySet()) {
            if (point.getValue()[0] && point.getValue()[1]) {
                both++;
            } else {
                oneWay.add(point.getKey() + (point.getValue()[0] ? " (default only)" : " (non-default only)"));
            }
        }
        StringBuilder text = new StringBuilder().append(runs).append(" schedules, ").append(distinct.size())
                .append(" distinct (by decision sequence); ").append(points.size()).append(" choice points, ")
                .append(both).append(" exercised both ways");
        int shown = 0;
        for (String point : oneWay) {
            if (shown++ == 10) {
                text.append("\n  ...");
                break;
            }
            text.append("\n  one way only: ").append(point);
        }
        return text.toString();
    }

    /** "Fails the same way": the failure's type and its first message line with the numbers taken out. */
    static String signature(Throwable failure) {
        String message = String.valueOf(failure.getMessage());
        int newline = message.indexOf('\n');
        String first = newline < 0 ? message : message.substring(0, newline);
        return failure.getClass().getName() + ": " + first.replaceAll("0x[0-9a-fA-F]+|[0-9]+", "#");
    }

    /**
     * Minimises a failing schedule by replaying edited decision lists (option 0 past the end and where out of range,
     * so every edit is a valid schedule, as Hypothesis shrinks its choice sequences): the shortest failing prefix,
     * then each non-default decision set to the default or deleted, to a fixed point, within {@link #SHRINK_BUDGET}
     * replays. Only runs failing with the same signature, with no more non-default decisions, are kept.
     */
    static final class Shrinker {
        private final Runner runner;
        private final long seed;
        private final String signature;
        private Outcome best;
        int runs;

        Shrinker(Runner runner, Outcome failing) {
            this.runner = runner;
            this.seed = failing.seed();
            this.signature = signature(failing.failure());
            this.best = failing;
        }

        Outcome shrink() {
            int[] current = trimmed(chosen(best.decisions()));
            // 1. the shortest failing prefix (binary search; a shorter prefix is defaults after it)
            int low = 0;
            int high = current.length;
            while (low < high && runs < SHRINK_BUDGET) {
                int mid = (low + high) / 2;
                if (tryDecisions(java.util.Arrays.copyOf(current, mid))) {
                    high = mid;
                } else {
                    low = mid + 1;
                }
            }
            current = trimmed(chosen(best.decisions()));
            // 2. each non-default decision to the default, or deleted (the later decisions move up one: a choice
            //    point that no longer happens), from the last, until nothing changes
            boolean changed = true;
            while (changed && runs < SHRINK_BUDGET) {
                changed = false;
                for (int i = current.length - 1; i >= 0 && runs < SHRINK_BUDGET; i--) {
                    if (i >= current.length || current[i] == 0) {
                        continue;
                    }
                    int[] zeroed = current.clone();
                    zeroed[i] = 0;
                    int[] deleted = new int[current.length - 1];
                    System.arraycopy(current, 0, deleted, 0, i);
                    System.arraycopy(current, i + 1, deleted, i, current.length - i - 1);
                    if (tryDecisions(zeroed) || (runs < SHRINK_BUDGET && tryDecisions(deleted))) {
                        current = trimmed(chosen(best.decisions()));
                        changed = true;
                    }
                }
            }
            return best;
        }

        /** Replays; keeps the run as the best when it fails the same way with no more non-default decisions. */
        private boolean tryDecisions(int[] decisions) {
            runs++;
            Outcome outcome = runner.run(new Schedule(seed, ScheduleStrategy.replay(decisions)));
            if (!outcome.failed() || !signature(outcome.failure()).equals(signature)) {
                return false;
            }
            if (nonDefault(outcome.decisions()) > nonDefault(best.decisions())) {
                return false; // fails the same way, but is not simpler
            }
            best = outcome;
            return true;
        }
    }

    static int nonDefault(List<Decision> decisions) {
        int count = 0;
        for (Decision decision : decisions) {
            if (!decision.isDefault()) {
                count++;
            }
        }
        return count;
    }

    /** Without trailing defaults: replay takes the default past the end anyway. */
    static int[] trimmed(int[] decisions) {
        int end = decisions.length;
        while (end > 0 && decisions[end - 1] == 0) {
            end--;
        }
        return java.util.Arrays.copyOf(decisions, end);
    }

    /** The replay line of an outcome: its seed and its decisions up to the last non-default one. */
    static String replayLine(Outcome outcome) {
        String decisions = Schedule.encode(outcome.decisions().subList(0,
                trimmed(chosen(outcome.decisions())).length));
        return "-D" + WskExtension.SEED_PROPERTY + "=0x" + Long.toHexString(outcome.seed()) + " -D" + REPLAY_PROPERTY
                + "=" + (decisions.isEmpty() ? "0" : decisions);
    }

    /** The failure report: what failed, with which settings, the decisions and the replay line. */
    static String report(String test, Settings settings, Result result) {
        Outcome failing = result.shrunk() != null ? result.shrunk() : result.failure();
        StringBuilder text = new StringBuilder("wsk4j exploration: ").append(test);
        if (result.determinismProblem() != null) {
            text.append(" is not deterministic: schedule ").append(result.failedAt() + 1).append(" (seed 0x")
                    .append(Long.toHexString(failing.seed())).append(") ran twice with different events: ")
                    .append(result.determinismProblem())
                    .append("\n  (a driver reading the wall clock, HashMap order, or a real thread outside the"
                            + " simulation)");
        } else {
            text.append(" failed on schedule ").append(result.failedAt() + 1).append(" of ")
                    .append(settings.schedules()).append(" [strategy ").append(settings.describe()).append(", seed 0x")
                    .append(Long.toHexString(result.failure().seed())).append("]")
                    .append("\n  failure: ").append(firstLine(failing.failure()));
            if (result.shrunk() != null && result.shrinkRuns() > 0) {
                text.append("\n  shrunk in ").append(result.shrinkRuns()).append(" replays from ")
                        .append(nonDefault(result.failure().decisions())).append(" to ")
                        .append(nonDefault(failing.decisions())).append(" non-default decisions (of ")
                        .append(failing.decisions().size()).append(")");
            }
        }
        List<Decision> decisions = failing.decisions();
        int last = trimmed(chosen(decisions)).length;
        text.append("\n  schedule (").append(decisions.size()).append(" decisions; * = not the default):");
        for (int i = 0; i < last; i++) {
            if (i == 200) {
                text.append("\n    ... ").append(last - i).append(" more");
                break;
            }
            Decision decision = decisions.get(i);
            text.append("\n    ").append(decision.isDefault() ? "  " : "* ").append(i + 1).append(". ")
                    .append(decision);
        }
        if (last < decisions.size()) {
            text.append("\n    ... then ").append(decisions.size() - last).append(" default decisions");
        }
        text.append("\n  replay: ").append(replayLine(failing));
        text.append("\n  coverage: ").append(result.coverage().replace("\n", "\n  "));
        return text.toString();
    }

    private static String firstLine(Throwable failure) {
        String text = failure.toString();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline) + " ...";
    }
}
