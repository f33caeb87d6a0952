package org.wsk4j.sim;

/**
 * A scripted fault that no attempt consumed, as reported by {@link SimNetwork#unusedFaults()}.
 *
 * @param hook  the hook point it was queued on, for example {@code "connect 10.0.0.2:80"}
 * @param fault the fault
 */
public record UnusedFault(String hook, Fault fault) {
}
