package org.wsk4j.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * The conditions of one direction of the simulated network between two hosts
 * ({@link SimNetwork#setLink(String, String, LinkProfile)}): a latency distribution for TCP segments and
 * datagrams, and for datagrams only, loss, duplication and reordering probabilities. Every draw comes from the
 * network's seeded link stream, so the same seed and the same traffic give the same outcome.
 *
 * <p>TCP stays reliable and in order: only the latency applies to it (a segment never arrives before one sent
 * earlier on its connection). Connects and RSTs keep the configured latencies.
 *
 * @param latency      the one-way latency; null keeps {@link SimNetwork.Config#deliveryLatency()}
 * @param loss         the probability that a datagram is lost
 * @param duplicate    the probability that a datagram is delivered twice (the copy with its own latency)
 * @param reorder      the probability that a datagram is held back by {@code reorderDelay}, so that later ones
 *                     overtake it
 * @param reorderDelay how long a reordered datagram is held back
 */
public record LinkProfile(Latency latency, double loss, double duplicate, double reorder, Duration reorderDelay) {

    /** A link with the configured latency and no datagram faults. */
    public static final LinkProfile NORMAL = new LinkProfile(null, 0, 0, 0, Duration.ofMillis(1));

    /**
     * Validates.
     *
     * @param latency      the latency, or null
     * @param loss         in [0, 1]
     * @param duplicate    in [0, 1]
     * @param reorder      in [0, 1]
     * @param reorderDelay not negative
     */
    public LinkProfile {
        for (double p : new double[] {loss, duplicate, reorder}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("a probability must be in [0, 1]: " + p);
            }
        }
        Objects.requireNonNull(reorderDelay, "reorderDelay");
        if (reorderDelay.isNegative()) {
            throw new IllegalArgumentException("negative reorderDelay: " + reorderDelay);
        }
    }

    /**
     * Returns a copy with another latency distribution.
     *
     * @param value the latency, or null for the configured one
     * @return the copy
     */
    public LinkProfile withLatency(Latency value) {
        return new LinkProfile(value, loss, duplicate, reorder, reorderDelay);
    }

    /**
     * Returns a copy with another datagram loss probability.
     *
     * @param value in [0, 1]
     * @return the copy
     */
    public LinkProfile withLoss(double value) {
        return new LinkProfile(latency, value, duplicate, reorder, reorderDelay);
    }

    /**
     * Returns a copy with another datagram duplication probability.
     *
     * @param value in [0, 1]
     * @return the copy
     */
    public LinkProfile withDuplicate(double value) {
        return new LinkProfile(latency, loss, value, reorder, reorderDelay);
    }

    /**
     * Returns a copy with another datagram reordering probability and delay.
     *
     * @param value in [0, 1]
     * @param delay how long a reordered datagram is held back
     * @return the copy
     */
    public LinkProfile withReorder(double value, Duration delay) {
        return new LinkProfile(latency, loss, duplicate, value, delay);
    }
}
