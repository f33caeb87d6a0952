package org.wsk4j.bench;

/**
 * PLACEHOLDER — benchmark 4a of issue 7 (simulated transport: full WskSocket/WskBind/WskConnect/WskCloseSocket
 * IRP cycles per second on one core, and allocation per cycle, with the verifier off and on; target
 * ≥ 500,000 cycles/s with the verifier off) is NOT implemented yet: the simulated network is being built
 * on another branch at the time of writing. When it lands, add here a JMH benchmark like
 * {@link ConnectRateBench} whose {@link WskHost} uses the simulated transport and the manual executor
 * (driven by the benchmark thread), and add its ratio to {@link Report}. Deliberately has no {@code @Benchmark}
 * method, so the suite does not run it.
 */
final class SimulatedTransportBench {

    private SimulatedTransportBench() {
    }
}
