package org.wsk4j.internal;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A per-thread value that costs a field read on wsk4j's own threads ({@link CompletionThread}: completion workers,
 * timers, the selector thread, where completions run) and a {@link ThreadLocal} lookup elsewhere, as Netty's
 * {@code FastThreadLocal} does. For the few per-thread values of the completion path (the IRQL, the watchdog record,
 * the direct executor's trampoline, the inline-completion depth): the value is created on first use on each thread,
 * and, as with a {@code ThreadLocal}, used by that thread only; or, made without an initial value, it is null until
 * {@link #set} (the I/O manager a thread is bound to). At most {@link CompletionThread#SLOTS} of them exist.
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
        this(Objects.requireNonNull(initial, "initial"), ThreadLocal.withInitial(initial));
    }

    /**
     * Creates one whose value is null on every thread until {@link #set} (a static final field).
     *
     * @throws IllegalStateException when more than {@link CompletionThread#SLOTS} exist
     */
    public FastLocal() {
        this(null, new ThreadLocal<>());
    }

    private FastLocal(Supplier<? extends T> initial, ThreadLocal<T> others) {
        this.initial = initial;
        this.others = others;
        this.index = NEXT.getAndIncrement();
        if (index >= CompletionThread.SLOTS) {
            throw new IllegalStateException("more than " + CompletionThread.SLOTS + " FastLocals");
        }
    }

    /**
     * Returns the calling thread's value, creating it on first use (null until {@link #set} for one made without an
     * initial value).
     *
     * @return the value
     */
    @SuppressWarnings("unchecked")
    public T get() {
        Thread thread = Thread.currentThread();
        if (thread instanceof CompletionThread) {
            Object[] slots = ((CompletionThread) thread).slots;
            Object value = slots[index];
            if (value == null && initial != null) {
                value = initial.get();
                slots[index] = value;
            }
            return (T) value;
        }
        return others.get();
    }

    /**
     * Sets the calling thread's value (null included: elsewhere than on a {@link CompletionThread} the
     * {@code ThreadLocal} entry stays, so a value set and cleared for every task costs no entry churn).
     *
     * @param value the value, or null
     */
    public void set(T value) {
        Thread thread = Thread.currentThread();
        if (thread instanceof CompletionThread) {
            ((CompletionThread) thread).slots[index] = value;
        } else {
            others.set(value);
        }
    }

    /**
     * Clears the calling thread's value; elsewhere than on a {@link CompletionThread} its {@code ThreadLocal} entry
     * goes, so a thread that no longer uses it keeps nothing.
     */
    public void remove() {
        Thread thread = Thread.currentThread();
        if (thread instanceof CompletionThread) {
            ((CompletionThread) thread).slots[index] = null;
        } else {
            others.remove();
        }
    }
}
