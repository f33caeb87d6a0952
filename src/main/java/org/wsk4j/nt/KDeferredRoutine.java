package org.wsk4j.nt;

/**
 * {@code KDEFERRED_ROUTINE}: a DPC routine. It runs at DISPATCH_LEVEL on a completion executor thread (on the
 * simulated network: when the scheduler runs due work), so it must not block.
 */
@FunctionalInterface
public interface KDeferredRoutine {

    /**
     * Runs the deferred work.
     *
     * @param dpc             the DPC object
     * @param deferredContext the context given to {@code KeInitializeDpc}
     * @param systemArgument1 the first argument given to {@code KeInsertQueueDpc}; null for a timer's DPC
     * @param systemArgument2 the second argument given to {@code KeInsertQueueDpc}; null for a timer's DPC
     */
    void deferredRoutine(KDpc dpc, Object deferredContext, Object systemArgument1, Object systemArgument2);
}
