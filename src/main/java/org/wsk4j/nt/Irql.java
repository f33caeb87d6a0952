package org.wsk4j.nt;

/**
 * Interrupt request levels that matter to WSK code.
 *
 * <p>wsk4j keeps a simulated current IRQL per thread (see {@link Ke#getCurrentIrql()}). Threads start
 * at {@link #PASSIVE_LEVEL}; completion routines, cancel routines and WSK event callbacks run at
 * {@link #DISPATCH_LEVEL}, as they may in Windows. Functions that the WDK restricts to
 * PASSIVE_LEVEL (blocking waits, {@code WskCaptureProviderNPI} with a wait, {@code WskDeregister},
 * {@code WskGetAddressInfo}) check the level and report a {@link VerifierRule#IRQL_NOT_PASSIVE}
 * violation when it is higher.
 */
public enum Irql {
    /** 0: normal thread execution; may block. */
    PASSIVE_LEVEL(0),
    /** 1: asynchronous procedure calls are masked. */
    APC_LEVEL(1),
    /** 2: the level of completion routines and WSK event callbacks; must never block. */
    DISPATCH_LEVEL(2);

    private final int value;

    Irql(int value) {
        this.value = value;
    }

    /**
     * Returns the numeric KIRQL value.
     *
     * @return 0, 1 or 2
     */
    public int value() {
        return value;
    }
}
