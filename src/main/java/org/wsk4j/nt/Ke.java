package org.wsk4j.nt;

/**
 * Kernel executive support routines ({@code Ke*}): the simulated per-thread IRQL.
 *
 * <p>Every thread has its own current IRQL, {@link Irql#PASSIVE_LEVEL} unless raised. wsk4j raises
 * it to {@link Irql#DISPATCH_LEVEL} around completion routines, cancel routines and event callbacks.
 * Drivers may raise and lower it themselves to test code paths that run at DISPATCH_LEVEL:
 *
 * <pre>{@code
 * Irql old = Ke.raiseIrql(Irql.DISPATCH_LEVEL);
 * try {
 *     // code that must not block
 * } finally {
 *     Ke.lowerIrql(old);
 * }
 * }</pre>
 *
 * <p>All methods act on the calling thread only and may be called from any thread.
 */
public final class Ke {

    private static final ThreadLocal<Irql[]> CURRENT = ThreadLocal.withInitial(() -> new Irql[] {Irql.PASSIVE_LEVEL});

    private Ke() {
    }

    /**
     * {@code KeGetCurrentIrql}: the calling thread's current IRQL.
     *
     * @return the current level
     */
    public static Irql getCurrentIrql() {
        return CURRENT.get()[0];
    }

    /**
     * {@code KeRaiseIrql}: raises the calling thread's IRQL and returns the previous level. Raising to
     * a level below the current one is a rule violation ({@link VerifierRule#IRQL_BAD_TRANSITION},
     * bug check IRQL_NOT_GREATER_OR_EQUAL); when the verifier does not fail, the level is set anyway.
     *
     * @param newIrql the new level, not lower than the current one
     * @return the previous level, to pass to {@link #lowerIrql(Irql)}
     */
    public static Irql raiseIrql(Irql newIrql) {
        Irql[] cell = CURRENT.get();
        Irql old = cell[0];
        if (newIrql.value() < old.value()) {
            IoManager.current().verifier().report(VerifierRule.IRQL_BAD_TRANSITION,
                    "KeRaiseIrql to " + newIrql + " while at " + old, null);
        }
        cell[0] = newIrql;
        return old;
    }

    /**
     * {@code KeLowerIrql}: lowers the calling thread's IRQL to a level saved by {@link #raiseIrql}.
     * Lowering to a level above the current one is a rule violation
     * ({@link VerifierRule#IRQL_BAD_TRANSITION}, bug check IRQL_NOT_LESS_OR_EQUAL).
     *
     * @param newIrql the level to return to
     */
    public static void lowerIrql(Irql newIrql) {
        Irql[] cell = CURRENT.get();
        if (newIrql.value() > cell[0].value()) {
            IoManager.current().verifier().report(VerifierRule.IRQL_BAD_TRANSITION,
                    "KeLowerIrql to " + newIrql + " while at " + cell[0], null);
        }
        cell[0] = newIrql;
    }

    /**
     * Checks that the calling thread runs at PASSIVE_LEVEL, as {@code operation} requires, and reports a
     * {@link VerifierRule#IRQL_NOT_PASSIVE} violation otherwise. Used by wsk4j for every
     * PASSIVE_LEVEL-only function; drivers can use it for their own.
     *
     * @param operation the name of the function that requires PASSIVE_LEVEL, for the report
     * @return true when the thread is at PASSIVE_LEVEL
     * @throws VerifierError when the thread is above PASSIVE_LEVEL and the rule is in FAIL mode
     */
    public static boolean requirePassiveLevel(String operation) {
        Irql current = getCurrentIrql();
        if (current == Irql.PASSIVE_LEVEL) {
            return true;
        }
        IoManager.current().verifier().report(VerifierRule.IRQL_NOT_PASSIVE,
                operation + " requires PASSIVE_LEVEL but the thread is at " + current, null);
        return false;
    }
}
