package org.wsk4j.nt;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs one executor task with the executor's I/O manager bound, catching and recording what it throws. */
final class TaskRunner {

    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    private TaskRunner() {
    }

    static void run(Runnable task, IoManager ioManager) {
        IoManager.Binding binding = ioManager != null ? ioManager.bindToCurrentThread() : null;
        try {
            task.run();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            IoManager.current().recordRoutineFailure("completion executor task " + task, t);
        } finally {
            if (Ke.getCurrentIrql() != Irql.PASSIVE_LEVEL) {
                LOG.error("a completion executor task returned at {}; resetting the thread to PASSIVE_LEVEL",
                        Ke.getCurrentIrql());
                Ke.lowerIrql(Irql.PASSIVE_LEVEL);
            }
            if (binding != null) {
                binding.close();
            }
        }
    }
}
