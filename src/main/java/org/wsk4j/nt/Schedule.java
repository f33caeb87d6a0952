package org.wsk4j.nt;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One schedule of an exploration: decides every choice point of one run of a test on the simulated network from a
 * {@link ScheduleStrategy}, and records each decision. Attach it to a simulated network's executor before the run
 * ({@link ManualCompletionExecutor#explore}); the kernel, the provider and the network then ask it at each choice
 * point ({@link ChoiceKind}) instead of taking their fixed or seeded default, and each decision is also a line of the
 * network's event log ({@code decision N: ...}).
 *
 * <pre>{@code
 * SimNetwork network = SimNetwork.create(seed);
 * Schedule schedule = new Schedule(seed, ScheduleStrategy.pct(3));
 * network.executor().explore(schedule);
 * ... run the test ...
 * String replay = Schedule.encode(schedule.decisions()); // ScheduleStrategy.replay(Schedule.decode(replay))
 * }</pre>
 *
 * <p>Without a schedule nothing changes: no choice point consumes a random number or writes a line it did not before.
 *
 * <p>Threading: {@link #choose} is called by the thread holding the simulated processor; the methods take a private lock,
 * so a report may read the decisions from another thread.
 */
public final class Schedule {

    /** Guards the decisions and the attached log (never this object, which the test holds). */
    private final Object lock = new Object();

    /** Schedules attached and not yet detached, in this JVM: the inline choice costs one volatile read when 0. */
    private static final AtomicInteger ATTACHED = new AtomicInteger();

    private final long seed;
    private final ScheduleStrategy strategy;
    private final List<Decision> decisions = new ArrayList<>();
    private Consumer<String> eventLog;
    private boolean attached;

    /**
     * Creates a schedule and starts it in {@code strategy} ({@link ScheduleStrategy#startSchedule}).
     *
     * @param seed     the schedule's seed
     * @param strategy decides the choice points
     */
    public Schedule(long seed, ScheduleStrategy strategy) {
        this.seed = seed;
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        strategy.startSchedule(seed);
    }

    /**
     * Returns the seed.
     *
     * @return the seed given at creation
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the strategy's name ({@link ScheduleStrategy#name()}).
     *
     * @return the name
     */
    public String strategyName() {
        return strategy.name();
    }

    /**
     * Decides a choice point and records it. With fewer than two options there is nothing to decide: 0, not recorded.
     *
     * @param kind    the kind of choice point
     * @param site    where it is made, for the report
     * @param options the option labels; option 0 is the default
     * @return the index of the option to take
     */
    public int choose(ChoiceKind kind, String site, List<String> options) {
        if (options.size() < 2) {
            return 0;
        }
        Consumer<String> log;
        Decision decision;
        int number;
        synchronized (lock) {
            int chosen = strategy.choose(kind, site, options);
            if (chosen < 0 || chosen >= options.size()) {
                chosen = 0;
            }
            decision = new Decision(kind, site, options, chosen);
            decisions.add(decision);
            number = decisions.size();
            log = eventLog;
        }
        if (log != null) {
            log.accept("decision " + number + ": " + decision);
        }
        return decision.chosen();
    }

    /**
     * Returns the decisions made so far, in order.
     *
     * @return a copy
     */
    public List<Decision> decisions() {
        synchronized (lock) {
            return List.copyOf(decisions);
        }
    }

    /**
     * Encodes decisions as the {@code wsk4j.replay} setting spells them: the chosen option indexes, comma-separated.
     *
     * @param decisions the decisions
     * @return for example {@code 0,1,0,2}
     */
    public static String encode(List<Decision> decisions) {
        StringBuilder text = new StringBuilder();
        for (Decision decision : decisions) {
            if (text.length() > 0) {
                text.append(',');
            }
            text.append(decision.chosen());
        }
        return text.toString();
    }

    /**
     * Decodes {@link #encode}'s text (empty text is no decisions).
     *
     * @param text comma-separated option indexes
     * @return the indexes
     * @throws IllegalArgumentException when an item is not a non-negative number
     */
    public static int[] decode(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            return new int[0];
        }
        String[] items = t.split(",");
        int[] decoded = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            try {
                decoded[i] = Integer.parseInt(items[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("decision " + (i + 1) + " is not a number: '" + items[i] + "'", e);
            }
            if (decoded[i] < 0) {
                throw new IllegalArgumentException("decision " + (i + 1) + " is negative: " + decoded[i]);
            }
        }
        return decoded;
    }

    void attach(Consumer<String> log) {
        synchronized (lock) {
            if (!attached) {
                attached = true;
                ATTACHED.incrementAndGet();
            }
            this.eventLog = log;
        }
    }

    void detach() {
        synchronized (lock) {
            if (attached) {
                attached = false;
                ATTACHED.decrementAndGet();
            }
        }
    }

    /**
     * The inline-or-later choice of a WSK call whose work finished at once (the provider's one completion path asks
     * it): true when the calling thread's kernel explores schedules, the call is the outermost one on this thread (not
     * made from a completion routine, callback or other task, not inside an inline completion, holding no provider
     * lock), and the schedule chose
     * to complete it before the call returns. Without exploration: false after one volatile read.
     *
     * @param site         the WSK function, for the report
     * @param providerLock the provider lock the caller may hold (the socket's), or null: held, no choice
     * @return true to complete the IRP inline (its routine runs before the call returns STATUS_PENDING)
     */
    public static boolean completeInline(Object site, Object providerLock) {
        if (ATTACHED.get() == 0 || InlineCompletion.depth() > 0
                || (providerLock != null && Thread.holdsLock(providerLock))) {
            return false;
        }
        Kernel kernel = Kernel.current();
        KScheduler scheduler = kernel.scheduler();
        Schedule schedule = scheduler == null ? null : scheduler.schedule();
        if (schedule == null || scheduler.inTask()) {
            return false;
        }
        return schedule.choose(ChoiceKind.INLINE, String.valueOf(site), INLINE_OPTIONS) == 1;
    }

    private static final List<String> INLINE_OPTIONS = List.of("later", "inline");

    @Override
    public String toString() {
        synchronized (lock) {
            return "Schedule[" + strategy.name() + ", seed=0x" + Long.toHexString(seed) + ", " + decisions.size()
                    + " decisions]";
        }
    }
}
