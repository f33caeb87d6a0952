package org.wsk4j.nt;

import java.util.concurrent.ScheduledFuture;

/** A {@link ScheduledTask} over a real-time {@link ScheduledFuture}: the threaded executor's timers and the kernel's. */
record FutureScheduledTask(ScheduledFuture<?> future, long dueNanos) implements ScheduledTask {

    @Override
    public boolean cancel() {
        return future.cancel(false);
    }
}
