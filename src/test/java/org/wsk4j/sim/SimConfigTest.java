package org.wsk4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SimNetwork.Config's builder: several values at once, the defaults elsewhere, validation at build(). */
class SimConfigTest {

    @Test
    void builderSetsWhatItIsToldAndKeepsTheDefaultsElsewhere() {
        SimNetwork.Config config = SimNetwork.Config.builder().backlog(4).bytesPerSecond(0)
                .connectTimeout(Duration.ofSeconds(2)).build();
        SimNetwork.Config defaults = SimNetwork.Config.defaults();
        assertEquals(4, config.backlog());
        assertEquals(0, config.bytesPerSecond());
        assertEquals(Duration.ofSeconds(2), config.connectTimeout());
        assertEquals(defaults.bufferSize(), config.bufferSize());
        assertEquals(defaults.keepAliveTime(), config.keepAliveTime());
        assertEquals(defaults.withBacklog(4).withBytesPerSecond(0).withConnectTimeout(Duration.ofSeconds(2)), config,
                "the with… copies and the builder agree");
    }

    @Test
    void buildValidatesLikeTheConstructor() {
        assertThrows(IllegalArgumentException.class, () -> SimNetwork.Config.builder().backlog(0).build());
        assertThrows(IllegalArgumentException.class,
                () -> SimNetwork.Config.defaults().toBuilder().keepAliveProbes(0).build());
    }
}
