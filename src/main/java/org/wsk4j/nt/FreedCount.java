package org.wsk4j.nt;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An I/O manager's count of freed IRPs, from which the live count is derived (attempts - failures - freed,
 * {@link IoManager}), counted once per IRP on the free path, so that the thread that frees most IRPs does it
 * without an atomic instruction: the first thread that frees an IRP of the manager becomes the count's
 * <em>owner</em> (one CAS, once) and counts in a field only it writes, with a release store ({@link OwnedCount});
 * every other thread counts in an {@link AtomicLong}. {@link #get} adds the two.
 *
 * <p>Threading: {@link #increment} and {@link #get} from any thread. The owner's field is written by the owner
 * thread only (a plain read of its own last value, then a release store); the shared counter by every other thread
 * (atomic increments). The owner is set once, by CAS, and never changes.
 *
 * <p>Visibility and order: the owner's store is a release and {@link #get} reads the owner's field with an acquire load
 * first, so a reader that sees a free counted also sees what the freeing thread did before it, in particular the
 * allocation attempt of that IRP (counted with a volatile read-modify-write when it was allocated, by whichever
 * thread). That is what the live count's reading order (freed, failures, attempts) needs: it never counts a free
 * without its allocation (jcstress {@code IrpLiveCountStress}). As with one atomic counter, a sum taken while
 * other threads free IRPs is not a snapshot of one instant; each part only grows.
 *
 * <p>The owner is kept as a reference, so the manager keeps that one {@link Thread} object reachable after the
 * thread ended (the thread's stack and locals are not kept).
 */
final class FreedCount extends OwnedCount {

    /** Every other thread's frees. */
    private final AtomicLong others = new AtomicLong();

    /** Counts one freed IRP. Any thread. */
    void increment() {
        Thread current = Thread.currentThread();
        if (!countIfOwner(current) && !claimAndCount(current)) {
            others.incrementAndGet();
        }
    }

    /**
     * The frees counted so far: the owner's count (an acquire load, read first) plus the others'. Any thread.
     */
    long get() {
        long mine = owned();
        return mine + others.get();
    }
}
