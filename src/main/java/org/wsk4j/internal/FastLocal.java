package org.wsk4j.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A per-thread value that costs a field read on wsk4j's own threads ({@link CompletionThread}: completion workers,
 * timers, the selector thread, where completions run) and a {@link ThreadLocal} lookup elsewhere, as Netty's
 * {@code FastThreadLocal} does. For the few per-thread values of the completion path (the IRQL, the watchdog record,
 * the direct executor's trampoline, the inline-completion depth): the value is created on first use on each thread,
 * and, as with a {@code ThreadLocal}, used by that thread only. At most {@link CompletionThread#SLOTS} of them exist.
 * Internal (not exported).
 *
 * @param <T> the value's type
 */
public final class FastLocal<T> {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final int index;
    private final Supplier<? extends T> initial;
    private final ThreadLocal<T> others;

    /**
     * Creates one (a static final field, as for a {@code ThreadLocal}).
     *
     * @param initial creates a thread's value on its first use there
     * @throws IllegalStateException when more than {@link CompletionThread#SLOTS} exist
     */
    public FastLocal(Supplier<? extends T> initial) {
        this.initial = Objects.requireNonNull(initial, "initial");
        this.index = NEXT.getAndIncrement();
        if (index >= CompletionThread.SLOTS) {
            throw new IllegalStateException("more than " + CompletionThread.SLOTS + " FastLocals");
        }
        this.others = ThreadLocal.withInitial(initial);
    }

    /**
     * Returns the calling thread's value, creating it on first use.
     *
     * @return the value
     */
    @SuppressWarnings("unchecked")
    public T get() {
        Thread thread = Thread.currentThread();
        if (thread instanceof CompletionThread) {
            Object[] slots = ((CompletionThread) thread).slots;
            Object value = slots[index];
            if (value == null) {
                value = initial.get();
                slots[index] = value;
            }
            return (T) value;
        }
        return others.get();
    }
}
