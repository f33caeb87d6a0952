package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.wsk4j.internal.CompletionThread;
import org.wsk4j.internal.FastLocal;

/**
 * An I/O manager's count of completions handed back to the IRPs' owners
 * ({@link IoManager.IrpStatistics#completedToOwner}), counted once per completion on the completion path, so it costs
 * no atomic instruction where completions are many: on wsk4j's own threads ({@link CompletionThread}: the NIO
 * selector thread, the completion workers) each thread counts in a cell of its own that only it writes (an opaque
 * store); so does the first other thread that completes an IRP of the manager (usually the driver's thread that
 * runs completions in its own context, or drains a manual executor), which becomes the count's <em>owner</em>
 * (one CAS, once) and counts in a field of this object ({@link OwnedCount}); every other thread, and a wsk4j thread
 * counting for a second I/O manager, counts in a {@link LongAdder}. {@link #sum} adds them up.
 *
 * <p>Threading: {@link #increment} and {@link #sum} from any thread. A cell is written by its wsk4j thread only;
 * the owned count by the owner thread only (release stores); the owner is set once, by CAS, and never changes;
 * the adder by everyone else. The owner is kept as a reference: the manager keeps that one {@link Thread} object
 * reachable after the thread ended.
 *
 * <p>Visibility: a count is written before the completion routine runs, so whoever observes what the routine did
 * (through the routine's own synchronisation) also sees the count, as with the adder. A sum taken while other threads
 * complete IRPs is not a snapshot, as the adder's is not.
 *
 * <p>A cell names its manager by a number, not a reference, so a thread that outlives the manager does not keep it
 * reachable (only its 24-byte cell).
 */
final class CompletedCount extends OwnedCount {

    private static final AtomicLong IDS = new AtomicLong();
    /** A wsk4j thread's cell: for the first I/O manager it counted for. */
    private static final FastLocal<Cell[]> CELL = new FastLocal<>(() -> new Cell[1]);
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(Cell.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One thread's count for one I/O manager; written by that thread only. */
    static final class Cell {
        final long counter;
        @SuppressWarnings("unused") // through COUNT
        volatile long count;

        Cell(long counter) {
            this.counter = counter;
        }
    }

    private final long id = IDS.incrementAndGet();
    private final LongAdder others = new LongAdder();
    private final Queue<Cell> cells = new ConcurrentLinkedQueue<>();

    /** Counts one completion. Any thread. */
    void increment() {
        Thread current = Thread.currentThread();
        if (countIfOwner(current)) {
            return;
        }
        if (current instanceof CompletionThread) {
            Cell[] mine = CELL.get();
            Cell cell = mine[0];
            if (cell == null) {
                cell = new Cell(id);
                mine[0] = cell;
                cells.add(cell);
            }
            if (cell.counter == id) {
                COUNT.setOpaque(cell, (long) COUNT.getOpaque(cell) + 1); // this thread is the only writer
                return;
            }
        } else if (claimAndCount(current)) {
            return;
        }
        others.increment();
    }

    /** The count so far. Any thread. */
    long sum() {
        long sum = others.sum() + owned();
        for (Cell cell : cells) {
            sum += cell.count;
        }
        return sum;
    }
}
