package org.wsk4j;

/**
 * A C out-parameter (or in/out-parameter): a cell a WSK function writes a result into, such as
 * {@code PADDRINFOEXW *Result} or {@code SIZE_T *OutputSizeReturned}.
 *
 * <pre>{@code
 * Ref<Long> needed = new Ref<>();
 * status = dispatch.wskControlClient(client, WSK_TRANSPORT_LIST_QUERY, 0, null, 0, null, needed, null);
 * }</pre>
 *
 * <p>Thread safety: the value is volatile; a WSK function that completes through an IRP writes it before
 * the IRP completes, so the completion routine sees it.
 *
 * @param <T> the value type
 */
public final class Ref<T> {

    private volatile T value;

    /** Creates an empty cell (C: an uninitialised variable whose address is passed). */
    public Ref() {
    }

    /**
     * Creates a cell holding an initial value (for in/out parameters).
     *
     * @param value the initial value
     */
    public Ref(T value) {
        this.value = value;
    }

    /**
     * Returns the value.
     *
     * @return the value, or null
     */
    public T get() {
        return value;
    }

    /**
     * Sets the value.
     *
     * @param value the value
     */
    public void set(T value) {
        this.value = value;
    }

    @Override
    public String toString() {
        return "Ref[" + value + "]";
    }
}
