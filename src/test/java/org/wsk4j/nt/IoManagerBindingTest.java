package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wsk4j.internal.CompletionThread;

/**
 * The thread's I/O manager binding ({@link IoManager#bindToCurrentThread()}, and the swap every completion task
 * makes) behaves the same on any thread and on wsk4j's own {@link CompletionThread}s, where it is kept in a field
 * rather than a {@code ThreadLocal}: bindings nest, closing restores the one before, and a thread with none sees the
 * global manager.
 */
class IoManagerBindingTest {

    @Test
    void bindingsNestAndRestoreOnAnyThread() throws Exception {
        checkNesting(); // the test thread: a ThreadLocal
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletionThread own = new CompletionThread(() -> {
            try {
                checkNesting(); // a slot of the thread
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "binding-test");
        own.start();
        done.get(10, TimeUnit.SECONDS);
        own.join(10_000);
    }

    @Test
    void aTaskSeesItsManagerAndLeavesTheThreadAsItWas() throws Exception {
        IoManager manager = IoManager.create("binding-task");
        CompletableFuture<IoManager[]> seen = new CompletableFuture<>();
        CompletionThread own = new CompletionThread(() -> {
            try {
                IoManager[] observed = new IoManager[3];
                observed[0] = IoManager.current();
                TaskRunner.run(() -> observed[1] = IoManager.current(), manager);
                observed[2] = IoManager.current();
                seen.complete(observed);
            } catch (Throwable t) {
                seen.completeExceptionally(t);
            }
        }, "binding-task");
        own.start();
        IoManager[] observed = seen.get(10, TimeUnit.SECONDS);
        own.join(10_000);
        assertSame(IoManager.global(), observed[0]);
        assertSame(manager, observed[1]);
        assertSame(IoManager.global(), observed[2]);
    }

    @Test
    void aBindingIsClosedOnTheThreadThatMadeIt() throws Exception {
        IoManager.Binding binding = IoManager.create("binding-owner").bindToCurrentThread();
        try {
            CompletableFuture<Throwable> thrown = new CompletableFuture<>();
            Thread other = new Thread(() -> {
                try {
                    binding.close();
                    thrown.complete(null);
                } catch (Throwable t) {
                    thrown.complete(t);
                }
            });
            other.start();
            assertInstanceOf(IllegalStateException.class, thrown.get(10, TimeUnit.SECONDS));
            other.join(10_000);
        } finally {
            binding.close();
        }
        assertSame(IoManager.global(), IoManager.current());
    }

    private static void checkNesting() {
        IoManager outer = IoManager.create("binding-outer");
        IoManager inner = IoManager.create("binding-inner");
        assertSame(IoManager.global(), IoManager.current());
        try (IoManager.Binding a = outer.bindToCurrentThread()) {
            assertSame(outer, IoManager.current());
            try (IoManager.Binding b = inner.bindToCurrentThread()) {
                assertSame(inner, IoManager.current());
            }
            assertSame(outer, IoManager.current());
        }
        assertSame(IoManager.global(), IoManager.current());
    }
}
