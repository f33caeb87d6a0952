package org.wsk4j;

/**
 * An entry of a {@link SerialQueue}. Each node is posted at most once per use. The node last taken off stays
 * referenced (as the queue's head) until the next one is, or until the queue runs dry and puts its stub back (the
 * stub is the queue itself, a node too), so a node should drop what it holds once it ran.
 */
abstract class SerialNode implements Runnable {
    /**
     * The next node: written once by the producer that links the next node (release), read by the drain.
     * (Not {@code next}: {@link PendingOp}, a node, has a {@code next} of its own for its socket's pending list.)
     */
    volatile SerialNode nextInQueue;
}
