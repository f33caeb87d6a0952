package org.wsk4j.nt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.internal.FastLocal;

/**
 * The simulated I/O manager: allocates and accounts for IRPs, holds the {@link Verifier} and the IRP
 * {@link IrpAllocationPolicy}, and records exceptions thrown by completion routines.
 *
 * <p>The static {@link Io} functions act on the <em>current</em> I/O manager: the one bound to the
 * calling thread with {@link #bindToCurrentThread()}, or the process-wide {@link #global()} one. Each
 * {@code WskSubsystem} owns an I/O manager and binds it on its own threads, so IRPs allocated in its
 * completion routines are accounted to it; tests bind it on the test thread (the JUnit extension does
 * this), so parallel tests do not see each other's IRPs.
 *
 * <pre>{@code
 * IoManager io = IoManager.create("my-test");
 * try (IoManager.Binding ignored = io.bindToCurrentThread()) {
 *     Irp irp = Io.allocateIrp(1, false);      // accounted to io
 *     ...
 * }
 * assertEquals(0, io.liveIrpCount());
 * }</pre>
 *
 * <p>Thread safety: all methods may be called from any thread. The IRP counters are lock-free: an allocation counts
 * an attempt (which is the IRP's id) and a free counts a freed IRP (an atomic increment, or a release store by the
 * first thread that freed one: {@link FreedCount}); the live count is
 * derived (attempts - failures - freed, read in the order freed, failures, attempts, so it never counts a free
 * without its allocation: jcstress {@code IrpLiveCountStress}). While other threads allocate or free, it and the
 * statistics are snapshots; once they are done, exact.
 */
public final class IoManager {

    private static final Logger LOG = LoggerFactory.getLogger(IoManager.class);
    private static final IoManager GLOBAL = new IoManager("global");
    /** The calling thread's binding: a field read on wsk4j's own threads, where every completion task swaps it. */
    private static final FastLocal<IoManager> BOUND = new FastLocal<>();
    /** What the binding was made for (a WskSubsystem binds itself): threads the kernel creates inherit it. */
    private static final ThreadLocal<Object> ATTACHMENT = new ThreadLocal<>();

    private final String name;
    private final Verifier verifier = new Verifier();
    private final Kernel kernel = new Kernel(this);
    private volatile IrpAllocationPolicy allocationPolicy = IrpAllocationPolicy.never();
    private volatile boolean trackLiveIrps = true;
    private volatile java.util.SplittableRandom lowResources;
    private volatile double lowResourcesFraction;
    private final AtomicLong allocationAttempts = new AtomicLong();
    private final LongAdder allocationFailures = new LongAdder();
    private final CompletedCount completed = new CompletedCount();
    /**
     * IRPs freed. Live = attempts - failures - freed, derived so that an IRP costs two counts (its id at allocation,
     * an atomic increment; this at free, a release store on the first thread that freed one) instead of three (the id,
     * live up, live down).
     */
    private final FreedCount freed = new FreedCount();
    private final AtomicLong peakLive = new AtomicLong();
    /**
     * Live-IRP tracking: the newest tracked IRP, the head of a list of every tracked IRP not yet swept, newest first
     * ({@link Irp#trackedNext}). An allocation pushes its IRP with one CAS; freeing one does nothing here (the IRP's
     * state says it is freed); {@link #sweepTracked} unlinks the freed ones now and then, and readers skip them.
     */
    private volatile Irp tracked;
    /** The allocation attempt at or after which the next sweep runs (written under trackingSweep). */
    private volatile long nextSweep = MIN_SWEEP_INTERVAL;
    /** Serializes sweeps: the only writer of the links of IRPs already in the list. */
    private final Object trackingSweep = new Object();
    /** The fewest allocations between two sweeps (more when more IRPs are live: a sweep walks them all). */
    static final int MIN_SWEEP_INTERVAL = 64;
    private static final java.lang.invoke.VarHandle TRACKED;

    static {
        try {
            TRACKED = java.lang.invoke.MethodHandles.lookup().findVarHandle(IoManager.class, "tracked", Irp.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private final List<Throwable> routineFailures = Collections.synchronizedList(new ArrayList<>());

    private IoManager(String name) {
        this.name = name;
    }

    /**
     * Creates an I/O manager with its own accounting and verifier.
     *
     * @param name a name for diagnostics
     * @return the new manager
     */
    public static IoManager create(String name) {
        return new IoManager(Objects.requireNonNull(name, "name"));
    }

    /**
     * Returns the process-wide I/O manager, used by threads with no binding.
     *
     * @return the global manager
     */
    public static IoManager global() {
        return GLOBAL;
    }

    /**
     * Returns the I/O manager bound to the calling thread, or the global one.
     *
     * @return the current manager
     */
    public static IoManager current() {
        IoManager bound = BOUND.get();
        return bound != null ? bound : GLOBAL;
    }

    /**
     * Binds this manager to the calling thread until the returned binding is closed, which restores the
     * previous binding. Bindings nest.
     *
     * @return the binding; close it on the same thread
     */
    public Binding bindToCurrentThread() {
        return bindToCurrentThread(null);
    }

    /**
     * Binds this manager to the calling thread, as {@link #bindToCurrentThread()}, together with an attachment: the
     * object the binding is for. {@code WskSubsystem.bindToCurrentThread()} attaches the subsystem, so the C-shaped
     * global functions ({@code Wsk.wskRegister}) find it; driver threads the kernel creates from this thread
     * ({@link Ps#createSystemThread}, work-item workers) inherit both.
     *
     * @param attachment the object to attach, or null
     * @return the binding; close it on the same thread
     */
    public Binding bindToCurrentThread(Object attachment) {
        Object previousAttachment = ATTACHMENT.get();
        ATTACHMENT.set(attachment);
        return new Binding(swapBinding(this), previousAttachment);
    }

    /**
     * Returns the attachment of the calling thread's binding ({@link #bindToCurrentThread(Object)}).
     *
     * @return the attachment, or null when the thread is unbound or bound without one
     */
    public static Object currentAttachment() {
        return ATTACHMENT.get();
    }

    /** The binding of a thread the kernel created: for the thread's whole life. */
    static void bindForKernelThread(IoManager manager, Object attachment) {
        BOUND.set(manager);
        ATTACHMENT.set(attachment);
    }

    /**
     * Returns the kernel model of this manager: its driver threads, waits, timers, DPCs and work items.
     *
     * @return the kernel
     */
    public Kernel kernel() {
        return kernel;
    }

    /**
     * For executors, around each task: binds {@code manager} (when not null and not bound already) without a
     * {@link Binding} object, returning what {@link #restoreBinding} needs to undo it.
     */
    static IoManager swapBinding(IoManager manager) {
        IoManager previous = BOUND.get();
        if (manager != null && manager != previous) {
            BOUND.set(manager);
        }
        return previous;
    }

    /** Undoes {@link #swapBinding}: a no-op when nothing changed (a null binding is kept as null, not removed). */
    static void restoreBinding(IoManager manager, IoManager previous) {
        if (manager != null && manager != previous) {
            BOUND.set(previous);
        }
    }

    /** A thread binding made by {@link IoManager#bindToCurrentThread()}; closing it restores the previous one. */
    public static final class Binding implements AutoCloseable {
        private final IoManager previous;
        private final Object previousAttachment;
        private final Thread thread = Thread.currentThread();

        private Binding(IoManager previous, Object previousAttachment) {
            this.previous = previous;
            this.previousAttachment = previousAttachment;
        }

        /**
         * Restores the binding that was in force before.
         *
         * @throws IllegalStateException when called on another thread
         */
        @Override
        public void close() {
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("an IoManager binding must be closed on the thread that made it");
            }
            if (previous == null) {
                BOUND.remove();
            } else {
                BOUND.set(previous);
            }
            if (previousAttachment == null) {
                ATTACHMENT.remove();
            } else {
                ATTACHMENT.set(previousAttachment);
            }
        }
    }

    /**
     * Returns the name given at creation.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns this manager's verifier.
     *
     * @return the verifier
     */
    public Verifier verifier() {
        return verifier;
    }

    /**
     * Returns the IRP allocation policy.
     *
     * @return the policy; {@link IrpAllocationPolicy#never()} unless changed
     */
    public IrpAllocationPolicy irpAllocationPolicy() {
        return allocationPolicy;
    }

    /**
     * Installs an IRP allocation policy; primary intent: testing a driver's
     * {@code STATUS_INSUFFICIENT_RESOURCES} branches.
     *
     * @param policy the policy
     * @return this manager
     */
    public IoManager setIrpAllocationPolicy(IrpAllocationPolicy policy) {
        this.allocationPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * Driver Verifier's low-resources simulation: from now on, the given fraction of IRP allocations
     * ({@link Io#allocateIrp} returns null) and of socket creations (WskSocket and WskSocketConnect complete with
     * STATUS_INSUFFICIENT_RESOURCES) fail, deterministically for a seed: the same seed and
     * the same sequence of calls fail the same calls. A fraction of 0 turns it off. Replaces the IRP allocation
     * policy. Primary intent: testing a driver's failure branches.
     *
     * @param fraction the chance of each allocation or creation failing, 0 to 1
     * @param seed     the seed
     * @return this manager
     * @throws IllegalArgumentException when fraction is outside 0 to 1
     */
    public IoManager setLowResourcesSimulation(double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("fraction must be between 0 and 1: " + fraction);
        }
        setIrpAllocationPolicy(fraction == 0 ? IrpAllocationPolicy.never()
                : IrpAllocationPolicy.failWithProbability(fraction, seed));
        lowResourcesFraction = fraction;
        lowResources = fraction == 0 ? null : new java.util.SplittableRandom(seed ^ 0x5DEECE66DL);
        return this;
    }

    /**
     * Consults the low-resources simulation for one socket creation; called by the WSK provider (and usable by
     * transports) before creating a socket.
     *
     * @return true when this creation must fail with STATUS_INSUFFICIENT_RESOURCES
     */
    public boolean failsSocketCreation() {
        java.util.SplittableRandom random = lowResources;
        if (random == null) {
            return false;
        }
        synchronized (random) {
            return random.nextDouble() < lowResourcesFraction;
        }
    }

    /**
     * Sets whether live IRPs are tracked individually (for leak reports naming each IRP and its
     * allocation site). Counters are always kept. Tracking is on by default; benchmarks turn it off.
     *
     * @param track true to track
     * @return this manager
     */
    public IoManager setTrackLiveIrps(boolean track) {
        this.trackLiveIrps = track;
        if (!track) {
            synchronized (trackingSweep) {
                tracked = null; // an IRP pushed concurrently may stay listed, as one put concurrently with a clear did
            }
        }
        return this;
    }

    Irp allocate(int stackSize, boolean chargeQuota) {
        long attempt = allocationAttempts.incrementAndGet();
        if (allocationPolicy.shouldFail(attempt, stackSize, chargeQuota)) {
            allocationFailures.increment();
            LOG.debug("IoAllocateIrp({}, {}) failed by allocation policy (attempt {})", stackSize, chargeQuota, attempt);
            return null;
        }
        long id = attempt; // unique and increasing (an attempt that failed leaves a gap): one counter, one CAS
        Irp irp = new Irp(this, id, stackSize, chargeQuota, verifier.captureSite(id, " allocated"));
        long now = attempt - allocationFailures.sum() - freed.get(); // exact unless others allocate or free now
        if (now > peakLive.get()) {
            peakLive.accumulateAndGet(now, Math::max);
        }
        if (trackLiveIrps) {
            track(irp);
            if (id >= nextSweep) {
                sweepTracked(id);
            }
        }
        return irp;
    }

    /** Pushes a new IRP (not yet published) onto the tracked list: one CAS. */
    private void track(Irp irp) {
        Irp head;
        do {
            head = tracked;
            irp.trackedNext = head;
        } while (!TRACKED.weakCompareAndSet(this, head, irp));
    }

    /**
     * Unlinks the freed IRPs from the tracked list, and sets the next sweep after as many allocations as IRPs stayed
     * (at least {@link #MIN_SWEEP_INTERVAL}): a sweep's walk costs O(1) per allocation, and freed IRPs stay reachable
     * from the list for at most that many allocations. The newest IRP stays linked even when freed (allocations push
     * in front of it concurrently); readers skip freed IRPs.
     */
    private void sweepTracked(long attempt) {
        synchronized (trackingSweep) {
            if (attempt < nextSweep) {
                return; // another thread swept meanwhile
            }
            long kept = 0;
            Irp previous = tracked;
            if (previous != null) {
                for (Irp irp = previous.trackedNext; irp != null; irp = irp.trackedNext) {
                    if (irp.isFreed()) {
                        previous.trackedNext = irp.trackedNext; // a reader on irp still reaches the rest
                    } else {
                        previous = irp;
                        kept++;
                    }
                }
            }
            nextSweep = attempt + Math.max(MIN_SWEEP_INTERVAL, kept);
        }
    }

    void onFreed(Irp irp) {
        freed.increment(); // live = allocated - freed; a tracked IRP is swept later
    }

    void onCompletedToOwner() {
        completed.increment();
    }

    /**
     * Records an exception thrown by a completion routine, cancel routine or callback and passes it to the
     * verifier's {@link VerifierSink} (by default: logged at ERROR). The exception is not rethrown: routines never
     * break the thread that runs them. This holds for every {@link Throwable}, {@link VirtualMachineError}s included
     * ({@link StackOverflowError}, {@link OutOfMemoryError}, {@link InternalError}): wsk4j never rethrows what user code
     * threw, so no executor thread is lost and no queue is left half-drained. This method itself never throws
     * (recording under memory pressure is best effort).
     *
     * @param where   what was running, for the log
     * @param failure the exception
     */
    public void recordRoutineFailure(String where, Throwable failure) {
        try {
            routineFailures.add(failure);
            verifier.sink().routineFailure(where, failure);
        } catch (Throwable recordingFailed) {
            // Out of memory (or stack) while recording: the caller's state must stay consistent, so this never
            // throws. The failure is kept when the list had room; only the sink's report is lost.
        }
    }

    /**
     * Returns the exceptions thrown by routines so far, oldest first.
     *
     * @return a snapshot copy
     */
    public List<Throwable> routineFailures() {
        synchronized (routineFailures) {
            return List.copyOf(routineFailures);
        }
    }

    /** Forgets the recorded routine exceptions. */
    public void clearRoutineFailures() {
        routineFailures.clear();
    }

    /**
     * Returns the number of IRPs allocated and not yet freed.
     *
     * @return the live count
     */
    public long liveIrpCount() {
        return liveNow();
    }

    /**
     * Allocated minus freed. Read in this order (freed, failures, attempts) so that every IRP whose free is counted
     * has its allocation counted too: never negative; while other threads allocate or free, a snapshot.
     */
    private long liveNow() {
        long freedNow = freed.get();
        long failures = allocationFailures.sum();
        return Math.max(allocationAttempts.get() - failures - freedNow, 0);
    }

    /**
     * Returns the IRPs allocated and not yet freed, in allocation order (empty when tracking is off).
     *
     * @return a snapshot
     */
    public List<Irp> liveIrps() {
        List<Irp> list = new ArrayList<>();
        for (Irp irp = tracked; irp != null; irp = irp.trackedNext) {
            if (!irp.isFreed()) {
                list.add(irp);
            }
        }
        list.sort(Comparator.comparingLong(Irp::id));
        return list;
    }

    /**
     * Returns the I/O manager's counters.
     *
     * @return a snapshot
     */
    public IrpStatistics statistics() {
        // Allocated and freed are derived (attempts - failures, allocated - live), so the hot path counts less. As
        // before, a snapshot taken while other threads allocate or free is not atomic across the fields.
        long freedNow = freed.get();
        long failures = allocationFailures.sum();
        long attempts = allocationAttempts.get();
        long allocatedNow = attempts - failures;
        long liveNow = Math.max(allocatedNow - freedNow, 0);
        return new IrpStatistics(attempts, failures, allocatedNow, allocatedNow - liveNow, completed.sum(), liveNow,
                peakLive.get());
    }

    /**
     * Reports every live IRP as a {@link VerifierRule#IRP_LEAKED} violation, with its allocation site.
     * Called by the WSK subsystem at deregistration and by the JUnit extension after each test.
     *
     * @return the number of leaked IRPs found
     * @throws VerifierError when IRPs leaked and {@link VerifierRule#IRP_LEAKED} is in FAIL mode (after
     *                       all of them were recorded)
     */
    public int checkLeaks() {
        List<Irp> leaked = liveIrps();
        long count = Math.max(leaked.size(), liveNow());
        if (count == 0) {
            return 0;
        }
        VerifierError first = null;
        for (Irp irp : leaked) {
            try {
                verifier.report(VerifierRule.IRP_LEAKED, irp + " was allocated and never freed", irp);
            } catch (VerifierError e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (leaked.isEmpty()) {
            try {
                verifier.report(VerifierRule.IRP_LEAKED, count + " IRPs were allocated and never freed", null);
            } catch (VerifierError e) {
                first = e;
            }
        }
        if (first != null) {
            throw first;
        }
        return (int) count;
    }

    /** The running IRP timeline, or null (the common case: one volatile read per IRP event). */
    volatile IrpTimeline timeline;

    /**
     * Starts recording an {@link IrpTimeline} of this manager's IRPs (replacing a running one).
     *
     * @param nanoClock the clock of the timestamps, in nanoseconds (for example a manual executor's
     *                  {@code nanoTime} for virtual time)
     * @return the timeline
     */
    public IrpTimeline startTimeline(java.util.function.LongSupplier nanoClock) {
        IrpTimeline started = new IrpTimeline(nanoClock);
        timeline = started;
        return started;
    }

    /**
     * Stops recording the IRP timeline; it keeps what it recorded.
     *
     * @return the timeline that was running, or null
     */
    public IrpTimeline stopTimeline() {
        IrpTimeline stopped = timeline;
        timeline = null;
        return stopped;
    }

    /**
     * Returns the running IRP timeline (the WSK provider records hand-overs in it).
     *
     * @return the timeline, or null when none runs
     */
    public IrpTimeline timeline() {
        return timeline;
    }

    @Override
    public String toString() {
        return "IoManager[" + name + "]";
    }

    /**
     * IRP counters of one {@link IoManager}.
     *
     * @param allocationAttempts calls of {@link Io#allocateIrp}
     * @param allocationFailures attempts that returned null
     * @param allocated          IRPs allocated
     * @param freed              IRPs freed
     * @param completedToOwner   completions handed back to the IRP's owner (a routine returned
     *                           STATUS_MORE_PROCESSING_REQUIRED at the top location)
     * @param live               allocated and not freed
     * @param peakLive           the highest live count seen
     */
    public record IrpStatistics(long allocationAttempts, long allocationFailures, long allocated, long freed,
                                long completedToOwner, long live, long peakLive) {
    }
}
