package org.wsk4j.nt;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Decides whether an {@link Io#allocateIrp} call fails (returns null), so that a driver's
 * {@code STATUS_INSUFFICIENT_RESOURCES} branch can be reached on demand, as with Driver Verifier's
 * low-resources simulation.
 *
 * <pre>{@code
 * IoManager.current().setIrpAllocationPolicy(IrpAllocationPolicy.failNth(1));
 * assertNull(Io.allocateIrp(1, false));
 * }</pre>
 *
 * <p>Implementations are called on the allocating thread, possibly from several threads at once;
 * the factories here are thread-safe. Allocation numbers count every allocation attempt of one
 * {@link IoManager} from 1.
 */
@FunctionalInterface
public interface IrpAllocationPolicy {

    /**
     * Decides one allocation.
     *
     * @param attempt     the number of this allocation attempt in the I/O manager, from 1
     * @param stackSize   the requested stack size
     * @param chargeQuota the requested quota charging
     * @return true to make the allocation fail
     */
    boolean shouldFail(long attempt, int stackSize, boolean chargeQuota);

    /**
     * Never fails: the default.
     *
     * @return the policy
     */
    static IrpAllocationPolicy never() {
        return (attempt, stackSize, chargeQuota) -> false;
    }

    /**
     * Always fails.
     *
     * @return the policy
     */
    static IrpAllocationPolicy always() {
        return (attempt, stackSize, chargeQuota) -> true;
    }

    /**
     * Fails the given attempts, counted from 1 after the policy is installed.
     *
     * @param attempts attempt numbers, for example {@code failNth(1, 3)} fails the first and third
     * @return the policy
     */
    static IrpAllocationPolicy failNth(long... attempts) {
        long[] sorted = attempts.clone();
        Arrays.sort(sorted);
        java.util.concurrent.atomic.AtomicLong counter = new java.util.concurrent.atomic.AtomicLong();
        return (attempt, stackSize, chargeQuota) -> Arrays.binarySearch(sorted, counter.incrementAndGet()) >= 0;
    }

    /**
     * Fails each attempt with a probability, deterministically for a seed: the same seed and the same
     * sequence of allocations give the same failures.
     *
     * @param probability the chance of failure, 0 to 1
     * @param seed        the seed
     * @return the policy
     * @throws IllegalArgumentException when probability is outside 0 to 1
     */
    static IrpAllocationPolicy failWithProbability(double probability, long seed) {
        if (!(probability >= 0 && probability <= 1)) {
            throw new IllegalArgumentException("probability must be between 0 and 1: " + probability);
        }
        SplittableRandom random = new SplittableRandom(seed);
        return (attempt, stackSize, chargeQuota) -> {
            synchronized (random) {
                return random.nextDouble() < probability;
            }
        };
    }
}
