package org.wsk4j.logcheck;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;

/**
 * A Logback appender (configured in {@code logback-test.xml}) that keeps every event logged since the last
 * {@link #drain()}, from any thread, for {@link LogGuard} to check against the running test's declared level.
 * Thread safe; bounded so a runaway test cannot exhaust the heap.
 */
public final class CapturingAppender extends AppenderBase<ILoggingEvent> {

    private static final int LIMIT = 10_000;
    private static final Object LOCK = new Object();
    private static final List<ILoggingEvent> EVENTS = new ArrayList<>();
    private static volatile boolean installed;

    @Override
    public void start() {
        installed = true;
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        event.prepareForDeferredProcessing();
        synchronized (LOCK) {
            if (EVENTS.size() < LIMIT) {
                EVENTS.add(event);
            }
        }
    }

    /** Returns and forgets the events captured so far, oldest first. */
    static List<ILoggingEvent> drain() {
        synchronized (LOCK) {
            List<ILoggingEvent> copy = List.copyOf(EVENTS);
            EVENTS.clear();
            return copy;
        }
    }

    /** Tells whether Logback started this appender (logback-test.xml names it). */
    static boolean installed() {
        return installed;
    }
}
