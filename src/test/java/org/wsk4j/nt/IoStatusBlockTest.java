package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IoStatusBlockTest {

    @Test
    void statusIsAlwaysTheOneSetLast() {
        // The block keeps two statuses so that alternating between two (an IRP reused for request after request)
        // stores no reference; whatever the sequence, status() must be the last one set.
        NtStatus[] sequence = {NtStatus.STATUS_UNSUCCESSFUL, NtStatus.STATUS_SUCCESS, NtStatus.STATUS_UNSUCCESSFUL,
            NtStatus.STATUS_CANCELLED, NtStatus.STATUS_CANCELLED, NtStatus.STATUS_SUCCESS,
            NtStatus.STATUS_CONNECTION_REFUSED, NtStatus.STATUS_UNSUCCESSFUL, NtStatus.STATUS_CONNECTION_REFUSED,
            NtStatus.of(0xC0001234), NtStatus.STATUS_SUCCESS, NtStatus.STATUS_SUCCESS};
        IoStatusBlock block = new IoStatusBlock();
        assertSame(NtStatus.STATUS_SUCCESS, block.status(), "a new block holds STATUS_SUCCESS");
        for (NtStatus status : sequence) {
            assertSame(block, block.setStatus(status));
            assertSame(status, block.status());
            assertEquals("IoStatus[" + status + ", Information=0]", block.toString());
        }
    }

    @Test
    void nullStatusIsRefusedAndLeavesTheStatusAlone() {
        IoStatusBlock block = new IoStatusBlock().setStatus(NtStatus.STATUS_CANCELLED);
        assertThrows(NullPointerException.class, () -> block.setStatus(null));
        assertSame(NtStatus.STATUS_CANCELLED, block.status());
    }
}
