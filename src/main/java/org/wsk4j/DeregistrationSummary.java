package org.wsk4j;

import java.util.List;

/**
 * What {@code WskDeregister} found when it returned: the subsystem's IRP counters, the registration's sockets,
 * and the IRPs still allocated (with where each was allocated, when stack capture was on). Also logged at INFO.
 *
 * <p>IRPs still allocated at deregistration are not necessarily leaks (a driver may free its last IRPs after
 * WskDeregister returns, as the echosrv sample does); the JUnit extension and {@code IoManager.checkLeaks()}
 * decide that at the end of a test.
 *
 * @param irpsAllocated    IRPs allocated by the subsystem's I/O manager so far
 * @param irpsCompleted    completions handed back to the IRPs' owners
 * @param irpsFreed        IRPs freed
 * @param irpsLive         IRPs allocated and not freed
 * @param irpsPeakLive     the most IRPs live at once
 * @param socketsOpened    sockets this registration created (including accepted ones)
 * @param socketsClosed    sockets of this registration whose close completed
 * @param liveIrpSites     one line per IRP still allocated: its id and allocation site
 */
public record DeregistrationSummary(long irpsAllocated, long irpsCompleted, long irpsFreed, long irpsLive,
                                    long irpsPeakLive, long socketsOpened, long socketsClosed,
                                    List<String> liveIrpSites) {

    /**
     * Creates a summary.
     *
     * @throws NullPointerException when liveIrpSites is null
     */
    public DeregistrationSummary {
        liveIrpSites = List.copyOf(liveIrpSites);
    }
}
