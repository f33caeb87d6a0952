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
 * <p>Lock-free, multi-producer single-consumer: the queue is Dmitry Vyukov's intrusive MPSC linked list, and a
 * state word says whether a drain task is scheduled. Posting is one atomic exchange, plus one CAS when the queue
 * was idle; the drain takes tasks off without atomic instructions and pays one volatile store when it runs dry.
 * A {@link PendingOp} is its own queue node, so completing an operation allocates nothing here; other tasks are
 * wrapped in a node.
 *
 * <p>A drain scheduled by a post made during an outermost WSK call on a driver's thread may run on that thread,
 * before the call returns, instead of on the executor ({@link CallerContext}); only a post that finds the queue idle
 * schedules a drain, so that never overtakes tasks already queued.
 *
 * <p>Threading: {@link #post} may be called from any thread. The drain ({@link #run}) is the only consumer: at
 * most one drain is scheduled or running at a time, which is what serialises the tasks. A drain runs at most
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

    private static final int IDLE = 0;
    private static final int SCHEDULED = 1;

    private static final VarHandle TAIL;
    private static final VarHandle STATE;
    private static final VarHandle NEXT;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(SerialQueue.class, "tail", SerialNode.class);
            STATE = lookup.findVarHandle(SerialQueue.class, "state", int.class);
            NEXT = lookup.findVarHandle(SerialNode.class, "nextInQueue", SerialNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object owner;
    private final CompletionExecutor executor;
    /**
     * The last node taken off, or this queue itself (its own stub node, never run as a task: a node's {@link #run}
     * runs only when it is polled, and the stub is never posted); the drain's alone.
     */
    private SerialNode head = this;
    /** The last node posted; swapped by producers. */
    @SuppressWarnings("unused") // through TAIL
    private volatile SerialNode tail = head;
    /** IDLE, or SCHEDULED while a drain is queued on the executor or running. */
    private volatile int state;

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
        SerialNode previous = (SerialNode) TAIL.getAndSet(this, node); // a full fence: orders the state read below
        NEXT.setRelease(previous, node);
        if (state == IDLE && STATE.compareAndSet(this, IDLE, SCHEDULED) && !CallerContext.defer(executor, this)) {
            executor.execute(this); // not taken over by the caller's context (see CallerContext)
        }
    }

    /**
     * The drain: runs queued tasks until none is left, or {@link #BATCH} of them ran and it yields (re-posting
     * itself; the state stays SCHEDULED, so producers schedule nothing meanwhile). Only ever one at a time (see
     * {@link #state}).
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
                releaseLastNode();
                state = IDLE; // a volatile store, then the tail read: pairs with post's exchange, then state read
                if (tail == head || !STATE.compareAndSet(this, IDLE, SCHEDULED)) {
                    return; // empty, or a producer saw IDLE and scheduled the next drain itself
                }
                continue;
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
     * The queue ran dry: puts the stub (this queue) back in place of the last node taken off, so an idle socket keeps
     * neither its last completion's node (a {@link PendingOp}, some 60 bytes) reachable nor a stub of its own. Only
     * when no producer swapped the tail meanwhile (the CAS); else the new node links after the old head as usual. The
     * stub's link is cleared before the CAS publishes it: the stub is not in the queue then (the head is another
     * node), so no producer writes it and the drain does not read it.
     */
    private void releaseLastNode() {
        SerialNode last = head;
        if (last != this) {
            NEXT.set(this, null);
            if (TAIL.compareAndSet(this, last, this)) {
                head = this;
                if (last instanceof PendingOp op) {
                    op.leftQueue(); // neither head nor tail: its link is null (it was the tail), nothing refers to it
                }
            }
        }
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
