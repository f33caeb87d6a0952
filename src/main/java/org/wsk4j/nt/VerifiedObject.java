package org.wsk4j.nt;

/**
 * An object whose life the {@link Verifier} tracks (IRPs, WSK sockets): it can tell where it was
 * allocated and where it was last handed over, for violation reports.
 *
 * <p>Sites are captured according to the verifier's {@link Verifier.StackCapture} setting and are
 * null when capture was off or the object was not sampled.
 */
public interface VerifiedObject {

    /**
     * Returns where the object was allocated.
     *
     * @return a throwable whose stack trace is the allocation site, or null
     */
    Throwable allocationSite();

    /**
     * Returns where the object was last handed over (for an IRP: passed to a driver such as WSK).
     *
     * @return a throwable whose stack trace is the hand-over site, or null
     */
    Throwable handoverSite();
}
