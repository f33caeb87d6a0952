package org.wsk4j.nt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/** The built-in {@link ScheduleStrategy} implementations. Each is confined to the thread running the exploration. */
final class Strategies {

    private Strategies() {
    }

    /** Uniform over the options of every choice point. */
    static final class Random implements ScheduleStrategy {
        private SplittableRandom random = new SplittableRandom(0);

        @Override
        public void startSchedule(long seed) {
            random = new SplittableRandom(seed);
        }

        @Override
        public int choose(ChoiceKind kind, String site, List<String> options) {
            return random.nextInt(options.size());
        }

        @Override
        public String name() {
            return "random";
        }
    }

    /** PCT over thread choices; uniform elsewhere (see {@link ScheduleStrategy#pct}). */
    static final class Pct implements ScheduleStrategy {
        static final int DEFAULT_DEPTH = 3;
        /** The step estimate before any schedule ran. */
        private static final int INITIAL_STEPS = 8;

        private final int depth;
        private SplittableRandom random = new SplittableRandom(0);
        /** Thread names, highest priority first. */
        private final List<String> ranked = new ArrayList<>();
        private final Set<Integer> changePoints = new HashSet<>();
        private int steps;
        private int maxSteps;

        Pct(int depth) {
            if (depth < 1) {
                throw new IllegalArgumentException("the PCT depth must be at least 1: " + depth);
            }
            this.depth = depth;
        }

        @Override
        public void startSchedule(long seed) {
            random = new SplittableRandom(seed);
            maxSteps = Math.max(maxSteps, steps);
            steps = 0;
            ranked.clear();
            changePoints.clear();
            int horizon = Math.max(maxSteps, INITIAL_STEPS);
            int points = Math.min(depth - 1, horizon);
            while (changePoints.size() < points) {
                changePoints.add(1 + random.nextInt(horizon));
            }
        }

        @Override
        public int choose(ChoiceKind kind, String site, List<String> options) {
            if (kind != ChoiceKind.THREAD) {
                return random.nextInt(options.size());
            }
            for (String option : options) {
                if (!ranked.contains(option)) {
                    ranked.add(random.nextInt(ranked.size() + 1), option); // a new thread at a random rank
                }
            }
            steps++;
            if (changePoints.contains(steps)) {
                // Coyote's order: the thread about to run is demoted below every other before choosing.
                String top = highest(options);
                ranked.remove(top);
                ranked.add(top);
            }
            return options.indexOf(highest(options));
        }

        private String highest(List<String> options) {
            for (String name : ranked) {
                if (options.contains(name)) {
                    return name;
                }
            }
            throw new IllegalStateException("no ranked option among " + options);
        }

        @Override
        public String name() {
            return "pct:" + depth;
        }
    }

    /** Recorded option indexes; option 0 out of range and past the end. */
    static final class Replay implements ScheduleStrategy {
        private final int[] decisions;
        private int next;

        Replay(int[] decisions) {
            this.decisions = decisions;
        }

        @Override
        public void startSchedule(long seed) {
            next = 0;
        }

        @Override
        public int choose(ChoiceKind kind, String site, List<String> options) {
            int chosen = next < decisions.length ? decisions[next] : 0;
            next++;
            return chosen >= 0 && chosen < options.size() ? chosen : 0;
        }

        @Override
        public String name() {
            return "replay";
        }
    }
}
