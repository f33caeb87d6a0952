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
 * <p>It is also the out-parameter of the kernel functions ({@link org.wsk4j.nt.Out}), such as
 * {@code PsCreateSystemThread}'s thread handle.
 *
 * <p>Thread safety: the value is volatile; a WSK function that completes through an IRP writes it before
 * the IRP completes, so the completion routine sees it.
 *
 * @param <T> the value type
 */
public final class Ref<T> extends org.wsk4j.nt.Out<T> {

    /** Creates an empty cell (C: an uninitialised variable whose address is passed). */
    public Ref() {
    }

    /**
     * Creates a cell holding an initial value (for in/out parameters).
     *
     * @param value the initial value
     */
    public Ref(T value) {
        super(value);
    }
}
