package org.wsk4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.wsk4j.nt.CompletionExecutor;
import org.wsk4j.nt.IoManager;

/**
 * A socket's serial queue: tasks posted from any thread run on the completion executor one at a time, in the
 * order they were posted. It is what keeps a socket's completion routines and event callbacks in order and never
 * concurrent, whatever executor runs them.
 *
 * <p>Lock-free, multi-producer single-consumer: the queue is Dmitry Vyukov's intrusive MPSC linked list whose stub
 * node (this queue) also says whether a drain is scheduled: the tail is the stub exactly while the queue is idle (no
 * drain queued or running). Posting is one atomic exchange, and the post whose exchange returns the stub schedules
 * the drain; the drain takes tasks off without atomic instructions and pays one CAS when it runs dry, which puts the
 * stub back as the tail. So a task posted to an idle queue costs two atomic instructions in all (it was four with a
 * separate state word). A {@link PendingOp} is its own queue node, so completing an operation allocates nothing
 * here; other tasks are wrapped in a node.
 *
 * <p>A drain scheduled by a post made during an outermost WSK call on a driver's thread may run on that thread,
 * before the call returns, instead of on the executor ({@link CallerContext}); only a post that finds the queue idle
 * schedules a drain, so that never overtakes tasks already queued.
 *
 * <p>Threading: {@link #post} may be called from any thread. The drain ({@link #run}) is the only consumer: at
 * most one drain is scheduled or running at a time (only the post that ends an idle period schedules one, and only
 * the drain ends a busy period), which is what serialises the tasks. A drain runs at most
 * {@link #BATCH} tasks before it yields its executor thread to other queues.
 */
final class SerialQueue extends SerialNode {

    /** A plain task in a node of its own. */
    private static final class Wrapped extends SerialNode {
        private Runnable task;

        Wrapped(Runnable task) {
            this.task = task;
        }

        @Override
        public void run() {
            Runnable current = task;
            task = null; // the node stays the queue's head until the next post: keep nothing reachable
            current.run();
        }

        @Override
        public String toString() {
            return String.valueOf(task);
        }
    }

    /**
     * How many tasks one drain runs before it yields: it then re-posts itself at the end of the executor's queue, so
     * one busy socket cannot starve the others (Netty's event loop checks its deadline every 64 tasks likewise).
     */
    static final int BATCH = 64;

    private static final VarHandle TAIL;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(SerialQueue.class, "tail", SerialNode.class);
            NEXT = lookup.findVarHandle(SerialNode.class, "nextInQueue", SerialNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object owner;
    private final CompletionExecutor executor;
    /**
     * The last node taken off, or this queue itself (its own stub node, never run as a task: a node's {@link #run}
     * runs only when it is polled, and the stub is never posted); the drain's alone (an idle queue's next drain reads
     * it after the CAS that made the queue idle, through the post that scheduled that drain).
     */
    private SerialNode head = this;
    /**
     * The last node posted; swapped by producers. The stub (this queue) exactly while the queue is idle: the drain's
     * CAS puts it back when the queue runs dry, and the producer whose exchange takes it schedules the next drain.
     */
    @SuppressWarnings("unused") // through TAIL
    private volatile SerialNode tail = head;

    /**
     * Creates an empty queue.
     *
     * @param owner    named when a task throws (the socket)
     * @param executor where the drain runs
     */
    SerialQueue(Object owner, CompletionExecutor executor) {
        this.owner = owner;
        this.executor = executor;
    }

    /** Posts a task; it runs after every task posted before it, never concurrently with another. Any thread. */
    void post(Runnable task) {
        SerialNode node = task instanceof SerialNode ? (SerialNode) task : new Wrapped(task);
        SerialNode previous = (SerialNode) TAIL.getAndSet(this, node);
        NEXT.setRelease(previous, node);
        if (previous == this && !CallerContext.defer(executor, this)) {
            executor.execute(this); // the queue was idle: this post schedules the drain (unless the caller's context
        }                           // takes it over, see CallerContext)
    }

    /**
     * The drain: runs queued tasks until none is left, or {@link #BATCH} of them ran and it yields (re-posting
     * itself; the queue stays busy, so producers schedule nothing meanwhile). Only ever one at a time (see
     * {@link #tail}).
     */
    @Override
    public void run() {
        for (int ran = 0; ; ran++) {
            if (ran == BATCH) {
                executor.execute(this); // fairness: the other sockets' drains queued meanwhile go first
                return;
            }
            SerialNode node = poll();
            if (node == null) {
                if (becomeIdle()) {
                    return; // the next post schedules the next drain: this one touches nothing any more
                }
                continue; // a producer swapped the tail meanwhile: its node follows
            }
            try {
                if (node instanceof PendingOp op) {
                    op.run(); // final: a direct call, whatever PendingOp subclasses a socket's roles post
                } else {
                    node.run();
                }
            } catch (Throwable t) {
                IoManager.current().recordRoutineFailure(owner + " task", t);
            }
        }
    }

    /**
     * The queue ran dry: puts the stub (this queue) back as head and tail, which makes the queue idle, unless a
     * producer swapped the tail meanwhile (the CAS fails; its node then links after the old head as usual, and the
     * drain goes on). So an idle socket keeps neither its last completion's node (a {@link PendingOp}, some 60 bytes)
     * reachable nor a stub of its own. The stub's link is cleared and the head moved before the CAS publishes them: no producer
     * writes the stub's link while the tail is another node, and the next drain, scheduled by the producer whose
     * exchange takes the stub, reads the head after that exchange.
     *
     * @return true when the queue is idle now (this drain must end without touching the queue again)
     */
    private boolean becomeIdle() {
        SerialNode last = head;
        if (last == this) {
            return true; // not reached: a drain is scheduled only after a post linked a node, so it took one off
        }
        NEXT.set(this, null);
        head = this;
        if (TAIL.compareAndSet(this, last, this)) {
            if (last instanceof PendingOp op) {
                op.leftQueue(); // neither head nor tail: its link is null (it was the tail), nothing refers to it
            }
            return true;
        }
        head = last; // no other drain exists (the tail never was the stub): the old head is this drain's again
        return false;
    }

    /** The next task, or null when the queue is empty. Waits out a producer between its two steps. */
    private SerialNode poll() {
        SerialNode current = head;
        SerialNode next = (SerialNode) NEXT.getAcquire(current);
        if (next == null) {
            if (tail == current) {
                return null;
            }
            // A producer swapped the tail but has not linked its node yet: it is between two statements.
            while ((next = (SerialNode) NEXT.getAcquire(current)) == null) {
                Thread.onSpinWait();
            }
        }
        head = next;
        if (current instanceof PendingOp op) {
            NEXT.set(op, null); // no longer the tail (next follows it): no producer writes this link any more
            op.leftQueue();     // its task ran (the drain polls only after it): its IRP's next request may reuse it
        }
        return next;
    }

    @Override
    public String toString() {
        return "SerialQueue[" + owner + "]";
    }
}
