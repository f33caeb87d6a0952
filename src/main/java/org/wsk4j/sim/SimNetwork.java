package org.wsk4j.sim;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.WskSubsystem;
import org.wsk4j.nt.IoManager;
import org.wsk4j.nt.ManualCompletionExecutor;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.ScheduledTask;
import org.wsk4j.spi.ConnectCallback;
import org.wsk4j.spi.Transport;
import org.wsk4j.spi.TransportException;

/**
 * A deterministic, in-memory network for tests: hosts with IPv4 and IPv6 addresses, TCP listeners with
 * backlogs, TCP connections carrying byte streams both ways (bounded buffers, half-close, reset), UDP
 * datagrams, scripted faults and a virtual clock. It plugs under the same WSK provider as the NIO transport:
 *
 * <pre>{@code
 * SimNetwork network = SimNetwork.create(42);
 * network.addHost("server", "10.0.0.2", "fd00::2");
 * try (WskSubsystem wsk = network.newSubsystem()) {          // host "localhost"
 *     network.onConnect(new InetSocketAddress("10.0.0.2", 80)).thenFault(Fault.refuse());
 *     ... WSK calls ...
 *     network.executor().runUntilIdle();                      // completions run here, in virtual time
 *     assertEquals(STATUS_CONNECTION_REFUSED, network.attempts().get(0).status());
 * }
 * }</pre>
 *
 * <p><b>Time and order.</b> Every transport event (readiness callbacks, connect outcomes, deliveries) is a
 * task on the network's {@link ManualCompletionExecutor} at a virtual time; nothing happens unless the test
 * drives that executor ({@code runPending}, {@code advanceTimeBy}, {@code runUntilIdle}). Events due at the
 * same time run in the order they were scheduled. The same seed and the same test code give the same
 * {@link #eventLog()} on every run.
 *
 * <p><b>Threading.</b> The simulation is single-threaded: call its methods, and drive its executor, from one
 * thread (the test thread). Methods are guarded by the network's lock, so a call from another thread is
 * safe but makes the order of events depend on thread timing.
 */
public final class SimNetwork {

    private static final Logger LOG = LoggerFactory.getLogger(SimNetwork.class);

    /** The name of the host every network starts with (127.0.0.1 and ::1). */
    public static final String LOCALHOST = "localhost";

    /** The first ephemeral port handed out by bind with port 0 (the IANA dynamic range, as on Windows). */
    public static final int FIRST_EPHEMERAL_PORT = 49152;

    /**
     * How long an unanswered name lookup takes to fail with STATUS_IO_TIMEOUT: 10 s, the Windows DNS client
     * with one DNS server (queries at 0, 1, 2, 4 and 8 s, gives up at 10 s; Microsoft KB 2834226, "DNS client
     * resolution timeouts").
     */
    public static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The retransmission timeout of a connection on the simulated LAN: 300 ms, the Windows minimum RTO (the
     * {@code MinRto} of {@code Get-NetTCPSetting}, default 300 ms), which a LAN's microsecond round trips never
     * exceed. Each retransmission of a segment doubles it (KB 170359).
     */
    public static final Duration MIN_RTO = Duration.ofMillis(300);

    /** How many times unacknowledged data is retransmitted before the connection is aborted: 5, Windows' {@code TcpMaxDataRetransmissions} default (KB 170359). */
    public static final int MAX_DATA_RETRANSMISSIONS = 5;

    /**
     * How long data may stay unacknowledged before its connection is aborted: {@link #MIN_RTO} × (1 + 2 + 4 + 8
     * + 16 + 32) = 18.9 s, the five doubling retransmission intervals and the wait after the last one.
     */
    public static final Duration RETRANSMISSION_TIMEOUT = MIN_RTO.multipliedBy((1L << (MAX_DATA_RETRANSMISSIONS + 1)) - 1);

    static final int AF_INET = 2;
    static final int AF_INET6 = 23;

    /**
     * The network's timing and sizes. Immutable; change a value with the {@code with...} methods.
     *
     * @param connectLatency  one-way latency of SYN, SYN-ACK and the RST that refuses a connect (default 100 µs)
     * @param deliveryLatency one-way latency of data, FIN, RST and datagrams (default 100 µs), counted from
     *                        the moment the last byte left the sender (see {@code bytesPerSecond})
     * @param connectTimeout  how long an unanswered connect waits before STATUS_IO_TIMEOUT (default 21 s, the
     *                        Windows default of 3 SYN transmissions)
     * @param bufferSize      bytes a TCP direction holds (in flight plus unread) before writes return partial
     *                        or 0 (default 256 KiB); also what SO_SNDBUF and SO_RCVBUF report
     * @param backlog         connections a listener holds before further connects are refused (default 128)
     * @param datagramBuffer  bytes of unread datagrams an endpoint holds before further ones are dropped
     *                        (default 256 KiB)
     * @param bytesPerSecond  the transfer rate of each link (each direction of a TCP connection, each datagram
     *                        endpoint's sending side): a write's bytes take {@code bytes * 1e9 / bytesPerSecond}
     *                        ns to serialize, after the bytes queued before them; 0 for unlimited (default
     *                        125,000,000, i.e. 1 Gbit/s)
     * @param keepAliveTime   how long a connection with SO_KEEPALIVE stays idle before the first keep-alive
     *                        probe (default 2 h, the Windows default)
     * @param keepAliveInterval the time between unanswered probes (default 1 s, the Windows default)
     * @param keepAliveProbes unanswered probes after which the connection is dropped (default 10, fixed on
     *                        Windows since Vista)
     */
    public record Config(Duration connectLatency, Duration deliveryLatency, Duration connectTimeout, int bufferSize,
                         int backlog, int datagramBuffer, long bytesPerSecond, Duration keepAliveTime,
                         Duration keepAliveInterval, int keepAliveProbes) {

        /**
         * Validates the values.
         *
         * @param connectLatency  not negative
         * @param deliveryLatency not negative
         * @param connectTimeout  positive
         * @param bufferSize      at least 1
         * @param backlog         at least 1
         * @param datagramBuffer  at least 1
         * @param bytesPerSecond  not negative (0: unlimited)
         * @param keepAliveTime   positive
         * @param keepAliveInterval positive
         * @param keepAliveProbes at least 1
         */
        public Config {
            Objects.requireNonNull(connectLatency, "connectLatency");
            Objects.requireNonNull(deliveryLatency, "deliveryLatency");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            if (connectLatency.isNegative() || deliveryLatency.isNegative() || connectTimeout.isNegative()
                    || connectTimeout.isZero() || bufferSize < 1 || backlog < 1 || datagramBuffer < 1
                    || bytesPerSecond < 0 || keepAliveTime == null || keepAliveInterval == null
                    || keepAliveTime.isNegative() || keepAliveTime.isZero() || keepAliveInterval.isNegative()
                    || keepAliveInterval.isZero() || keepAliveProbes < 1) {
                throw new IllegalArgumentException("invalid network configuration");
            }
        }

        /**
         * Returns the LAN-like defaults.
         *
         * @return the defaults
         */
        public static Config defaults() {
            return new Config(Duration.ofNanos(100_000), Duration.ofNanos(100_000), Duration.ofSeconds(21),
                    256 * 1024, 128, 256 * 1024, 125_000_000L, Duration.ofHours(2), Duration.ofSeconds(1), 10);
        }

        /**
         * Returns a builder starting from these values.
         *
         * @return a builder; {@link Builder#build()} validates as the constructor does
         */
        public Builder toBuilder() {
            return new Builder(this);
        }

        /**
         * Returns a builder starting from the {@linkplain #defaults() defaults}.
         *
         * @return a builder
         */
        public static Builder builder() {
            return defaults().toBuilder();
        }

        /**
         * Builds a {@link Config} one value at a time, instead of a {@code with…} copy per value. Not thread-safe.
         *
         * <pre>{@code
         * SimNetwork.Config config = SimNetwork.Config.builder().backlog(4).bytesPerSecond(0).build();
         * }</pre>
         */
        public static final class Builder {
            private Duration connectLatency;
            private Duration deliveryLatency;
            private Duration connectTimeout;
            private int bufferSize;
            private int backlog;
            private int datagramBuffer;
            private long bytesPerSecond;
            private Duration keepAliveTime;
            private Duration keepAliveInterval;
            private int keepAliveProbes;

            private Builder(Config from) {
                this.connectLatency = from.connectLatency;
                this.deliveryLatency = from.deliveryLatency;
                this.connectTimeout = from.connectTimeout;
                this.bufferSize = from.bufferSize;
                this.backlog = from.backlog;
                this.datagramBuffer = from.datagramBuffer;
                this.bytesPerSecond = from.bytesPerSecond;
                this.keepAliveTime = from.keepAliveTime;
                this.keepAliveInterval = from.keepAliveInterval;
                this.keepAliveProbes = from.keepAliveProbes;
            }

            /**
             * Sets {@code connectLatency} (see {@link Config}).
             *
             * @param value one way
             * @return this builder
             */
            public Builder connectLatency(Duration value) {
                this.connectLatency = value;
                return this;
            }

            /**
             * Sets {@code deliveryLatency} (see {@link Config}).
             *
             * @param value one way
             * @return this builder
             */
            public Builder deliveryLatency(Duration value) {
                this.deliveryLatency = value;
                return this;
            }

            /**
             * Sets {@code connectTimeout} (see {@link Config}).
             *
             * @param value the timeout
             * @return this builder
             */
            public Builder connectTimeout(Duration value) {
                this.connectTimeout = value;
                return this;
            }

            /**
             * Sets {@code bufferSize} (see {@link Config}).
             *
             * @param value bytes per direction
             * @return this builder
             */
            public Builder bufferSize(int value) {
                this.bufferSize = value;
                return this;
            }

            /**
             * Sets {@code backlog} (see {@link Config}).
             *
             * @param value connections
             * @return this builder
             */
            public Builder backlog(int value) {
                this.backlog = value;
                return this;
            }

            /**
             * Sets {@code datagramBuffer} (see {@link Config}).
             *
             * @param value bytes
             * @return this builder
             */
            public Builder datagramBuffer(int value) {
                this.datagramBuffer = value;
                return this;
            }

            /**
             * Sets {@code bytesPerSecond} (see {@link Config}).
             *
             * @param value bytes per second and direction, 0 for unlimited
             * @return this builder
             */
            public Builder bytesPerSecond(long value) {
                this.bytesPerSecond = value;
                return this;
            }

            /**
             * Sets {@code keepAliveTime} (see {@link Config}).
             *
             * @param value the idle time before the first probe
             * @return this builder
             */
            public Builder keepAliveTime(Duration value) {
                this.keepAliveTime = value;
                return this;
            }

            /**
             * Sets {@code keepAliveInterval} (see {@link Config}).
             *
             * @param value the time between probes
             * @return this builder
             */
            public Builder keepAliveInterval(Duration value) {
                this.keepAliveInterval = value;
                return this;
            }

            /**
             * Sets {@code keepAliveProbes} (see {@link Config}).
             *
             * @param value unanswered probes before the connection is dropped
             * @return this builder
             */
            public Builder keepAliveProbes(int value) {
                this.keepAliveProbes = value;
                return this;
            }

            /**
             * Builds the configuration.
             *
             * @return the configuration
             * @throws IllegalArgumentException when a value is out of range (see the {@link Config} constructor)
             */
            public Config build() {
                return new Config(connectLatency, deliveryLatency, connectTimeout, bufferSize, backlog, datagramBuffer,
                        bytesPerSecond, keepAliveTime, keepAliveInterval, keepAliveProbes);
            }
        }

        /** The time {@code bytes} take to serialize onto a link, in nanoseconds (0 when unlimited). */
        long serializationNanos(long bytes) {
            return bytesPerSecond == 0 ? 0 : (long) Math.ceil(bytes * 1e9 / bytesPerSecond);
        }

        /**
         * Returns a copy with another connect latency.
         *
         * @param value one way
         * @return the copy
         */
        public Config withConnectLatency(Duration value) {
            return toBuilder().connectLatency(value).build();
        }

        /**
         * Returns a copy with another delivery latency.
         *
         * @param value one way
         * @return the copy
         */
        public Config withDeliveryLatency(Duration value) {
            return toBuilder().deliveryLatency(value).build();
        }

        /**
         * Returns a copy with another connect timeout.
         *
         * @param value the timeout
         * @return the copy
         */
        public Config withConnectTimeout(Duration value) {
            return toBuilder().connectTimeout(value).build();
        }

        /**
         * Returns a copy with another TCP buffer size.
         *
         * @param value bytes per direction
         * @return the copy
         */
        public Config withBufferSize(int value) {
            return toBuilder().bufferSize(value).build();
        }

        /**
         * Returns a copy with another listener backlog.
         *
         * @param value connections
         * @return the copy
         */
        public Config withBacklog(int value) {
            return toBuilder().backlog(value).build();
        }

        /**
         * Returns a copy with another datagram receive buffer size.
         *
         * @param value bytes
         * @return the copy
         */
        public Config withDatagramBuffer(int value) {
            return toBuilder().datagramBuffer(value).build();
        }

        /**
         * Returns a copy with another transfer rate.
         *
         * @param value bytes per second and direction, 0 for unlimited
         * @return the copy
         */
        public Config withBytesPerSecond(long value) {
            return toBuilder().bytesPerSecond(value).build();
        }

        /**
         * Returns a copy with another keep-alive idle time.
         *
         * @param value the idle time before the first probe
         * @return the copy
         */
        public Config withKeepAliveTime(Duration value) {
            return toBuilder().keepAliveTime(value).build();
        }

        /**
         * Returns a copy with another keep-alive probe interval.
         *
         * @param value the time between probes
         * @return the copy
         */
        public Config withKeepAliveInterval(Duration value) {
            return toBuilder().keepAliveInterval(value).build();
        }

        /**
         * Returns a copy with another keep-alive probe count.
         *
         * @param value unanswered probes before the connection is dropped
         * @return the copy
         */
        public Config withKeepAliveProbes(int value) {
            return toBuilder().keepAliveProbes(value).build();
        }
    }

    // ---- state (all guarded by this) --------------------------------------------------------------------

    /**
     * The network's private lock: guards its hosts, hooks, partitions, links, event log and the state the sim classes
     * mark {@code @GuardedBy("network.lock")}. Never the network object itself, which the test holds.
     */
    final Object lock = new Object(); // also the executor's lock (see after)
    private final long seed;
    private final Config config;
    private final ManualCompletionExecutor executor;
    private final IoManager ioManager;
    private final SplittableRandom socketCreationRandom;
    /** Latency, loss, duplication and reordering draws of the link profiles. */
    private final SplittableRandom linkRandom;
    private final Map<String, LinkProfile> links = new LinkedHashMap<>();
    private final Map<String, SimHost> hosts = new LinkedHashMap<>();
    private final Map<InetAddress, SimHost> byAddress = new LinkedHashMap<>();
    private final List<Hook> connectHooks = new ArrayList<>();
    private final List<Hook> datagramHooks = new ArrayList<>();
    private final List<Hook> sendHooks = new ArrayList<>();
    private final List<Hook> acceptHooks = new ArrayList<>();
    private final List<Hook> finHooks = new ArrayList<>();
    private final List<Hook> resolveHooks = new ArrayList<>();
    private final java.util.Set<String> partitions = new java.util.LinkedHashSet<>();
    /** Held links ("from>to") and the datagrams each holds, in arrival order. */
    private final java.util.Set<String> heldLinks = new java.util.LinkedHashSet<>();
    private final Map<String, List<Runnable>> heldDatagrams = new LinkedHashMap<>();
    /** Connections holding data a partition or a held link stopped, in the order they started holding. */
    final List<SimConnection> holding = new ArrayList<>();
    /** Connections with SO_KEEPALIVE on, in the order they turned it on. */
    final List<SimConnection> keepAlive = new ArrayList<>();
    private final List<Function<ConnectAttempt, Fault>> deciders = new ArrayList<>();
    private final List<AttemptState> attempts = new ArrayList<>();
    private final List<String> eventLog = new ArrayList<>();
    private volatile boolean recording = true;
    private int attemptCount;
    private int endpointIds;
    private long creationCalls;
    private long[] failCreationCalls = new long[0];
    private double failCreationProbability;

    private SimNetwork(long seed, Config config) {
        this.seed = seed;
        this.config = Objects.requireNonNull(config, "config");
        // The executor is also the simulated processor: driver threads are scheduled from the seed, and its
        // scheduling events go to this network's event log, in order with the network's own.
        // Its lock is this network's, so a network timer's task runs in the critical section that takes the timer.
        this.executor = org.wsk4j.internal.SimExecutorAccess.simulated(seed, this::log, lock);
        SplittableRandom root = new SplittableRandom(seed);
        this.socketCreationRandom = root.split();
        this.linkRandom = root.split();
        this.ioManager = IoManager.create("sim-" + Long.toHexString(seed));
        executor.bindIoManager(ioManager);
        addHost(LOCALHOST, "127.0.0.1", "::1");
    }

    /**
     * Creates a network with the default configuration and the host {@value #LOCALHOST}.
     *
     * @param seed the seed every random decision derives from
     * @return the network
     */
    public static SimNetwork create(long seed) {
        return new SimNetwork(seed, Config.defaults());
    }

    /**
     * Creates a network with the given configuration and the host {@value #LOCALHOST}.
     *
     * @param seed   the seed every random decision derives from
     * @param config timing and sizes
     * @return the network
     */
    public static SimNetwork create(long seed, Config config) {
        return new SimNetwork(seed, config);
    }

    /**
     * Returns the seed.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns the configuration.
     *
     * @return the configuration
     */
    public Config config() {
        return config;
    }

    /**
     * Returns the network's executor: its virtual clock, on which every transport event is delivered. Give it
     * to every subsystem on this network ({@link #newSubsystem()} does).
     *
     * @return the executor
     */
    public ManualCompletionExecutor executor() {
        return executor;
    }

    /**
     * Returns the I/O manager shared by the subsystems {@link #newSubsystem()} creates (one executor can be
     * bound to only one I/O manager).
     *
     * @return the manager
     */
    public IoManager ioManager() {
        return ioManager;
    }

    /**
     * Returns a random generator for the caller's own use (for example a randomized test scenario), derived
     * from the seed and {@code label} only, so that it does not disturb the network's own streams.
     *
     * @param label names the stream
     * @return a generator; the same seed and label always give the same sequence
     */
    public SplittableRandom random(String label) {
        long h = seed * 0x9E3779B97F4A7C15L + label.hashCode();
        return new SplittableRandom(h ^ (h >>> 31));
    }

    // ---- hosts and transports ---------------------------------------------------------------------------

    /**
     * Adds a host, or adds addresses to an existing one. A host with an IPv4 address also gets 127.0.0.1 and
     * one with an IPv6 address also gets ::1 (loopback always leads to the connecting host itself).
     *
     * @param name      the host's name
     * @param addresses IPv4 and IPv6 literals, for example {@code "10.0.0.2"}, {@code "fd00::2"}
     * @return this network
     * @throws IllegalArgumentException when an address is not a literal or belongs to another host
     */
    public SimNetwork addHost(String name, String... addresses) {
        synchronized (lock) {
            Objects.requireNonNull(name, "name");
            SimHost host = hosts.computeIfAbsent(name, SimHost::new);
            for (String literal : addresses) {
                InetAddress address = literal(literal);
                if (address.isAnyLocalAddress()) {
                    throw new IllegalArgumentException("a host address cannot be the wildcard: " + literal);
                }
                if (!address.isLoopbackAddress()) {
                    SimHost owner = byAddress.get(address);
                    if (owner != null && owner != host) {
                        throw new IllegalArgumentException(literal + " already belongs to host " + owner.name);
                    }
                    byAddress.put(address, host);
                }
                host.addAddress(address);
                host.addAddress(literal(address instanceof Inet4Address ? "127.0.0.1" : "::1"));
            }
            log("host " + name + " " + host.addresses);
            return this;
        }
    }

    /**
     * Returns the names of the hosts, in the order they were added.
     *
     * @return the names
     */
    public List<String> hosts() {
        synchronized (lock) {
            return List.copyOf(hosts.keySet());
        }
    }

    /**
     * Returns the addresses of a host.
     *
     * @param hostName the host
     * @return its addresses, loopback included
     */
    public List<InetAddress> addresses(String hostName) {
        synchronized (lock) {
            return List.copyOf(host(hostName).addresses);
        }
    }

    /**
     * Returns a new transport whose endpoints live on the given host. Closing it closes its endpoints.
     *
     * @param hostName the host
     * @return the transport
     * @throws IllegalArgumentException when there is no such host
     */
    public Transport transport(String hostName) {
        synchronized (lock) {
            return new SimTransport(this, host(hostName), executor);
        }
    }

    /**
     * Creates a subsystem on host {@value #LOCALHOST}: {@code WskSubsystem.builder().transport(transport(
     * "localhost")).executor(...).ioManager(ioManager()).build()}, where the executor is the network's
     * {@link #executor()} seen through the host, so a {@link #pause(String) paused} host's completions wait (the
     * subsystem's {@code manualExecutor()} is therefore not available: drive {@link #executor()}).
     *
     * @return the subsystem; closing it closes its transport, not the network
     */
    public WskSubsystem newSubsystem() {
        return newSubsystem(LOCALHOST);
    }

    /**
     * Creates a subsystem whose sockets live on the given host; its completions, event callbacks and timers run on
     * the network's {@link #executor()}, except while the host is {@link #pause(String) paused}.
     *
     * @param hostName the host
     * @return the subsystem
     */
    public WskSubsystem newSubsystem(String hostName) {
        HostExecutor hostExecutor;
        Transport transport;
        synchronized (lock) {
            SimHost host = host(hostName);
            hostExecutor = new HostExecutor(this, host, executor);
            host.executors.add(hostExecutor);
            if (host.paused) {
                hostExecutor.paused();
            }
            transport = new SimTransport(this, host, hostExecutor);
        }
        return WskSubsystem.builder().name("sim-" + hostName).transport(transport).executor(hostExecutor)
                .ioManager(ioManager).build();
    }

    private SimHost host(String name) {
        SimHost host = hosts.get(name);
        if (host == null) {
            throw new IllegalArgumentException("no such host: " + name);
        }
        return host;
    }

    private static final InetAddress LOOPBACK_V4 = literal("127.0.0.1");
    private static final InetAddress LOOPBACK_V6 = literal("::1");

    static InetAddress literal(String literal) {
        if (literal.isEmpty() || !(Character.digit(literal.charAt(0), 16) >= 0 || literal.charAt(0) == ':')
                || literal.chars().anyMatch(c -> c != '.' && c != ':' && c != '%' && Character.digit(c, 16) < 0)) {
            throw new IllegalArgumentException("not an IP address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal); // a literal: no name service lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: " + literal, e);
        }
    }

    // ---- fault scripting ---------------------------------------------------------------------------------

    /** What a hook point intercepts. */
    enum HookKind {
        CONNECT("connect"), DATAGRAM("datagram"), SEND("send"), ACCEPT("accept"), RESOLVE("resolve"), FIN("FIN");

        final String label;

        HookKind(String label) {
            this.label = label;
        }
    }

    /** A hook point: which attempts it matches and its queued and standing faults. */
    static final class Hook {
        final String description;
        final HookKind kind;
        final InetSocketAddress address; // null: any address
        final int port;
        final ArrayDeque<Fault> queue = new ArrayDeque<>();
        Fault standing;
        /** SEND hooks: how many queued faults (counted from the head) some connection's sends reached. */
        int reached;

        /** RESOLVE hooks: the name or address literal looked up, lower case; null otherwise. */
        String name;

        Hook(String description, HookKind kind, InetSocketAddress address, int port) {
            this.description = description;
            this.kind = kind;
            this.address = address;
            this.port = port;
        }

        /** SEND hooks: the queued fault for the {@code index}th send (from 0), or null past the queue. */
        Fault queued(int index) {
            int i = 0;
            for (Fault fault : queue) {
                if (i++ == index) {
                    reached = Math.max(reached, index + 1);
                    return fault;
                }
            }
            return null;
        }

        boolean matches(InetSocketAddress target) {
            if (address != null) {
                return address.getAddress().equals(target.getAddress()) && address.getPort() == target.getPort();
            }
            return port == target.getPort();
        }

        void check(Fault fault) {
            boolean fits = switch (kind) {
                case CONNECT -> fault.appliesToConnect();
                case DATAGRAM -> fault.appliesToDatagram();
                case SEND -> fitsSend(fault) && (!(fault instanceof Fault.Delay) || fitsSend(((Fault.Delay) fault).then()));
                case ACCEPT -> fitsAccept(fault)
                        && (!(fault instanceof Fault.Delay) || fitsAccept(((Fault.Delay) fault).then()));
                case FIN -> fitsFin(fault) && (!(fault instanceof Fault.Delay) || fitsFin(((Fault.Delay) fault).then()));
                case RESOLVE -> SimNameService.fits(fault)
                        && (!(fault instanceof Fault.Delay) || SimNameService.fits(((Fault.Delay) fault).then()));
            };
            if (!fits) {
                throw new IllegalArgumentException(fault + " does not apply to a " + description + " hook");
            }
        }
    }

    private static boolean fitsSend(Fault fault) {
        return fault == null || fault instanceof Fault.Hold || fault instanceof Fault.ResetAfter || fault instanceof Fault.Abort
                || fault instanceof Fault.PartialSend || fault instanceof Fault.Delay || fault instanceof Fault.FailWith;
    }

    private static boolean fitsFin(Fault fault) {
        return fault == null || fault instanceof Fault.Hold || fault instanceof Fault.Delay;
    }

    private static boolean fitsAccept(Fault fault) {
        return fault == null || fault instanceof Fault.Hold || fault instanceof Fault.Abort || fault instanceof Fault.Delay
                || fault instanceof Fault.Refuse || fault instanceof Fault.FailWith;
    }

    /**
     * Returns the fault script for connects to an address and port (found before port-only scripts).
     *
     * @param target the destination
     * @return the script (the same one for the same target)
     */
    public FaultScript onConnect(InetSocketAddress target) {
        return script(connectHooks, HookKind.CONNECT, resolved(target), target.getPort());
    }

    /**
     * Returns the fault script for connects to an address literal and port.
     *
     * @param address an IP literal
     * @param port    the port
     * @return the script
     */
    public FaultScript onConnect(String address, int port) {
        return onConnect(new InetSocketAddress(literal(address), port));
    }

    /**
     * Returns the fault script for connects to a port on any address.
     *
     * @param port the port
     * @return the script
     */
    public FaultScript onConnect(int port) {
        return script(connectHooks, HookKind.CONNECT, null, port);
    }

    /**
     * Adds a decider consulted for connects that no script handled: it returns the fault to apply, or null
     * for normal behaviour (the next decider is asked first). It runs inside the simulation and must not
     * call back into the network.
     *
     * @param decider receives the attempt (fault and status not set yet)
     * @return this network
     */
    public SimNetwork onConnect(Function<ConnectAttempt, Fault> decider) {
        synchronized (lock) {
            deciders.add(Objects.requireNonNull(decider, "decider"));
            return this;
        }
    }

    /**
     * Queues faults for connects to an address: the next attempts to it consume them in order.
     *
     * @param target the destination
     * @param faults the faults
     * @return the script
     */
    public FaultScript script(InetSocketAddress target, Fault... faults) {
        return onConnect(target).thenFault(faults);
    }

    /**
     * Returns the fault script for datagrams sent to an address and port.
     *
     * @param target the destination
     * @return the script
     */
    public FaultScript onDatagram(InetSocketAddress target) {
        return script(datagramHooks, HookKind.DATAGRAM, resolved(target), target.getPort());
    }

    /**
     * Returns the fault script for datagrams sent to a port on any address.
     *
     * @param port the port
     * @return the script
     */
    public FaultScript onDatagram(int port) {
        return script(datagramHooks, HookKind.DATAGRAM, null, port);
    }

    /**
     * Returns the fault script for the sends (transport writes) of connections to an address and port (found
     * before port-only scripts). Unlike the other hooks, sends are counted per connection: the first queued
     * fault applies to the first send of every matching connection, the second to its second send, and so
     * on; a connection past the queue gets the standing fault ({@link FaultScript#always(Fault)}), if any.
     * A send is one write the transport accepts bytes for: a WskSend the window or a {@link Fault.PartialSend}
     * splits counts once per write. Allowed faults:
     * <ul>
     * <li>{@link Fault.ResetAfter}: the write is accepted, only its first {@code bytes} bytes are delivered,
     *     then both ends are reset (STATUS_CONNECTION_RESET) when they arrive;</li>
     * <li>{@link Fault.Abort}: the write fails with STATUS_CONNECTION_ABORTED, the connection is broken on
     *     this side and the peer gets a reset;</li>
     * <li>{@link Fault.PartialSend}: this write takes at most {@code maxBytesPerWrite} bytes;</li>
     * <li>{@link Fault.Delay}: the data leaves {@code delay} later (holding the link, so later data waits
     *     behind it), then {@code then} applies to the same send;</li>
     * <li>{@link Fault.FailWith}: the write fails with the status; the connection is unchanged.</li>
     * </ul>
     *
     * @param target the connection's remote address
     * @return the script
     */
    public FaultScript onSend(InetSocketAddress target) {
        return script(sendHooks, HookKind.SEND, resolved(target), target.getPort());
    }

    /**
     * Returns the fault script for the sends of connections to a port on any address; see
     * {@link #onSend(InetSocketAddress)}.
     *
     * @param port the remote port
     * @return the script
     */
    public FaultScript onSend(int port) {
        return script(sendHooks, HookKind.SEND, null, port);
    }

    /**
     * Returns the fault script consulted when a connection to a listener on a port is established (the SYN
     * found a listener with room in its backlog), one queued fault per connection. Allowed faults:
     * <ul>
     * <li>{@link Fault.Abort}: the handshake completes (the connect succeeds and the listener's accept
     *     returns the connection), then the connection is reset: both sides see STATUS_CONNECTION_RESET;</li>
     * <li>{@link Fault.Delay}: the handshake completes {@code delay} later, then {@code then} applies;</li>
     * <li>{@link Fault.Refuse}: the connect is refused (STATUS_CONNECTION_REFUSED), as with a full backlog;</li>
     * <li>{@link Fault.FailWith}: the connect fails with the status; the listener sees nothing.</li>
     * </ul>
     *
     * @param port the listener's port
     * @return the script
     */
    public FaultScript onAccept(int port) {
        return script(acceptHooks, HookKind.ACCEPT, null, port);
    }

    /**
     * Returns the fault script for the FINs (graceful disconnects, {@code WskDisconnect} or a graceful close) of
     * TCP connections to or from an address and port (found before port-only scripts): a FIN is matched against
     * its connection's remote address first, then its local one, so {@code onFin(server)} sees the FINs of both
     * ends of a connection with {@code server}, in the order they are sent. One queued fault per FIN. Allowed faults:
     * <ul>
     * <li>{@link Fault.Hold}: the FIN is parked at the receiver until {@link #releaseParked()} (its data before
     *     it arrives; nothing times out while it is parked): the peer's end-of-stream and disconnect event wait
     *     for the moment the test chooses;</li>
     * <li>{@link Fault.Delay}: the FIN leaves {@code delay} later (holding the link, so nothing overtakes it),
     *     then {@code then} applies.</li>
     * </ul>
     * Data segments are not FINs: {@link #onSend(InetSocketAddress)} handles those.
     *
     * @param target an end of the connection
     * @return the script
     */
    public FaultScript onFin(InetSocketAddress target) {
        return script(finHooks, HookKind.FIN, resolved(target), target.getPort());
    }

    /**
     * Returns the fault script for the FINs of TCP connections to or from a port on any address; see
     * {@link #onFin(InetSocketAddress)}.
     *
     * @param port a port of the connection
     * @return the script
     */
    public FaultScript onFin(int port) {
        return script(finHooks, HookKind.FIN, null, port);
    }

    /** The fault for a FIN on a connection from {@code local} to {@code remote}, or null (network lock held). */
    Fault finFault(InetSocketAddress local, InetSocketAddress remote) {
        if (finHooks.isEmpty()) {
            return null;
        }
        Fault fault = remote == null ? null : scripted(finHooks, remote);
        return fault != null || local == null ? fault : scripted(finHooks, local);
    }

    /**
     * Returns the fault script for the name lookups of {@code WskGetAddressInfo} (a host name, compared without
     * case and without a trailing dot) or {@code WskGetNameInfo} (an address literal, for example
     * {@code "10.0.0.2"}, for its reverse lookup), from any host. Without a fault a lookup is answered one
     * round trip later from the simulated hosts (see {@code docs/simulation.md}). Allowed faults:
     * <ul>
     * <li>{@link Fault.Answer}: that answer instead (a changed or stale record);</li>
     * <li>{@link Fault.FailWith}: the lookup fails with the status one round trip later (STATUS_NOT_FOUND: the
     *     name does not exist; another status: a server failure);</li>
     * <li>{@link Fault.BlackHole}: no answer; the lookup fails with STATUS_IO_TIMEOUT after
     *     {@link #RESOLVE_TIMEOUT};</li>
     * <li>{@link Fault.Delay}: the answer comes {@code delay} later, then {@code then} applies.</li>
     * </ul>
     *
     * @param name a host name or an address literal
     * @return the script (the same one for the same name)
     */
    public FaultScript onResolve(String name) {
        synchronized (lock) {
            String key = SimNameService.key(Objects.requireNonNull(name, "name"));
            for (Hook hook : resolveHooks) {
                if (hook.name.equals(key)) {
                    return new FaultScript(this, hook);
                }
            }
            Hook hook = new Hook("resolve " + key, HookKind.RESOLVE, null, -1);
            hook.name = key;
            resolveHooks.add(hook);
            return new FaultScript(this, hook);
        }
    }

    /** The fault for one lookup of {@code key}: a queued one first, else the standing one; null for none. */
    Fault resolveFault(String key) {
        for (Hook hook : resolveHooks) {
            if (hook.name.equals(key)) {
                return hook.queue.isEmpty() ? hook.standing : hook.queue.pollFirst();
            }
        }
        return null;
    }

    /** The host with this name, compared without case, or null (network lock held). */
    SimHost hostNamed(String name) {
        for (SimHost host : hosts.values()) {
            if (host.name.equalsIgnoreCase(name)) {
                return host;
            }
        }
        return null;
    }

    private static InetSocketAddress resolved(InetSocketAddress target) {
        if (target.isUnresolved()) {
            return new InetSocketAddress(literal(target.getHostString()), target.getPort());
        }
        return target;
    }

    private FaultScript script(List<Hook> hooks, HookKind kind, InetSocketAddress address,
                                            int port) {
        synchronized (lock) {
            for (Hook hook : hooks) {
                if (Objects.equals(hook.address, address) && hook.port == port) {
                    return new FaultScript(this, hook);
                }
            }
            String where = address == null ? "port " + port : hostString(address);
            Hook hook = new Hook(kind.label + " " + where, kind, address, port);
            hooks.add(hook);
            return new FaultScript(this, hook);
        }
    }

    /** Exact-address hooks first, then port hooks; queued faults before standing ones. */
    private Fault scripted(List<Hook> hooks, InetSocketAddress target) {
        // In one pass, the first matching hook of each rank: queued faults before standing ones, an exact address
        // before a wildcard; the best rank wins (what four passes in that order found).
        Hook exactQueued = null;
        Hook anyQueued = null;
        Hook exactStanding = null;
        Hook anyStanding = null;
        for (int i = 0, n = hooks.size(); i < n; i++) {
            Hook hook = hooks.get(i);
            if (!hook.matches(target)) {
                continue;
            }
            boolean exact = hook.address != null;
            if (!hook.queue.isEmpty()) {
                if (exact) {
                    exactQueued = hook;
                    break; // the first exact match with a queued fault: nothing ranks higher
                }
                anyQueued = anyQueued == null ? hook : anyQueued;
            }
            if (hook.standing != null) {
                if (exact) {
                    exactStanding = exactStanding == null ? hook : exactStanding;
                } else {
                    anyStanding = anyStanding == null ? hook : anyStanding;
                }
            }
        }
        Hook queued = exactQueued != null ? exactQueued : anyQueued;
        if (queued != null) {
            return chosen(queued.queue.pollFirst(), target);
        }
        Hook standing = exactStanding != null ? exactStanding : anyStanding;
        return standing == null ? null : chosen(standing.standing, target);
    }

    /** A {@link Fault.OneOf} resolved: the schedule's choice when exploring, else the first (network lock held). */
    private Fault chosen(Fault fault, InetSocketAddress target) {
        if (!(fault instanceof Fault.OneOf)) {
            return fault;
        }
        List<Fault> choices = ((Fault.OneOf) fault).choices();
        org.wsk4j.nt.Schedule schedule = executor.schedule();
        if (schedule == null) {
            return choices.get(0);
        }
        List<String> labels = new ArrayList<>(choices.size());
        choices.forEach(choice -> labels.add(choice.toString()));
        return choices.get(schedule.choose(org.wsk4j.nt.ChoiceKind.FAULT, "fault for " + hostString(target), labels));
    }

    /** The fault for the {@code index}th send (from 0) of a connection to {@code target}, or null (network lock held). */
    Fault sendFault(InetSocketAddress target, int index) {
        for (boolean exact : new boolean[] {true, false}) {
            for (Hook hook : sendHooks) {
                if ((hook.address != null) == exact && hook.matches(target)) {
                    Fault fault = hook.queued(index);
                    if (fault != null) {
                        return fault;
                    }
                }
            }
        }
        for (boolean exact : new boolean[] {true, false}) {
            for (Hook hook : sendHooks) {
                if ((hook.address != null) == exact && hook.matches(target) && hook.standing != null) {
                    return hook.standing;
                }
            }
        }
        return null;
    }

    /**
     * Returns the queued faults no attempt has consumed, in hook order (send hooks: the queued faults past
     * the furthest send any connection made).
     *
     * @return the unused faults (standing faults are not listed)
     */
    public List<UnusedFault> unusedFaults() {
        synchronized (lock) {
            List<UnusedFault> unused = new ArrayList<>();
            for (List<Hook> hooks : List.of(connectHooks, datagramHooks, sendHooks, acceptHooks, finHooks, resolveHooks)) {
                for (Hook hook : hooks) {
                    int i = 0;
                    for (Fault fault : hook.queue) {
                        if (hook.kind != HookKind.SEND || i++ >= hook.reached) {
                            unused.add(new UnusedFault(hook.description, fault));
                        }
                    }
                }
            }
            return unused;
        }
    }

    // ---- partitions ------------------------------------------------------------------------------------

    /** The key of one cut direction. */
    private static String direction(String from, String to) {
        return from + ">" + to;
    }

    /**
     * Cuts the network between two hosts, both ways, until {@link #heal(String, String)}: the same as
     * {@link #partitionOneWay(String, String)} in each direction. Logged as {@code partition a / b}.
     *
     * @param hostA a host
     * @param hostB another host
     * @return this network
     * @throws IllegalArgumentException when a host does not exist or both are the same
     */
    public SimNetwork partition(String hostA, String hostB) {
        synchronized (lock) {
            checkPair(hostA, hostB);
            boolean added = partitions.add(direction(hostA, hostB));
            added |= partitions.add(direction(hostB, hostA));
            if (added) {
                log("partition " + hostA + " / " + hostB);
                partitionsChanged();
            }
            return this;
        }
    }

    /**
     * Cuts the traffic from one host to another (not the other way) until {@link #healOneWay(String, String)}
     * or {@link #heal(String, String)}. Datagrams from {@code from} to {@code to} are dropped. TCP data and FINs
     * from {@code from} to {@code to} are held, in order (what follows a held segment waits behind it), and
     * retransmitted as Windows does: {@link #MIN_RTO} after they were held, then after twice that, and so on;
     * the first retransmission after the heal delivers everything held, in order. When
     * {@link #MAX_DATA_RETRANSMISSIONS} retransmissions go unanswered ({@link #RETRANSMISSION_TIMEOUT} after the
     * first held segment) the sending end fails with STATUS_CONNECTION_ABORTED, what was held is lost, and the
     * receiving end gets a RST (STATUS_CONNECTION_RESET) once the network heals. Only the data direction counts:
     * acknowledgements always get through (a cut {@code to → from} alone holds nothing). Connects, RSTs and
     * loopback traffic are not affected. Keep-alive probes need both directions: an idle connection with
     * SO_KEEPALIVE across any cut is dropped when its probes go unanswered (see {@link Config#keepAliveTime()}).
     * Logged as {@code partition from -> to}.
     *
     * @param from the sending host
     * @param to   the receiving host
     * @return this network
     * @throws IllegalArgumentException when a host does not exist or both are the same
     */
    public SimNetwork partitionOneWay(String from, String to) {
        synchronized (lock) {
            checkPair(from, to);
            if (partitions.add(direction(from, to))) {
                log("partition " + from + " -> " + to);
                partitionsChanged();
            }
            return this;
        }
    }

    private void checkPair(String hostA, String hostB) {
        host(hostA);
        host(hostB);
        if (hostA.equals(hostB)) {
            throw new IllegalArgumentException("a host cannot be partitioned from itself: " + hostA);
        }
    }

    /**
     * Ends the cuts between two hosts, both directions: traffic sent from now on is delivered, and what TCP
     * held is retransmitted (see {@link #partitionOneWay(String, String)}) unless its connection timed out.
     *
     * @param hostA a host
     * @param hostB the other host
     * @return this network
     */
    public SimNetwork heal(String hostA, String hostB) {
        synchronized (lock) {
            boolean removed = partitions.remove(direction(hostA, hostB));
            removed |= partitions.remove(direction(hostB, hostA));
            if (removed) {
                log("heal " + hostA + " / " + hostB);
                partitionsChanged();
            }
            return this;
        }
    }

    /**
     * Ends the cut from one host to another made by {@link #partitionOneWay(String, String)}.
     *
     * @param from the sending host
     * @param to   the receiving host
     * @return this network
     */
    public SimNetwork healOneWay(String from, String to) {
        synchronized (lock) {
            if (partitions.remove(direction(from, to))) {
                log("heal " + from + " -> " + to);
                partitionsChanged();
            }
            return this;
        }
    }

    /** Re-evaluates keep-alive timers and schedules the retransmission of held data (network lock held). */
    private void partitionsChanged() {
        for (SimConnection connection : new ArrayList<>(keepAlive)) {
            connection.armKeepAlive();
        }
        for (SimConnection connection : new ArrayList<>(holding)) {
            connection.scheduleRetransmission();
        }
    }

    /**
     * Holds the link from one host to another (turmoil's {@code hold}): everything that reaches {@code to} from
     * {@code from} — TCP data, FINs, datagrams — waits, in order, until {@link #release(String, String)}. Unlike a
     * partition a hold loses nothing and times nothing out: no retransmission timer runs for held TCP data, so a
     * test can park a segment, a FIN or a datagram for as long as it likes and choose the moment it arrives.
     * Connects and RSTs are not held. Logged as {@code hold from -> to}.
     *
     * @param from the sending host
     * @param to   the receiving host
     * @return this network
     * @throws IllegalArgumentException when a host does not exist or both are the same
     */
    public SimNetwork hold(String from, String to) {
        synchronized (lock) {
            checkPair(from, to);
            if (heldLinks.add(direction(from, to))) {
                log("hold " + from + " -> " + to);
            }
            return this;
        }
    }

    /**
     * Releases a link held by {@link #hold(String, String)}: what it held arrives now, in the order it was sent
     * (TCP data and FINs of each connection in stream order, datagrams in arrival order), unless a partition
     * still cuts the direction (TCP then waits for the next retransmission, datagrams are dropped).
     *
     * @param from the sending host
     * @param to   the receiving host
     * @return this network
     */
    public SimNetwork release(String from, String to) {
        synchronized (lock) {
            String key = direction(from, to);
            if (!heldLinks.remove(key)) {
                return this;
            }
            log("release " + from + " -> " + to);
            List<Runnable> datagrams = heldDatagrams.remove(key);
            if (datagrams != null) {
                for (Runnable datagram : datagrams) {
                    datagram.run();
                }
            }
            for (SimConnection connection : new ArrayList<>(holding)) {
                connection.linkReleased();
            }
            return this;
        }
    }

    /** Messages parked by {@link Fault.Hold}, in the order they were parked: description and release action. */
    private final List<Map.Entry<String, Runnable>> parked = new ArrayList<>();

    /** Parks a message until {@link #releaseParked()} (network lock held). */
    void park(String description, Runnable release) {
        parked.add(Map.entry(description, release));
        log("parked: " + description);
    }

    /**
     * Returns what {@link Fault.Hold} faults parked and is not released yet, in the order it was parked.
     *
     * @return one description per parked message (a TCP segment, a datagram, a SYN-ACK)
     */
    public List<String> parked() {
        synchronized (lock) {
            List<String> descriptions = new ArrayList<>();
            for (Map.Entry<String, Runnable> entry : parked) {
                descriptions.add(entry.getKey());
            }
            return descriptions;
        }
    }

    /**
     * Releases every message {@link Fault.Hold} faults parked, in the order they were parked: it arrives now
     * (a SYN-ACK completes its handshake now; a TCP segment is delivered with what waited behind it).
     *
     * @return how many were released
     */
    public int releaseParked() {
        synchronized (lock) {
            List<Map.Entry<String, Runnable>> released = new ArrayList<>(parked);
            parked.clear();
            for (Map.Entry<String, Runnable> entry : released) {
                log("release parked: " + entry.getKey());
                entry.getValue().run();
            }
            return released.size();
        }
    }

    /** Whether the link from {@code from} to {@code to} is held (network lock held). */
    boolean linkHeld(SimHost from, SimHost to) {
        return from != null && to != null && from != to && !heldLinks.isEmpty()
                && heldLinks.contains(direction(from.name, to.name));
    }

    /** Whether traffic between the two hosts is cut in either direction (network lock held). */
    boolean partitioned(SimHost a, SimHost b) {
        return blocked(a, b) || blocked(b, a);
    }

    /** Whether traffic from {@code from} to {@code to} is cut (network lock held). */
    boolean blocked(SimHost from, SimHost to) {
        if (from == null || to == null || from == to) {
            return false;
        }
        return from.silent() || to.silent()
                || !partitions.isEmpty() && partitions.contains(direction(from.name, to.name));
    }

    // ---- hosts crashing, restarting, pausing ------------------------------------------------------------

    /**
     * Crashes a host: every socket of every transport (subsystem) on it vanishes at once — bound ports are free,
     * nothing is sent (no FIN; with {@code resetPeers} its connections' peers get a RST, as when the host's stack
     * aborts them), no callback of those transports runs again, so their pending IRPs never complete (until the
     * subsystem is closed), and its pending name lookups are never answered. While down, the host neither sends
     * nor answers: connects to it time out (STATUS_IO_TIMEOUT after the connect timeout), TCP data to it is held
     * and times out (see {@link #partitionOneWay(String, String)}), datagrams to it are dropped; new sockets on it
     * fail with STATUS_DEVICE_NOT_READY. {@link #restart(String)} brings it back with no sockets: give it a
     * fresh subsystem ({@link #newSubsystem(String)}). Logged as {@code crash host}.
     *
     * @param hostName   the host
     * @param resetPeers whether the peers of its connections are reset (otherwise they see silence)
     * @return this network
     * @throws IllegalArgumentException when there is no such host
     */
    public SimNetwork crash(String hostName, boolean resetPeers) {
        synchronized (lock) {
            SimHost host = host(hostName);
            if (host.down) {
                return this;
            }
            host.down = true;
            log("crash " + hostName + (resetPeers ? " (peers reset)" : ""));
            for (SimTransport transport : new ArrayList<>(host.transports)) {
                transport.crash(resetPeers);
            }
            partitionsChanged();
            return this;
        }
    }

    /**
     * Restarts a crashed host: it answers again (on the same addresses, with no sockets: connects are refused
     * until something listens, and data or retransmissions for the connections it lost are answered with a RST,
     * STATUS_CONNECTION_RESET at the peer). The subsystems it had stay dead; create new ones. Logged as
     * {@code restart host}.
     *
     * @param hostName the host
     * @return this network
     */
    public SimNetwork restart(String hostName) {
        synchronized (lock) {
            SimHost host = host(hostName);
            if (host.down) {
                host.down = false;
                log("restart " + hostName);
                partitionsChanged();
            }
            return this;
        }
    }

    /**
     * Pauses a host's networking (a stalled machine, as seen from the network): until {@link #resume(String)}
     * nothing leaves or reaches it — its peers see a silent peer (TCP data held and retransmitted on the Windows
     * schedule, timing out after {@link #RETRANSMISSION_TIMEOUT}; datagrams dropped; connects to it time out),
     * while its sockets and subsystems stay. Its subsystems ({@link #newSubsystem(String)}) stop processing too: the
     * completions, event callbacks and timers they queue, and their transports' readiness and connect callbacks,
     * from the pause on wait, and {@link #resume(String)} runs
     * them in the order they were queued, before anything the host queues later (what was queued before the pause
     * still runs). Logged as {@code pause host}.
     *
     * @param hostName the host
     * @return this network
     */
    public SimNetwork pause(String hostName) {
        synchronized (lock) {
            SimHost host = host(hostName);
            if (!host.paused) {
                host.paused = true;
                host.executors.forEach(HostExecutor::paused);
                log("pause " + hostName);
                partitionsChanged();
            }
            return this;
        }
    }

    /**
     * Resumes a paused host: its subsystems' waiting completions run, in order; what the network held is delivered
     * at the next retransmission, unless it timed out.
     *
     * @param hostName the host
     * @return this network
     */
    public SimNetwork resume(String hostName) {
        synchronized (lock) {
            SimHost host = host(hostName);
            if (host.paused) {
                host.paused = false;
                host.executors.forEach(HostExecutor::resumed);
                log("resume " + hostName);
                partitionsChanged();
            }
            return this;
        }
    }

    // ---- resource faults ---------------------------------------------------------------------------------

    /**
     * Makes the given socket creations fail ({@code openConnection}, {@code openListener} and
     * {@code openDatagram} on any transport of this network throw STATUS_INSUFFICIENT_RESOURCES), counted
     * from 1 after this call; no argument clears the setting. Replaces a probability set earlier.
     *
     * @param calls creation numbers, for example {@code failSocketCreation(1, 3)}
     * @return this network
     */
    public SimNetwork failSocketCreation(long... calls) {
        synchronized (lock) {
            failCreationCalls = calls.clone();
            Arrays.sort(failCreationCalls);
            creationCalls = 0;
            failCreationProbability = 0;
            return this;
        }
    }

    /**
     * Makes each socket creation fail with a probability, drawn from the network's seeded socket-creation
     * stream. Replaces a call list set earlier.
     *
     * @param probability 0 (never) to 1 (always)
     * @return this network
     */
    public SimNetwork failSocketCreationWithProbability(double probability) {
        synchronized (lock) {
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("probability must be between 0 and 1: " + probability);
            }
            failCreationCalls = new long[0];
            failCreationProbability = probability;
            return this;
        }
    }

    void checkCreation(SimHost host, String kind) throws TransportException {
        synchronized (lock) {
            long call = ++creationCalls;
            boolean fail = Arrays.binarySearch(failCreationCalls, call) >= 0
                    || (failCreationProbability > 0 && socketCreationRandom.nextDouble() < failCreationProbability);
            if (fail) {
                log(host.name + " open " + kind + " failed: STATUS_INSUFFICIENT_RESOURCES");
                throw new TransportException(NtStatus.STATUS_INSUFFICIENT_RESOURCES, null);
            }
        }
    }

    EndpointId nextId(String prefix) {
        synchronized (lock) {
            return new EndpointId(prefix, ++endpointIds);
        }
    }

    /** An endpoint's name in the event log ("c12"), rendered only when a log line or a description needs it. */
    record EndpointId(String prefix, long number) {
        @Override
        public String toString() {
            return prefix + number;
        }
    }

    // ---- records -----------------------------------------------------------------------------------------

    /** A connect attempt while it is recorded (guarded by the network). */
    static final class AttemptState {
        final int index;
        final long time;
        final String host;
        final InetSocketAddress source;
        final InetSocketAddress destination;
        Fault fault;
        NtStatus status;
        long completedAt;

        AttemptState(int index, long time, String host, InetSocketAddress source, InetSocketAddress destination) {
            this.index = index;
            this.time = time;
            this.host = host;
            this.source = source;
            this.destination = destination;
        }

        ConnectAttempt snapshot() {
            return new ConnectAttempt(index, Duration.ofNanos(time), host, source, destination, fault, status,
                    status == null ? null : Duration.ofNanos(completedAt));
        }
    }

    /**
     * Returns every connect attempt so far, in the order they were made.
     *
     * @return snapshots of the attempts
     */
    public List<ConnectAttempt> attempts() {
        synchronized (lock) {
            List<ConnectAttempt> list = new ArrayList<>(attempts.size());
            for (AttemptState attempt : attempts) {
                list.add(attempt.snapshot());
            }
            return list;
        }
    }

    /**
     * Returns the event log: one line per network event, prefixed with its virtual time in nanoseconds. Two
     * runs with the same seed and the same test code give equal logs.
     *
     * @return a copy of the log
     */
    public List<String> eventLog() {
        synchronized (lock) {
            return List.copyOf(eventLog);
        }
    }

    /** Whether an event line would go anywhere (the event log or SLF4J debug): callers build it only then. */
    boolean logging() {
        return recording || LOG.isDebugEnabled();
    }

    void log(String event) {
        synchronized (lock) {
            if (!recording && !LOG.isDebugEnabled()) {
                return;
            }
            String line = "t=" + executor.nanoTime() + "ns " + event;
            if (recording) {
                eventLog.add(line);
            }
            LOG.debug("{}", line);
        }
    }

    /**
     * Turns the event log and the attempt record on (the default) or off. Both grow with every event; a long
     * run (a soak test, a benchmark) turns them off to keep memory flat. Faults, hooks and timing are unaffected.
     *
     * @param on whether to record
     * @return this network
     */
    public SimNetwork setRecording(boolean on) {
        synchronized (lock) {
            this.recording = on;
            return this;
        }
    }

    // ---- scheduling --------------------------------------------------------------------------------------

    /**
     * Arms a network timer: {@code task} runs in virtual time {@code delay} from now, holding the network's lock. The
     * lock is also the executor's, so the executor runs the task in the critical section in which it takes the timer
     * (one monitor section per timer fired, no wrapper per timer; arming one from under the lock re-enters it).
     */
    ScheduledTask after(Duration delay, Runnable task) {
        return org.wsk4j.internal.SimExecutorAccess.scheduleHoldingLock(executor, delay, task);
    }

    long now() {
        return executor.nanoTime();
    }

    Duration rtt() {
        return config.connectLatency.multipliedBy(2);
    }

    // ---- addresses ---------------------------------------------------------------------------------------

    static boolean familyMatches(int family, InetAddress address) {
        return family == AF_INET ? address instanceof Inet4Address : address instanceof Inet6Address;
    }

    /** The host an address leads to from {@code source}, or null when no host has it. */
    SimHost route(SimHost source, InetAddress destination) {
        if (destination.isLoopbackAddress()) {
            return source.hasFamily(destination instanceof Inet4Address ? AF_INET : AF_INET6) ? source : null;
        }
        return byAddress.get(destination);
    }

    /** The source address for a destination: loopback for loopback, else the host's first address of the family. */
    static InetAddress sourceAddress(SimHost host, InetAddress destination) {
        int family = destination instanceof Inet4Address ? AF_INET : AF_INET6;
        if (destination.isLoopbackAddress()) {
            return family == AF_INET ? LOOPBACK_V4 : LOOPBACK_V6; // parsed once, not per connect
        }
        InetAddress fallback = null;
        for (InetAddress address : host.addresses) {
            if (familyMatches(family, address)) {
                if (!address.isLoopbackAddress()) {
                    return address;
                }
                fallback = address;
            }
        }
        return fallback;
    }

    static String hostString(InetSocketAddress address) {
        if (address == null) {
            return "-";
        }
        String host = address.getAddress() == null ? address.getHostString() : address.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    // ---- TCP connect -------------------------------------------------------------------------------------

    /** Starts a connect (called by {@link SimConnection} with the network's lock held). */
    void startConnect(SimConnection client, InetSocketAddress destination, ConnectCallback callback) {
        SimHost host = client.transport.host;
        InetAddress source = sourceAddress(host, destination.getAddress());
        if (source != null && client.local.getAddress().isAnyLocalAddress()) {
            client.setLocal(new InetSocketAddress(source, client.local.getPort()));
        }
        AttemptState attempt = new AttemptState(++attemptCount, now(), host.name, client.local, destination);
        if (recording) {
            attempts.add(attempt);
        }
        client.attempt = attempt;
        client.callback = callback;
        client.connectTarget = destination;
        Fault fault = scripted(connectHooks, destination);
        if (fault == null && !deciders.isEmpty()) {
            ConnectAttempt view = attempt.snapshot();
            for (Function<ConnectAttempt, Fault> decider : deciders) {
                fault = decider.apply(view);
                if (fault != null) {
                    if (!fault.appliesToConnect()) {
                        throw new IllegalArgumentException("decider returned a datagram fault: " + fault);
                    }
                    break;
                }
            }
        }
        attempt.fault = fault;
        if (logging()) { // no event string built when nobody records or logs it
            log("connect#" + attempt.index + " " + client.id + " " + hostString(client.local) + " -> "
                    + hostString(destination) + (fault == null ? "" : " fault=" + fault));
        }
        if (source == null && fault == null) {
            finishConnectLater(client, Duration.ZERO, NtStatus.STATUS_NETWORK_UNREACHABLE); // no address of the family
            return;
        }
        applyConnectFault(client, fault);
    }

    private void applyConnectFault(SimConnection client, Fault fault) {
        if (fault instanceof Fault.Delay) {
            Fault.Delay delay = (Fault.Delay) fault;
            client.connectTimer = after(delay.delay(), () -> {
                if (client.state == SimConnection.State.CONNECTING) {
                    client.connectTimer = null;
                    applyConnectFault(client, delay.then());
                }
            });
        } else if (fault instanceof Fault.Refuse) {
            finishConnectLater(client, rtt(), NtStatus.STATUS_CONNECTION_REFUSED);
        } else if (fault instanceof Fault.BlackHole) {
            finishConnectLater(client, config.connectTimeout, NtStatus.STATUS_IO_TIMEOUT);
        } else if (fault instanceof Fault.Unreachable) {
            finishConnectLater(client, rtt(), ((Fault.Unreachable) fault).status());
        } else if (fault instanceof Fault.FailWith) {
            finishConnectLater(client, rtt(), ((Fault.FailWith) fault).status());
        } else {
            sendSyn(client, fault); // normal, Accept, ResetAfter, Abort, PartialSend
        }
    }

    private void sendSyn(SimConnection client, Fault fault) {
        SimHost target = route(client.transport.host, client.connectTarget.getAddress());
        client.sndNxt = client.isn();
        client.capture(PacketCapture.SYN, null, 0);
        if (fault == null && target != null && blocked(client.transport.host, target)
                && (target.silent() || client.transport.host.silent())) {
            finishConnectLater(client, config.connectTimeout, NtStatus.STATUS_IO_TIMEOUT); // nobody answers the SYN
            return;
        }
        if (target == null && fault == null) {
            finishConnectLater(client, rtt(), NtStatus.STATUS_HOST_UNREACHABLE);
            return;
        }
        client.connectTimer = after(config.connectLatency, () -> synArrived(client, target, fault));
    }

    private void synArrived(SimConnection client, SimHost target, Fault fault) {
        if (client.state != SimConnection.State.CONNECTING) {
            return;
        }
        client.connectTimer = null;
        InetSocketAddress destination = client.connectTarget;
        SimListener listener = target == null ? null : target.listenerFor(destination);
        SimConnection server;
        Fault acceptFault = null;
        if (listener != null && listener.queue.size() < listener.backlog && !client.acceptHookDone) {
            client.acceptHookDone = true;
            acceptFault = scripted(acceptHooks, destination);
            if (acceptFault != null) {
                if (logging()) { // no event string built when nobody records or logs it
                    log(listener.id + " syn from " + hostString(client.local) + " accept fault=" + acceptFault);
                }
                if (client.attempt.fault == null) {
                    client.attempt.fault = acceptFault;
                }
            }
        }
        if (acceptFault instanceof Fault.Delay) {
            Fault then = ((Fault.Delay) acceptFault).then();
            client.acceptFault = then;
            client.connectTimer = after(((Fault.Delay) acceptFault).delay(), () -> synArrived(client, target, fault));
            return;
        }
        if (acceptFault instanceof Fault.Hold) {
            park("SYN-ACK of connect#" + client.attempt.index, () -> synArrived(client, target, fault));
            return;
        }
        if (acceptFault == null && client.acceptFault != null) {
            acceptFault = client.acceptFault; // what a Delay deferred
        }
        client.acceptFault = null;
        if (acceptFault instanceof Fault.Refuse) {
            finishConnectLater(client, config.connectLatency, NtStatus.STATUS_CONNECTION_REFUSED);
            return;
        }
        if (acceptFault instanceof Fault.FailWith) {
            finishConnectLater(client, config.connectLatency, ((Fault.FailWith) acceptFault).status());
            return;
        }
        if (listener != null && listener.queue.size() < listener.backlog) {
            server = new SimConnection(this, listener.transport, client.family, nextId("c"), false);
            listener.queue.addLast(server);
            if (logging()) { // no event string built when nobody records or logs it
                log(listener.id + " syn from " + hostString(client.local) + " queued as " + server.id
                        + " (backlog " + listener.queue.size() + "/" + listener.backlog + ")");
            }
        } else if (fault != null) {
            server = new SimConnection(this, null, client.family, nextId("p"), true); // passive peer
            if (logging()) { // no event string built when nobody records or logs it
                log(server.id + " passive peer for " + hostString(destination));
            }
        } else {
            if (listener != null) {
                if (logging()) { // no event string built when nobody records or logs it
                    log(listener.id + " backlog full: refusing " + hostString(client.local));
                }
            }
            finishConnectLater(client, config.connectLatency, NtStatus.STATUS_CONNECTION_REFUSED);
            return;
        }
        server.setLocal(destination);
        server.remote = client.local;
        server.state = SimConnection.State.CONNECTED;
        SimConnection.Link link = new SimConnection.Link();
        server.link = link;
        client.link = link;
        server.peer = client;
        client.peer = server;
        server.sndNxt = server.isn();
        server.rcvNxt = client.sndNxt;
        server.capture(PacketCapture.SYN | PacketCapture.ACK, null, 0);
        if (listener != null && server.transport != null) {
            listener.poke();
        }
        boolean abortAfterHandshake = acceptFault instanceof Fault.Abort && listener != null && server.transport != null;
        client.connectTimer = after(config.connectLatency, () -> {
            established(client, fault);
            if (abortAfterHandshake && client.state == SimConnection.State.CONNECTED) {
                if (logging()) { // no event string built when nobody records or logs it
                    log(server.id + " reset right after the handshake (accept fault)");
                }
                server.fail(NtStatus.STATUS_CONNECTION_RESET);
                after(config.deliveryLatency, () -> client.fail(NtStatus.STATUS_CONNECTION_RESET));
            }
        });
    }

    private void established(SimConnection client, Fault fault) {
        if (client.state != SimConnection.State.CONNECTING) {
            return;
        }
        client.state = SimConnection.State.CONNECTED;
        client.remote = client.connectTarget;
        if (client.peer != null) {
            client.rcvNxt = client.peer.isn() + 1;
            client.capture(PacketCapture.ACK, null, 0);
        }
        client.lastActivity = now();
        client.armKeepAlive(); // SO_KEEPALIVE set before the connect, the peer already cut off
        if (fault instanceof Fault.PartialSend) {
            client.maxWrite = ((Fault.PartialSend) fault).maxBytesPerWrite();
        } else if (fault instanceof Fault.ResetAfter) {
            client.link.resetAfter = ((Fault.ResetAfter) fault).bytes();
        }
        finishConnect(client, NtStatus.STATUS_SUCCESS);
        if (fault instanceof Fault.Abort) {
            if (logging()) { // no event string built when nobody records or logs it
                log(client.id + " aborted by the network");
            }
            client.fail(NtStatus.STATUS_CONNECTION_ABORTED);
            SimConnection peer = client.peer;
            after(config.deliveryLatency, () -> peer.fail(NtStatus.STATUS_CONNECTION_RESET));
        } else {
            client.link.checkReset(this, client);
        }
        client.poke();
    }

    private void finishConnectLater(SimConnection client, Duration delay, NtStatus status) {
        client.connectTimer = after(delay, () -> {
            if (client.state == SimConnection.State.CONNECTING) {
                finishConnect(client, status);
            }
        });
    }

    /** Reports a connect outcome (network lock held); the callback runs as a task, outside the network's lock. */
    void finishConnect(SimConnection client, NtStatus status) {
        client.connectTimer = null;
        AttemptState attempt = client.attempt;
        attempt.status = status;
        attempt.completedAt = now();
        if (status != NtStatus.STATUS_SUCCESS) {
            client.state = SimConnection.State.FAILED;
            if (status == NtStatus.STATUS_CONNECTION_REFUSED && capture != null && client.local != null) {
                capture.tcp(now(), client.connectTarget, client.local, 0, client.sndNxt,
                        PacketCapture.RST | PacketCapture.ACK, null, 0, 0);
            }
        }
        if (logging()) { // no event string built when nobody records or logs it
            log("connect#" + attempt.index + " " + client.id + " " + status.name());
        }
        ConnectCallback callback = client.callback;
        client.callback = null;
        if (callback != null) {
            client.transport.callbacks.execute(() -> callback.connectCompleted(status, null));
        }
    }

    /** The endpoint closed while connecting (network lock held). */
    void connectCancelled(SimConnection client) {
        if (client.connectTimer != null) {
            client.connectTimer.cancel();
            client.connectTimer = null;
        }
        client.callback = null;
        AttemptState attempt = client.attempt;
        if (attempt != null && attempt.status == null) {
            attempt.status = NtStatus.STATUS_CANCELLED;
            attempt.completedAt = now();
            if (logging()) { // no event string built when nobody records or logs it
                log("connect#" + attempt.index + " " + client.id + " cancelled by close");
            }
        }
    }

    // ---- UDP ---------------------------------------------------------------------------------------------

    /** Sends a datagram (network lock held). */
    void sendDatagram(SimDatagram sender, byte[] payload, InetSocketAddress target) throws TransportException {
        SimHost host = sender.transport.host;
        InetAddress sourceAddress = sender.local.getAddress();
        if (sourceAddress.isAnyLocalAddress()) {
            sourceAddress = sourceAddress(host, target.getAddress());
            if (sourceAddress == null) {
                if (logging()) { // no event string built when nobody records or logs it
                    log(sender.id + " datagram to " + hostString(target) + ": STATUS_NETWORK_UNREACHABLE");
                }
                throw new TransportException(NtStatus.STATUS_NETWORK_UNREACHABLE, null);
            }
        }
        InetSocketAddress source = new InetSocketAddress(sourceAddress, sender.local.getPort());
        Fault fault = scripted(datagramHooks, target);
        Duration delay = config.deliveryLatency;
        if (fault instanceof Fault.Delay) {
            delay = delay.plus(((Fault.Delay) fault).delay());
            fault = ((Fault.Delay) fault).then();
        }
        // The event line, built only when it is logged or names a parked datagram
        String what = logging() || fault instanceof Fault.Hold
                ? sender.id + " datagram " + payload.length + "B " + hostString(source) + " -> " + hostString(target)
                : null;
        if (fault instanceof Fault.FailWith) {
            if (what != null) {
                log(what + " failed: " + ((Fault.FailWith) fault).status().name());
            }
            throw new TransportException(((Fault.FailWith) fault).status(), null);
        }
        if (fault instanceof Fault.Hold) {
            log(what + " parked (scripted)");
            SimHost destination = route(host, target.getAddress());
            park(what, () -> arriveDatagram(host, destination, source, target, payload));
            return;
        }
        if (fault instanceof Fault.DropDatagram) {
            if (what != null) {
                log(what + " dropped (scripted)");
            }
            return;
        }
        if (what != null) {
            log(what);
        }
        if (capture != null) {
            capture.udp(now(), source, target, payload);
        }
        delay = delay.plus(sender.serialize(payload.length));
        SimHost destination = route(host, target.getAddress());
        LinkProfile profile = linkProfile(host, destination);
        if (profile == null) {
            after(delay, () -> arriveDatagram(host, destination, source, target, payload));
            return;
        }
        if (profile.loss() > 0 && linkRandom.nextDouble() < profile.loss()) {
            if (logging()) { // no event string built when nobody records or logs it
                log(sender.id + " datagram lost on link " + host.name + " -> " + destination.name);
            }
            return;
        }
        int copies = profile.duplicate() > 0 && linkRandom.nextDouble() < profile.duplicate() ? 2 : 1;
        Duration beforeLatency = delay.minus(config.deliveryLatency);
        for (int copy = 0; copy < copies; copy++) {
            long latency = sampleLatency(profile);
            if (profile.reorder() > 0 && linkRandom.nextDouble() < profile.reorder()) {
                latency += profile.reorderDelay().toNanos();
                if (logging()) { // no event string built when nobody records or logs it
                    log(sender.id + " datagram held back " + profile.reorderDelay().toMillis() + " ms (reordered)");
                }
            }
            if (copy == 1) {
                if (logging()) { // no event string built when nobody records or logs it
                    log(sender.id + " datagram duplicated on link " + host.name + " -> " + destination.name);
                }
            }
            after(beforeLatency.plusNanos(latency), () -> arriveDatagram(host, destination, source, target, payload));
        }
    }

    // ---- packet capture ----------------------------------------------------------------------------------

    /** The running capture, or null (guarded by this). */
    PacketCapture capture;

    /**
     * Starts capturing the network's traffic as packets (see {@link PacketCapture}); replaces a running capture.
     *
     * @return the capture, filled as the simulation sends
     */
    public PacketCapture startCapture() {
        synchronized (lock) {
            capture = new PacketCapture();
            return capture;
        }
    }

    /**
     * Stops the running capture, if any; it keeps what it recorded.
     *
     * @return the capture that was running, or null
     */
    public PacketCapture stopCapture() {
        synchronized (lock) {
            PacketCapture stopped = capture;
            capture = null;
            return stopped;
        }
    }

    // ---- link conditions ---------------------------------------------------------------------------------

    /**
     * Sets the conditions of the direction from one host to another: its latency distribution (TCP segments and
     * datagrams; TCP stays in order) and, for datagrams, loss, duplication and reordering. Draws come from the
     * network's seeded link stream. Without a profile (the default) a direction has {@link Config#deliveryLatency()}
     * and no datagram faults, and draws nothing.
     *
     * @param from    the sending host
     * @param to      the receiving host
     * @param profile the conditions, or null to restore the default
     * @return this network
     * @throws IllegalArgumentException when a host does not exist or both are the same
     */
    public SimNetwork setLink(String from, String to, LinkProfile profile) {
        synchronized (lock) {
            checkPair(from, to);
            if (profile == null) {
                links.remove(direction(from, to));
            } else {
                links.put(direction(from, to), profile);
            }
            log("link " + from + " -> " + to + " " + (profile == null ? "default" : profile));
            return this;
        }
    }

    /** The profile of the direction, or null for the default (network lock held). */
    LinkProfile linkProfile(SimHost from, SimHost to) {
        return links.isEmpty() || from == null || to == null ? null : links.get(direction(from.name, to.name));
    }

    /** One latency draw of a profile, in ns (network lock held). */
    long sampleLatency(LinkProfile profile) {
        if (profile.latency() == null) {
            return config.deliveryLatency.toNanos();
        }
        long drawn = profile.latency().sampleNanos(linkRandom);
        org.wsk4j.nt.Schedule schedule = executor.schedule();
        if (schedule == null) {
            return drawn;
        }
        // Exploring: the drawn latency, or one of the distribution's bounds (a tail capped as LongTail caps it).
        long[] bounds = latencyBounds(profile.latency());
        if (bounds == null) {
            return drawn;
        }
        int pick = schedule.choose(org.wsk4j.nt.ChoiceKind.TIMING, "link latency " + profile.latency(),
                List.of("drawn " + drawn + "ns", "lowest " + bounds[0] + "ns", "highest " + bounds[1] + "ns"));
        return pick == 0 ? drawn : bounds[pick - 1];
    }

    /** The lowest and highest latency a distribution gives, or null when it has one value. */
    private static long[] latencyBounds(Latency latency) {
        if (latency instanceof Latency.Uniform uniform) {
            return new long[] {uniform.min().toNanos(), uniform.max().toNanos() - 1};
        } else if (latency instanceof Latency.Exponential exponential) {
            return exponential.mean().isZero() ? null
                    : new long[] {exponential.base().toNanos(), exponential.base().toNanos() + 5 * exponential.mean().toNanos()};
        } else if (latency instanceof Latency.LongTail tail) {
            return new long[] {tail.scale().toNanos(), tail.scale().toNanos() * 1000};
        }
        return null;
    }

    /** A datagram reaches its destination host (network lock held): dropped, held by the link, or delivered. */
    private void arriveDatagram(SimHost host, SimHost destination, InetSocketAddress source, InetSocketAddress target,
                                byte[] payload) {
        if (blocked(host, destination)) {
            if (logging()) { // no event string built when nobody records or logs it
                log("datagram to " + hostString(target) + " dropped: " + (host.silent() || destination.silent()
                        ? "host down" : "partition " + host.name + " / " + destination.name));
            }
            return;
        }
        if (linkHeld(host, destination)) {
            heldDatagrams.computeIfAbsent(direction(host.name, destination.name), key -> new ArrayList<>())
                    .add(() -> arriveDatagram(host, destination, source, target, payload));
            if (logging()) { // no event string built when nobody records or logs it
                log("datagram to " + hostString(target) + " held on link " + host.name + " -> " + destination.name);
            }
            return;
        }
        SimDatagram receiver = destination == null ? null : destination.datagramFor(target);
        if (receiver == null) {
            if (logging()) { // no event string built when nobody records or logs it
                log("datagram to " + hostString(target) + " dropped: nobody bound there");
            }
        } else {
            receiver.deliver(source, payload);
        }
    }
}
