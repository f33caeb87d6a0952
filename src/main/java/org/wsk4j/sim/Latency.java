package org.wsk4j.sim;

import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The one-way latency of a simulated link ({@link LinkProfile}): a distribution sampled per segment or datagram
 * from the network's seeded random stream, so the same seed gives the same latencies. TCP keeps its order
 * whatever the samples (a segment never arrives before the one sent before it on the same connection);
 * datagrams do not, so jitter reorders them.
 */
public sealed interface Latency permits Latency.Fixed, Latency.Uniform, Latency.Exponential, Latency.LongTail {

    /**
     * Draws one latency.
     *
     * @param random the network's link stream
     * @return the latency in nanoseconds, at least 0
     */
    long sampleNanos(SplittableRandom random);

    /**
     * Always the same latency (no jitter).
     *
     * @param latency the latency
     */
    record Fixed(Duration latency) implements Latency {
        /**
         * Validates.
         *
         * @param latency not negative
         */
        public Fixed {
            requireNotNegative(latency, "latency");
        }

        @Override
        public long sampleNanos(SplittableRandom random) {
            return latency.toNanos();
        }
    }

    /**
     * Uniform between two bounds (inclusive of {@code min}, exclusive of {@code max}).
     *
     * @param min the smallest latency
     * @param max the bound above every latency
     */
    record Uniform(Duration min, Duration max) implements Latency {
        /**
         * Validates.
         *
         * @param min not negative
         * @param max greater than {@code min}
         */
        public Uniform {
            requireNotNegative(min, "min");
            requireNotNegative(max, "max");
            if (max.compareTo(min) <= 0) {
                throw new IllegalArgumentException("max must be greater than min: " + min + ", " + max);
            }
        }

        @Override
        public long sampleNanos(SplittableRandom random) {
            return random.nextLong(min.toNanos(), max.toNanos());
        }
    }

    /**
     * A fixed base plus an exponentially distributed extra with the given mean (queueing jitter).
     *
     * @param base the smallest latency
     * @param mean the mean of the extra
     */
    record Exponential(Duration base, Duration mean) implements Latency {
        /**
         * Validates.
         *
         * @param base not negative
         * @param mean not negative
         */
        public Exponential {
            requireNotNegative(base, "base");
            requireNotNegative(mean, "mean");
        }

        @Override
        public long sampleNanos(SplittableRandom random) {
            double u = 1.0 - random.nextDouble(); // (0, 1]
            return base.toNanos() + (long) (-Math.log(u) * mean.toNanos());
        }
    }

    /**
     * A long tail: Pareto with scale {@code scale} (the smallest latency) and shape {@code shape} (smaller is a
     * heavier tail; 1.16 is the 80/20 rule), capped at 1000 × scale so one sample cannot stall a run.
     *
     * @param scale the smallest latency
     * @param shape the Pareto shape, greater than 0
     */
    record LongTail(Duration scale, double shape) implements Latency {
        /**
         * Validates.
         *
         * @param scale positive
         * @param shape positive
         */
        public LongTail {
            requireNotNegative(scale, "scale");
            if (scale.isZero() || !(shape > 0)) {
                throw new IllegalArgumentException("scale and shape must be positive: " + scale + ", " + shape);
            }
        }

        @Override
        public long sampleNanos(SplittableRandom random) {
            double u = 1.0 - random.nextDouble(); // (0, 1]
            double sample = scale.toNanos() / Math.pow(u, 1.0 / shape);
            return (long) Math.min(sample, scale.toNanos() * 1000.0);
        }
    }

    /**
     * Returns {@link Fixed}.
     *
     * @param latency the latency
     * @return the distribution
     */
    static Latency fixed(Duration latency) {
        return new Fixed(latency);
    }

    /**
     * Returns {@link Uniform}.
     *
     * @param min the smallest latency
     * @param max the bound above every latency
     * @return the distribution
     */
    static Latency uniform(Duration min, Duration max) {
        return new Uniform(min, max);
    }

    /**
     * Returns {@link Exponential}.
     *
     * @param base the smallest latency
     * @param mean the mean of the extra
     * @return the distribution
     */
    static Latency exponential(Duration base, Duration mean) {
        return new Exponential(base, mean);
    }

    /**
     * Returns {@link LongTail}.
     *
     * @param scale the smallest latency
     * @param shape the Pareto shape
     * @return the distribution
     */
    static Latency longTail(Duration scale, double shape) {
        return new LongTail(scale, shape);
    }

    private static void requireNotNegative(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + value);
        }
    }
}
