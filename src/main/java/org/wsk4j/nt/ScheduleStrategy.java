package org.wsk4j.nt;

import java.util.List;

/**
 * Decides the choice points of the schedules an exploration runs (see {@link Schedule}). One strategy object serves
 * every schedule of one exploration, in order: {@link #startSchedule} before each, then one {@link #choose} per choice
 * point. A strategy may learn from earlier schedules (PCT estimates the number of steps), so its answers for one
 * schedule can depend on the schedules before it; a report therefore replays a failure from its recorded decisions
 * ({@link #replay}), not from the strategy.
 *
 * <p>Threading: called by one thread at a time (the simulated processor's), never concurrently.
 */
public interface ScheduleStrategy {

    /**
     * Starts a schedule.
     *
     * @param seed the schedule's seed: a strategy's random choices derive from it only
     */
    void startSchedule(long seed);

    /**
     * Decides one choice point.
     *
     * @param kind    the kind of choice point
     * @param site    where it is made
     * @param options the labels of the options (at least two; thread names for {@link ChoiceKind#THREAD})
     * @return the index of the option to take, in {@code [0, options.size())}
     */
    int choose(ChoiceKind kind, String site, List<String> options);

    /**
     * The strategy as the {@code wsk4j.strategy} setting spells it ({@code random}, {@code pct:3}, {@code replay}).
     *
     * @return the name
     */
    String name();

    /**
     * Uniform random: every option of every choice point equally likely (Coyote's and Fray's {@code random}).
     *
     * @return a new strategy
     */
    static ScheduleStrategy random() {
        return new Strategies.Random();
    }

    /**
     * Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010) as Coyote and Fray implement it: driver
     * threads get random distinct priorities (a new thread at a random rank), the highest-priority runnable thread
     * runs, and at {@code depth - 1} change points, drawn from the number of thread-choice steps the earlier schedules
     * took, the thread about to run is demoted below all others. A bug that needs {@code depth} ordering constraints
     * is found by one schedule with probability at least 1/(n·k^(depth−1)) for n threads and k steps. Choice points
     * that are not thread choices (inline or later, order of due tasks, timing, faults) are uniform, as Coyote's
     * prioritization strategy answers its boolean and integer choices.
     *
     * @param depth the bug depth, at least 1
     * @return a new strategy
     * @throws IllegalArgumentException when {@code depth < 1}
     */
    static ScheduleStrategy pct(int depth) {
        return new Strategies.Pct(depth);
    }

    /**
     * Replays recorded decisions: the {@code i}th choice point takes {@code decisions[i]}, and option 0 when that is
     * out of range or the list has ended, so any edited list is a valid schedule (what shrinking relies on).
     *
     * @param decisions the option index of each choice point, in order
     * @return a new strategy
     */
    static ScheduleStrategy replay(int[] decisions) {
        return new Strategies.Replay(decisions.clone());
    }

    /**
     * Parses the {@code wsk4j.strategy} setting: {@code random}, {@code pct} (depth 3) or {@code pct:<depth>}.
     *
     * @param text the setting
     * @return a new strategy
     * @throws IllegalArgumentException naming what is wrong
     */
    static ScheduleStrategy parse(String text) {
        String t = text.trim();
        if (t.equals("random")) {
            return random();
        }
        if (t.equals("pct")) {
            return pct(Strategies.Pct.DEFAULT_DEPTH);
        }
        if (t.startsWith("pct:")) {
            int depth;
            try {
                depth = Integer.parseInt(t.substring(4));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the PCT depth is not a number: " + text, e);
            }
            return pct(depth);
        }
        throw new IllegalArgumentException("unknown strategy '" + text + "' (random, pct or pct:<depth>)");
    }
}
