package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.ChoiceKind;
import org.wsk4j.nt.Decision;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.ScheduleStrategy;

/** The strategies and the schedule's recording, without a network. */
class ScheduleStrategyTest {

    static final List<String> THREADS = List.of("main", "t1", "t2");

    /** The thread chosen at each of {@code steps} thread choices of one schedule. */
    static List<String> run(ScheduleStrategy strategy, long seed, int steps) {
        Schedule schedule = new Schedule(seed, strategy);
        List<String> chosen = new ArrayList<>();
        for (int i = 0; i < steps; i++) {
            chosen.add(THREADS.get(schedule.choose(ChoiceKind.THREAD, "run", THREADS)));
        }
        return chosen;
    }

    @Test
    void pctWithDepthOneRunsOneThreadByPriorityAndOtherSeedsPickOthers() {
        ScheduleStrategy pct = ScheduleStrategy.pct(1);
        Set<String> firsts = new HashSet<>();
        for (long seed = 0; seed < 30; seed++) {
            List<String> chosen = run(pct, seed, 20);
            assertEquals(1, new HashSet<>(chosen).size(), "no change point: the top thread always runs " + chosen);
            firsts.add(chosen.get(0));
        }
        assertEquals(Set.copyOf(THREADS), firsts, "random initial priorities");
    }

    @Test
    void pctWithDepthThreeDemotesTheRunningThreadAtMostTwice() {
        ScheduleStrategy pct = ScheduleStrategy.pct(3);
        run(pct, 1, 20); // learns the number of steps
        boolean switched = false;
        for (long seed = 2; seed < 40; seed++) {
            List<String> chosen = run(pct, seed, 20);
            int switches = 0;
            for (int i = 1; i < chosen.size(); i++) {
                if (!chosen.get(i).equals(chosen.get(i - 1))) {
                    switches++;
                }
            }
            assertTrue(switches <= 2, "two change points at most: " + chosen);
            switched |= switches > 0;
        }
        assertTrue(switched);
        assertEquals("pct:3", pct.name());
    }

    @Test
    void randomIsUniformAndSeeded() {
        assertEquals(run(ScheduleStrategy.random(), 7, 50), run(ScheduleStrategy.random(), 7, 50));
        assertEquals(Set.copyOf(THREADS), new HashSet<>(run(ScheduleStrategy.random(), 7, 50)));
    }

    @Test
    void replayTakesTheRecordedOptionsThenDefaultsAndClampsOutOfRange() {
        Schedule schedule = new Schedule(0, ScheduleStrategy.replay(new int[] {2, 9, 1}));
        assertEquals(2, schedule.choose(ChoiceKind.THREAD, "run", THREADS));
        assertEquals(0, schedule.choose(ChoiceKind.THREAD, "run", THREADS), "9 is out of range: the default");
        assertEquals(1, schedule.choose(ChoiceKind.INLINE, "WskSocket", List.of("later", "inline")));
        assertEquals(0, schedule.choose(ChoiceKind.ORDER, "due tasks", List.of("a", "b")), "past the end: the default");
        assertEquals(0, schedule.choose(ChoiceKind.ORDER, "due tasks", List.of("only")), "one option: no decision");
        List<Decision> decisions = schedule.decisions();
        assertEquals(4, decisions.size());
        assertEquals("2,0,1,0", Schedule.encode(decisions));
        assertEquals("THREAD at run: t2 (of main, t1, t2)", decisions.get(0).toString());
        assertArrayEquals(new int[] {2, 0, 1, 0}, Schedule.decode(" 2, 0,1 ,0"));
        assertArrayEquals(new int[0], Schedule.decode(""));
    }

    @Test
    void badSettingsAreRejectedWithTheReason() {
        assertEquals("random", ScheduleStrategy.parse("random").name());
        assertEquals("pct:3", ScheduleStrategy.parse("pct").name());
        assertEquals("pct:5", ScheduleStrategy.parse("pct:5").name());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ScheduleStrategy.parse("dfs")).getMessage()
                .contains("unknown strategy 'dfs'"));
        assertThrows(IllegalArgumentException.class, () -> ScheduleStrategy.parse("pct:x"));
        assertThrows(IllegalArgumentException.class, () -> ScheduleStrategy.parse("pct:0"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.decode("1,x"));
        assertThrows(IllegalArgumentException.class, () -> Schedule.decode("-1"));
    }
}
