package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.wsk4j.nt.ChoiceKind;
import org.wsk4j.nt.Decision;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.Schedule;
import org.wsk4j.nt.ScheduleStrategy;
import org.wsk4j.nt.Verifier;
import org.wsk4j.nt.VerifierRule;

/**
 * The library never locks an object the test holds (issue 15's rule, extended to the simulation's public objects): a
 * test that synchronizes on its {@link SimNetwork}, its {@link PacketCapture}, its {@link Schedule} or its
 * {@link Verifier} does not stall another thread's calls on them. Each call runs on another thread while this one
 * holds the object's monitor; with the old {@code synchronized} methods it would wait for ever (the bounded wait
 * below fails instead).
 */
class UserHeldObjectsTest {

    private static final long WAIT_SECONDS = 10;

    /** Runs {@code call} on another thread while this thread holds {@code held}'s monitor; returns its result. */
    private static <T> T callWhileHolding(Object held, Supplier<T> call) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<T> result = CompletableFuture.supplyAsync(() -> {
            started.countDown();
            return call.get();
        });
        synchronized (held) {
            assertTrue(started.await(WAIT_SECONDS, TimeUnit.SECONDS));
            return result.get(WAIT_SECONDS, TimeUnit.SECONDS); // a TimeoutException if the call waits for the monitor
        }
    }

    @Test
    void aTestSynchronizingOnItsNetworkDoesNotStallTheNetwork() throws Exception {
        SimNetwork network = SimNetwork.create(15);
        List<String> hosts = callWhileHolding(network, () -> network.addHost("a", "10.0.0.1").hosts());
        assertEquals(List.of("localhost", "a"), hosts); // every network starts with "localhost"
        PacketCapture capture = callWhileHolding(network, network::startCapture);
        assertEquals(0, callWhileHolding(capture, () -> capture.packets().size()));
    }

    @Test
    void aTestSynchronizingOnItsScheduleOrVerifierDoesNotStallThem() throws Exception {
        Schedule schedule = new Schedule(18, ScheduleStrategy.random());
        int chosen = callWhileHolding(schedule, () -> schedule.choose(ChoiceKind.ORDER, "site", List.of("a", "b")));
        assertEquals(List.of(chosen), callWhileHolding(schedule,
                () -> schedule.decisions().stream().map(Decision::chosen).toList()));
        Verifier verifier = IoManager.create("held-verifier").verifier();
        callWhileHolding(verifier, () -> verifier.setMode(VerifierRule.IRQL_NOT_PASSIVE, Verifier.Mode.OFF));
        assertEquals(Verifier.Mode.OFF, verifier.mode(VerifierRule.IRQL_NOT_PASSIVE));
    }
}
