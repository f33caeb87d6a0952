package org.wsk4j;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code SECURITY_DESCRIPTOR} (PSECURITY_DESCRIPTOR): an opaque security descriptor, as passed to
 * {@code WskSocket} and cached with {@code WskControlClient(WSK_CACHE_SD)}.
 *
 * <p>wsk4j performs no access checks: a descriptor carries only a description for diagnostics. What
 * wsk4j does track is caching: {@code WSK_CACHE_SD} returns a new <em>cached</em> descriptor owned by
 * the client, which must be released exactly once with {@code WSK_RELEASE_SD}, so leaks and double
 * releases are caught (a second release fails with STATUS_INVALID_PARAMETER).
 *
 * <pre>{@code
 * Ref<SecurityDescriptor> cached = new Ref<>();
 * status = dispatch.wskControlClient(client, WSK_CACHE_SD, 8, new SecurityDescriptor("D:(A;;GA;;;SY)"),
 *         8, cached, null, null);
 * ...
 * status = dispatch.wskControlClient(client, WSK_RELEASE_SD, 8, cached.get(), 0, null, null, null);
 * }</pre>
 *
 * <p>Thread safety: immutable apart from the internal released flag, which is safely published.
 */
public final class SecurityDescriptor {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final String description;
    /** Whether this is a cached copy (which client cached it is tracked by the provider). */
    private final boolean cached;
    private volatile boolean released;

    /**
     * Creates an uncached descriptor.
     *
     * @param description a free-form description for diagnostics (for example an SDDL string), or null
     */
    public SecurityDescriptor(String description) {
        this(description, false);
    }

    SecurityDescriptor(String description, boolean cached) {
        this.description = description;
        this.cached = cached;
    }

    /**
     * Returns the description given at creation.
     *
     * @return the description, or null
     */
    public String description() {
        return description;
    }

    /**
     * Tells whether this is a cached copy returned by {@code WSK_CACHE_SD}.
     *
     * @return true for a cached descriptor
     */
    public boolean isCached() {
        return cached;
    }

    /**
     * Tells whether this cached descriptor was released with {@code WSK_RELEASE_SD}.
     *
     * @return true once released; always false for an uncached descriptor
     */
    public boolean isReleased() {
        return released;
    }

    void markReleased() {
        released = true;
    }

    @Override
    public String toString() {
        return "SECURITY_DESCRIPTOR#" + id + (cached ? (released ? "[cached, released]" : "[cached]") : "")
                + (description != null ? "(" + description + ")" : "");
    }
}
