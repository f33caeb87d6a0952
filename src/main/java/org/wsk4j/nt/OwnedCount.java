package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The part of an I/O manager's IRP counters ({@link FreedCount}, {@link CompletedCount}) that lets one thread, the
 * count's <em>owner</em>, count without an atomic instruction: the first thread that claims the count (one CAS,
 * once; the owner never changes) counts in a field only it writes, with a release store; {@link #owned} reads it
 * with an acquire load, so a reader that sees a count also sees what the owner did before it. The subclass counts
 * every other thread its own way and adds {@link #owned} to its total.
 *
 * <p>Threading: {@link #countIfOwner}, {@link #claimAndCount} and {@link #owned} from any thread; the owned field is
 * written by the owner thread only. The owner is kept as a reference: the I/O manager keeps that one {@link Thread}
 * object reachable after the thread ended (its stack and locals are not kept).
 */
abstract class OwnedCount {

    private static final VarHandle OWNER;
    private static final VarHandle OWNED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            OWNER = lookup.findVarHandle(OwnedCount.class, "owner", Thread.class);
            OWNED = lookup.findVarHandle(OwnedCount.class, "owned", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The thread that counts in {@link #owned}; set once by CAS. */
    private volatile Thread owner;
    /** The owner's count: written by the owner only (release stores), read with acquire loads. */
    @SuppressWarnings("unused") // through OWNED
    private long owned;

    /** Counts one and returns true when {@code current} is the owner; otherwise changes nothing. Any thread. */
    final boolean countIfOwner(Thread current) {
        if (owner == current) {
            OWNED.setRelease(this, (long) OWNED.get(this) + 1); // the owner is the only writer
            return true;
        }
        return false;
    }

    /**
     * Makes {@code current} the owner and counts one when the count has no owner yet; returns false, changing
     * nothing, when it has one (another thread). Any thread.
     */
    final boolean claimAndCount(Thread current) {
        if (owner == null && OWNER.compareAndSet(this, null, current)) {
            OWNED.setRelease(this, (long) OWNED.get(this) + 1);
            return true;
        }
        return false;
    }

    /** The owner's count so far (an acquire load). Any thread. */
    final long owned() {
        return (long) OWNED.getAcquire(this);
    }
}
