package org.wsk4j.nt;

/**
 * A C out-parameter of a kernel function (such as {@code PHANDLE ThreadHandle} or {@code PVOID *Object}): a cell the
 * function writes its result into. {@link org.wsk4j.Ref}, the out-parameter of the WSK functions, is one, so a
 * driver uses {@code Ref} everywhere:
 *
 * <pre>{@code
 * Ref<Handle> threadHandle = new Ref<>();
 * NtStatus status = Ps.createSystemThread(threadHandle, THREAD_ALL_ACCESS, null, null, null, Worker::run, queue);
 * }</pre>
 *
 * <p>Thread safety: the value is volatile.
 *
 * @param <T> the value type
 */
public class Out<T> {

    private volatile T value;

    /** Creates an empty cell (C: an uninitialised variable whose address is passed). */
    public Out() {
    }

    /**
     * Creates a cell holding an initial value (for in/out parameters).
     *
     * @param value the initial value
     */
    public Out(T value) {
        this.value = value;
    }

    /**
     * Returns the value the function wrote (or the initial value).
     *
     * @return the value, possibly null
     */
    public T get() {
        return value;
    }

    /**
     * Writes the value (what the function does through the pointer).
     *
     * @param value the value
     */
    public void set(T value) {
        this.value = value;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + value + "]";
    }
}
