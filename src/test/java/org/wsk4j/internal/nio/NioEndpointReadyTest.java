package org.wsk4j.internal.nio;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.junit.jupiter.api.Test;
import org.wsk4j.Wsk;

/**
 * A key cancelled between the select and the readiness handling (its channel closed on another thread) is
 * ignored: before, {@code readyOps()} threw CancelledKeyException and the selector loop logged it at ERROR.
 */
class NioEndpointReadyTest {

    /** A key that was valid when selected and is cancelled by the time it is handled. */
    private static final class CancelledMeanwhile extends SelectionKey {
        @Override
        public SelectableChannel channel() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Selector selector() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isValid() {
            return true; // checked first, still valid ...
        }

        @Override
        public void cancel() {
        }

        @Override
        public int interestOps() {
            throw new CancelledKeyException();
        }

        @Override
        public SelectionKey interestOps(int ops) {
            throw new CancelledKeyException();
        }

        @Override
        public int readyOps() {
            throw new CancelledKeyException(); // ... cancelled by the time its ready set is read
        }
    }

    @Test
    void aKeyCancelledAfterTheSelectIsIgnored() throws Exception {
        try (NioTransport transport = new NioTransport("ready-test")) {
            NioEndpoint connection = (NioEndpoint) transport.openConnection(Wsk.AF_INET);
            assertDoesNotThrow(() -> connection.onReady(new CancelledMeanwhile()));
            connection.close(true);
        }
    }
}
