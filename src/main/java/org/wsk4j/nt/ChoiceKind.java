package org.wsk4j.nt;

/**
 * The kinds of choice point a {@link Schedule} decides while a test explores schedules. Every kind is an order or an
 * outcome the kernel contract allows, so a driver must cope with every answer; option 0 is always the answer the
 * simulated network gives without exploration (its "default"), so a schedule of zeros is the plainest run.
 */
public enum ChoiceKind {
    /** Which driver thread runs next when several can (a wait ended, a poll may yield); options are thread names. */
    THREAD,
    /** Which of the completions, DPCs, timers and callbacks due at the same virtual instant runs next. */
    ORDER,
    /** Whether a WSK call whose work finished at once completes later (0) or inline, before it returns (1). */
    INLINE,
    /** A network delay within the bounds the test set (a link's latency distribution): drawn (0), lowest, highest. */
    TIMING,
    /** Which fault of a scripted set ({@code Fault.oneOf}) applies. */
    FAULT
}
