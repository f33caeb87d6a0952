package org.wsk4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.wsk4j.nt.ManualCompletionExecutor;

/** WskSubsystem.Builder checks each setting where it is made (Caffeine-style), not at build(). */
class SubsystemBuilderTest {

    @Test
    void choosingTheCompletionExecutorTwiceNamesTheEarlierChoice() {
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> WskSubsystem.builder().manualExecutor().threadedExecutor(2));
        assertTrue(twice.getMessage().contains("manualExecutor()"), twice.getMessage());
        assertTrue(twice.getMessage().contains("threadedExecutor(2)"), twice.getMessage());
        ManualCompletionExecutor mine = new ManualCompletionExecutor();
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> WskSubsystem.builder().executor(mine).directExecutor());
        assertTrue(again.getMessage().contains("executor(" + mine + ")"), again.getMessage());
    }

    @Test
    void concurrencyIsCheckedAtTheSetter() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> WskSubsystem.builder().threadedExecutor(65));
        assertEquals("concurrency must be between 1 and 64: 65", error.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WskSubsystem.builder().threadedExecutor(0));
    }
}
