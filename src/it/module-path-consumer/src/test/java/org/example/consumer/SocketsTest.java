package org.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** A @WskTest on the module path, with default Surefire settings. */
@WskTest
class SocketsTest {

    @Test
    void createsAndClosesASocket(WskProviderNpi npi, ManualCompletionExecutor executor) {
        assertTrue(SocketsTest.class.getModule().isNamed(), "the test runs in the consumer's module");
        assertEquals("org.wsk4j", WskSubsystem.class.getModule().getName(), "wsk4j is on the module path");
        assertEquals(NtStatus.STATUS_SUCCESS, Sockets.createAndClose(npi, executor));
    }
}
