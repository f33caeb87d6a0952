package org.wsk4j.spi;

/**
 * Readiness callbacks of a transport endpoint, called on the transport's thread for the interests the
 * provider set with {@link TransportEndpoint#setInterest(int)}. They must not block. The provider performs
 * the non-blocking I/O itself (read, write, accept, receive) inside them or from its own threads.
 */
public interface TransportHandler {

    /** Interest in readability (data, end of stream, a datagram, or an error to report). */
    int READ = 1;
    /** Interest in writability. */
    int WRITE = 4;
    /** Interest in an incoming connection (listeners). */
    int ACCEPT = 16;

    /** The endpoint has data (or end of stream, or an error) to read. */
    default void onReadable() {
    }

    /** The endpoint can accept more data to write. */
    default void onWritable() {
    }

    /** The listener has a connection to accept. */
    default void onAcceptable() {
    }
}
