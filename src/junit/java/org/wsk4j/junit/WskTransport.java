package org.wsk4j.junit;

/** The transport a {@link WskExtension} builds each test's subsystem on. */
public enum WskTransport {
    /**
     * The deterministic simulated network ({@link org.wsk4j.sim.SimNetwork}): virtual time, fault
     * scripting, seeded randomness. The default.
     */
    SIMULATED,
    /** Real loopback sockets through java.nio, with a manual completion executor. */
    NIO
}
