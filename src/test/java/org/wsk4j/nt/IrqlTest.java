package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class IrqlTest extends IrpTestSupport {

    @Test
    void threadsStartAtPassiveLevel() throws InterruptedException {
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        AtomicReference<Irql> seen = new AtomicReference<>();
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            Thread other = new Thread(() -> seen.set(Ke.getCurrentIrql()));
            other.start();
            join(other);
        } finally {
            Ke.lowerIrql(old);
        }
        assertEquals(Irql.PASSIVE_LEVEL, seen.get(), "the IRQL is per thread");
    }

    @Test
    void levelsHaveTheirKirqlValues() {
        assertEquals(0, Irql.PASSIVE_LEVEL.value());
        assertEquals(1, Irql.APC_LEVEL.value());
        assertEquals(2, Irql.DISPATCH_LEVEL.value());
    }

    @Test
    void raiseReturnsThePreviousLevelAndLowerRestoresIt() {
        Irql passive = Ke.raiseIrql(Irql.APC_LEVEL);
        assertEquals(Irql.PASSIVE_LEVEL, passive);
        Irql apc = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        assertEquals(Irql.APC_LEVEL, apc);
        assertEquals(Irql.DISPATCH_LEVEL, Ke.getCurrentIrql());
        assertEquals(Irql.DISPATCH_LEVEL, Ke.raiseIrql(Irql.DISPATCH_LEVEL), "raising to the same level is legal");

        Ke.lowerIrql(apc);
        assertEquals(Irql.APC_LEVEL, Ke.getCurrentIrql());
        Ke.lowerIrql(passive);
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
        assertRecorded();
    }

    @Test
    void raisingToALowerLevelIsABadTransition() {
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        try {
            VerifierError error = assertViolation(VerifierRule.IRQL_BAD_TRANSITION,
                    () -> Ke.raiseIrql(Irql.PASSIVE_LEVEL));
            assertEquals(0x0A, error.rule().bugCheckCode());
            assertEquals(Irql.DISPATCH_LEVEL, Ke.getCurrentIrql(), "FAIL mode leaves the level alone");
        } finally {
            Ke.lowerIrql(old);
        }
    }

    @Test
    void loweringToAHigherLevelIsABadTransition() {
        assertViolation(VerifierRule.IRQL_BAD_TRANSITION, () -> Ke.lowerIrql(Irql.DISPATCH_LEVEL));
        assertEquals(Irql.PASSIVE_LEVEL, Ke.getCurrentIrql());
    }

    @Test
    void badTransitionInLogModeIsRecordedAndTheLevelSetAnyway() {
        logOnly(VerifierRule.IRQL_BAD_TRANSITION);
        Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
        Ke.raiseIrql(Irql.APC_LEVEL);
        assertEquals(Irql.APC_LEVEL, Ke.getCurrentIrql());
        Ke.lowerIrql(old);
        assertRecorded(VerifierRule.IRQL_BAD_TRANSITION);
    }

    @Test
    void requirePassiveLevelChecksTheCurrentLevel() {
        assertTrue(Ke.requirePassiveLevel("test operation"));
        Irql old = Ke.raiseIrql(Irql.APC_LEVEL);
        try {
            VerifierError error = assertViolation(VerifierRule.IRQL_NOT_PASSIVE,
                    () -> Ke.requirePassiveLevel("test operation"));
            assertTrue(error.report().message().contains("test operation"));
            logOnly(VerifierRule.IRQL_NOT_PASSIVE);
            assertFalse(Ke.requirePassiveLevel("test operation"));
        } finally {
            Ke.lowerIrql(old);
        }
        assertRecorded(VerifierRule.IRQL_NOT_PASSIVE, VerifierRule.IRQL_NOT_PASSIVE);
    }
}
