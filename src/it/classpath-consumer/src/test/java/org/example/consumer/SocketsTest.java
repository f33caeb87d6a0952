package org.example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.wsk4j.WskProviderNpi;
import org.wsk4j.WskSubsystem;
import org.wsk4j.junit.WskTest;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;

/** A @WskTest on the class path, with default Surefire settings. */
@WskTest
class SocketsTest {

    @Test
    void createsAndClosesASocket(WskProviderNpi npi, ManualCompletionExecutor executor) {
        assertFalse(WskSubsystem.class.getModule().isNamed(), "wsk4j is on the class path");
        assertEquals(NtStatus.STATUS_SUCCESS, Sockets.createAndClose(npi, executor));
    }
}
