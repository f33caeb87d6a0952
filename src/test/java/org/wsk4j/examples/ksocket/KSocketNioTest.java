package org.wsk4j.examples.ksocket;

import org.wsk4j.junit.WskTest;
import org.wsk4j.junit.WskTransport;

/**
 * The KSOCKET tests on real loopback sockets (java.nio): real driver threads and real waits, the completions run by
 * whichever driver thread waits (the extension's executor is a manual one). Every wait is bounded by the extension's
 * wait limit, so a hang fails with a report of every driver thread's wait instead of hanging the build.
 */
@WskTest(transport = WskTransport.NIO)
class KSocketNioTest extends AbstractKSocketTest {
}
