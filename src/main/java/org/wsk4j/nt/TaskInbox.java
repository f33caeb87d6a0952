package org.wsk4j.nt;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The queue of tasks posted to a {@link ManualCompletionExecutor}, oldest first: any thread adds without a lock (one
 * atomic exchange, D. Vyukov's multi-producer single-consumer linked queue), one consumer at a time takes.
 *
 * <p>Threading: {@link #add} from any thread. Everything else belongs to the executor's single consumer: the thread
 * that is the executor's runner, or a thread holding the executor's lock while there is no runner (the runner is only
 * ever claimed under that lock, so the two never overlap, and the lock or the claim orders one consumer after the
 * last). A task is visible to the consumer as soon as {@link #add}'s exchange is: a consumer that sees the tail moved
 * waits the instant it takes the producer to link the node ({@link #poll}), so the exchange is where a task is
 * queued, and it is a full fence (a producer's next read, such as the executor's count of waiting threads, comes
 * after it).
 *
 * <p>A consumer may take a task from the middle ({@link #takeAt}, when exploring schedules): its node stays linked
 * with no task and {@link #poll} skips it.
 */
final class TaskInbox {

    private static final VarHandle TAIL;
    private static final VarHandle NEXT;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(TaskInbox.class, "tail", Node.class);
            HEAD = lookup.findVarHandle(TaskInbox.class, "head", Node.class);
            NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Node {
        /** Written before the node is published, cleared by the consumer that takes it. */
        Runnable task;
        /** The next node, linked by its producer once (release) and read by the consumer (acquire). */
        @SuppressWarnings("unused") // through NEXT
        volatile Node next;

        Node(Runnable task) {
            this.task = task;
        }
    }

    /** The newest node: producers exchange it. */
    @SuppressWarnings("unused") // through TAIL
    private volatile Node tail;
    /** The consumer's stub: its next is the oldest task. Written by the consumer (release), read by anyone. */
    @SuppressWarnings("unused") // through HEAD
    private volatile Node head;

    TaskInbox() {
        Node stub = new Node(null);
        HEAD.setRelease(this, stub);
        TAIL.setVolatile(this, stub);
    }

    /** Queues {@code task} (any thread). */
    void add(Runnable task) {
        Node node = new Node(task);
        Node previous = (Node) TAIL.getAndSet(this, node);
        NEXT.setRelease(previous, node);
    }

    /** The consumer: takes the oldest task, or null when none is queued. */
    Runnable poll() {
        Node current = (Node) HEAD.getAcquire(this);
        while (true) {
            Node next = nextOf(current);
            if (next == null) {
                return null;
            }
            Runnable task = next.task;
            HEAD.setRelease(this, next);
            current = next;
            if (task != null) {
                next.task = null;
                return task;
            }
        }
    }

    /** The node after {@code node}, waiting for a producer between its exchange and its link; null at the tail. */
    private Node nextOf(Node node) {
        Node next = (Node) NEXT.getAcquire(node);
        if (next == null && node != TAIL.getVolatile(this)) {
            do {
                Thread.onSpinWait();
                next = (Node) NEXT.getAcquire(node);
            } while (next == null);
        }
        return next;
    }

    /** Whether no task is queued (any thread; exact for the consumer, a snapshot for others). */
    boolean isEmpty() {
        Node current = (Node) HEAD.getAcquire(this);
        while (current != TAIL.getVolatile(this)) {
            Node next = nextOf(current);
            if (next.task != null) {
                return false;
            }
            current = next;
        }
        return true;
    }

    /** The number of queued tasks (exact for the consumer; for another thread a snapshot that may count stale ones). */
    int size() {
        int count = 0;
        Node current = (Node) HEAD.getAcquire(this);
        for (Node next; (next = (Node) NEXT.getAcquire(current)) != null; current = next) {
            if (next.task != null) {
                count++;
            }
        }
        return count;
    }

    /** The consumer: the queued tasks, oldest first, without taking them. */
    java.util.List<Runnable> snapshot() {
        java.util.List<Runnable> tasks = new java.util.ArrayList<>();
        Node current = (Node) HEAD.getAcquire(this);
        for (Node next; (next = nextOf(current)) != null; current = next) {
            if (next.task != null) {
                tasks.add(next.task);
            }
        }
        return tasks;
    }

    /** The consumer: takes the queued task at {@code position} (0 = the oldest), or null when there are fewer. */
    Runnable takeAt(int position) {
        int index = 0;
        Node current = (Node) HEAD.getAcquire(this);
        for (Node next; (next = nextOf(current)) != null; current = next) {
            Runnable task = next.task;
            if (task != null && index++ == position) {
                next.task = null; // stays linked: poll skips it
                return task;
            }
        }
        return null;
    }
}
