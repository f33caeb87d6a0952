package org.wsk4j.explore;

import static org.junit.jupiter.api.Assertions.*;
import static org.wsk4j.Wsk.*;
import static org.wsk4j.nt.NtStatus.*;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSocket;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.DeviceObject;
import org.wsk4j.nt.Io;
import org.wsk4j.nt.Irp;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** Catalogue (c): a driver that assumes the routine runs after the call returns. */
class RoutineBeforeReturnTest {

    // tag::bug-c[]
    /** Creates a socket; BUG: marks the request outstanding after the call, but the routine may have run already. */
    static class CreateDriver {
        boolean outstanding;
        WskSocket socket;

        NtStatus create(WskProviderNpi npi) {
            Irp irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, this::created, null, true, true, true);
            NtStatus status = npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
            outstanding = true; // BUG: too late when the routine ran before WskSocket returned
            return status;
        }

        NtStatus created(DeviceObject device, Irp irp, Object context) {
            socket = (WskSocket) irp.ioStatus().informationObject();
            outstanding = false;
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }
    }
    // end::bug-c[]

    // tag::fix-c[]
    /** The fix: the state the routine changes is set before the call that may complete at once. */
    static final class FixedCreateDriver extends CreateDriver {
        @Override
        NtStatus create(WskProviderNpi npi) {
            Irp irp = Io.allocateIrp(1, false);
            Io.setCompletionRoutine(irp, this::created, null, true, true, true);
            outstanding = true;
            return npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP,
                    WSK_FLAG_CONNECTION_SOCKET, null, null, null, null, null, irp);
        }
    }
    // end::fix-c[]

    static void scenario(CreateDriver driver, WskProviderNpi npi, ManualCompletionExecutor executor) {
        assertEquals(STATUS_PENDING, driver.create(npi));
        executor.runUntilIdle();
        assertFalse(driver.outstanding, "the driver still waits for a socket it has");
        Irp close = Io.allocateIrp(1, false);
        Io.setCompletionRoutine(close, (device, irp, context) -> {
            Io.freeIrp(irp);
            return STATUS_MORE_PROCESSING_REQUIRED;
        }, null, true, true, true);
        driver.socket.dispatch().wskCloseSocket(driver.socket, close);
        executor.runUntilIdle();
    }

    // tag::explore-test[]
    @WskTest(schedules = 1000) // PCT (depth 3) unless -Dwsk4j.strategy says otherwise
    static class Buggy {
        @Test
        void createSocket(WskProviderNpi npi, ManualCompletionExecutor executor) {
            scenario(new CreateDriver(), npi, executor);
        }
    }
    // end::explore-test[]

    @WskTest(schedules = 1000)
    static class Fixed {
        @Test
        void createSocket(WskProviderNpi npi, ManualCompletionExecutor executor) {
            scenario(new FixedCreateDriver(), npi, executor);
        }
    }

    @Test
    void plainRunPasses() {
        // Without exploration the provider always completes later: the bug hides.
        assertTrue(CatalogueHarness.run(Buggy.class, Map.of("wsk4j.schedules", "1", "wsk4j.strategy", "")).passed());
    }

    @Test
    void explorationFindsTheBugAndTheReplayReproducesIt() {
        CatalogueHarness.Run found = CatalogueHarness.run(Buggy.class, Map.of("wsk4j.strategy", "pct:3"));
        assertFalse(found.passed());
        assertTrue(found.failedAt() <= 1000, found.report());
        assertTrue(found.report().contains("INLINE at WskSocket: inline"), found.report());
        CatalogueHarness.Run replayed = CatalogueHarness.run(Buggy.class, found.replay());
        assertFalse(replayed.passed());
        assertEquals(1, replayed.failedAt(), replayed.report());
        assertEquals(found.failureLine(), replayed.failureLine());
    }

    @Test
    void theFixPasses() {
        CatalogueHarness.Run run = CatalogueHarness.run(Fixed.class, Map.of("wsk4j.strategy", "pct:3"));
        assertTrue(run.passed(), run.report());
    }
}
