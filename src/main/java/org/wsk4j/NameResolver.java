package org.wsk4j;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.spi.NameService;

/**
 * Name resolution for WskGetAddressInfo and WskGetNameInfo: the resolver threads of one subsystem and the
 * pure conversion functions they run.
 *
 * <p>Resolution (possibly a blocking DNS query) never runs on the caller's thread nor on a completion
 * thread: it runs on up to two daemon threads per subsystem, created on first use, idle ones ending after
 * 30 seconds, all stopped by {@link #close()} (tasks not yet started are then abandoned).
 *
 * <p>Choices (documented in docs/mapping.md): numeric hosts and ports never touch DNS; "localhost" is
 * answered internally (::1 and 127.0.0.1, as Windows does); names in the {@code .invalid} TLD fail at once
 * with STATUS_NOT_FOUND (RFC 2606 reserves it so that it never resolves); service names come from the
 * built-in table {@link #SERVICES}; ai_canonname is the node name as given (Java has no CNAME query).
 */
final class NameResolver {

    private static final Logger LOG = LoggerFactory.getLogger(NameResolver.class);

    /** The built-in service table (the subset of the Windows services file wsk4j knows), name to port. */
    static final Map<String, Integer> SERVICES;

    static {
        Map<String, Integer> services = new LinkedHashMap<>();
        services.put("ftp", 21);
        services.put("ssh", 22);
        services.put("smtp", 25);
        services.put("domain", 53);
        services.put("http", 80);
        services.put("https", 443);
        SERVICES = Collections.unmodifiableMap(services);
    }

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("([0-9A-Fa-f:.]+)(?:%([0-9A-Za-z_.-]+))?");

    /** A unit of work for a resolver thread. */
    abstract static class Task implements Runnable {
        /** Called instead of {@link #run()} when the task never started because the resolver closed. */
        abstract void abandon();
    }

    private final String name;
    private final AtomicInteger threadIds = new AtomicInteger();
    // Guarded by this.
    private ThreadPoolExecutor executor;
    private boolean closed;
    private volatile Thread lastThread;

    NameResolver(String subsystemName) {
        this.name = subsystemName + "-resolver";
    }

    /**
     * Runs {@code task} on a resolver thread.
     *
     * @return false when the resolver is closed (the task will never run)
     */
    boolean submit(Task task) {
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (executor == null) {
                ThreadFactory factory = runnable -> {
                    Thread thread = new Thread(runnable, name + "-" + threadIds.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                };
                executor = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory) {
                    @Override
                    protected void beforeExecute(Thread thread, Runnable runnable) {
                        lastThread = thread;
                    }
                };
                executor.allowCoreThreadTimeOut(true);
            }
            try {
                executor.execute(task);
                return true;
            } catch (RejectedExecutionException e) {
                return false;
            }
        }
    }

    /** The thread that started the most recent task, or null; for tests. */
    Thread lastThread() {
        return lastThread;
    }

    /** Stops the resolver threads; tasks not yet started are abandoned. Idempotent. */
    void close() {
        List<Runnable> abandoned;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            abandoned = executor == null ? List.of() : executor.shutdownNow();
        }
        for (Runnable task : abandoned) {
            ((Task) task).abandon();
        }
        LOG.debug("{} closed, {} resolutions abandoned", name, abandoned.size());
    }

    // ---- WskGetAddressInfo ------------------------------------------------------------------------

    /** The outcome of a resolution: a status and, on success, the result. */
    record Outcome<T>(NtStatus status, T value) {
        static <T> Outcome<T> failed(NtStatus status) {
            return new Outcome<>(status, null);
        }
    }

    /**
     * Resolves a node and service like GetAddrInfoW, blocking on the JVM's resolver (DNS) for a name that
     * needs a lookup. The arguments were validated by the caller.
     */
    static Outcome<AddrInfoExW> resolveAddress(String node, String service, AddrInfoExW hints) {
        String lookup = lookupName(node, service, hints);
        return resolveAddress(node, service, hints, lookup == null ? null : lookupHost(lookup));
    }

    /**
     * The host name WskGetAddressInfo must look up, or null when the answer needs no lookup: no node, a
     * numeric host, "localhost", a {@code .invalid} name, AI_NUMERICHOST, or a service that does not resolve.
     */
    static String lookupName(String node, String service, AddrInfoExW hints) {
        int flags = hints == null ? 0 : hints.flags();
        if (node == null || node.isEmpty() || servicePort(service, flags) == null
                || (flags & Wsk.AI_NUMERICHOST) != 0) {
            return null;
        }
        try {
            if (parseNumeric(node) != null) {
                return null;
            }
        } catch (UnknownHostException e) {
            return null; // looks numeric but is malformed: not found, without a lookup
        }
        String lower = node.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".")) {
            lower = lower.substring(0, lower.length() - 1);
        }
        if (lower.equals("invalid") || lower.endsWith(".invalid") || lower.equals("localhost")) {
            return null;
        }
        return node;
    }

    /** Forward lookup with the JVM's resolver (blocking, possibly DNS). */
    static NameService.Answer lookupHost(String name) {
        try {
            return new NameService.Answer(NtStatus.STATUS_SUCCESS, null, List.of(InetAddress.getAllByName(name)));
        } catch (UnknownHostException | SecurityException e) {
            LOG.debug("{} does not resolve: {}", name, e.toString());
            return NameService.Answer.failed(NtStatus.STATUS_NOT_FOUND);
        }
    }

    /**
     * Resolves a node and service like GetAddrInfoW, given the answer of the lookup of
     * {@link #lookupName(String, String, AddrInfoExW)} (null when that was null). Never blocks.
     */
    static Outcome<AddrInfoExW> resolveAddress(String node, String service, AddrInfoExW hints,
                                               NameService.Answer looked) {
        int flags = hints == null ? 0 : hints.flags();
        int family = hints == null ? Wsk.AF_UNSPEC : hints.family();
        Integer port = servicePort(service, flags);
        if (port == null) {
            return Outcome.failed(NtStatus.STATUS_NOT_FOUND);
        }
        List<InetAddress> addresses = new ArrayList<>();
        String canonName = null;
        if (node == null || node.isEmpty()) {
            boolean passive = (flags & Wsk.AI_PASSIVE) != 0;
            addresses.add(passive ? ipv6(new byte[16], 0) : ipv6Loopback());
            addresses.add(ipv4(passive ? new byte[4] : new byte[] {127, 0, 0, 1}));
        } else if (looked != null) {
            if (looked.status() != NtStatus.STATUS_SUCCESS) {
                return Outcome.failed(looked.status());
            }
            addresses.addAll(looked.addresses());
            canonName = looked.name() != null ? looked.name() : node;
        } else {
            InetAddress numeric;
            try {
                numeric = parseNumeric(node);
            } catch (UnknownHostException e) {
                return Outcome.failed(NtStatus.STATUS_NOT_FOUND); // looks numeric but is malformed
            }
            String lower = node.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".")) {
                lower = lower.substring(0, lower.length() - 1);
            }
            if (numeric != null) {
                addresses.add(numeric);
                canonName = node;
            } else if ((flags & Wsk.AI_NUMERICHOST) == 0 && lower.equals("localhost")) {
                addresses.add(ipv6Loopback());
                addresses.add(ipv4(new byte[] {127, 0, 0, 1}));
                canonName = "localhost";
            } else {
                // AI_NUMERICHOST with a name, or a name in the .invalid TLD (RFC 2606: never resolves)
                return Outcome.failed(NtStatus.STATUS_NOT_FOUND);
            }
        }
        addresses.removeIf(address -> family == Wsk.AF_INET && !(address instanceof Inet4Address)
                || family == Wsk.AF_INET6 && !(address instanceof Inet6Address));
        if (addresses.isEmpty()) {
            return Outcome.failed(NtStatus.STATUS_NOT_FOUND);
        }
        int sockType = hints == null ? 0 : hints.sockType();
        int protocol = hints == null ? 0 : hints.protocol();
        AddrInfoExW list = null;
        for (int i = addresses.size() - 1; i >= 0; i--) {
            InetAddress address = addresses.get(i);
            SockAddr addr = address instanceof Inet4Address
                    ? new SockAddrIn((Inet4Address) address, port)
                    : new SockAddrIn6((Inet6Address) address, port, 0, ((Inet6Address) address).getScopeId());
            String canon = i == 0 && (flags & Wsk.AI_CANONNAME) != 0 ? canonName : null;
            list = new AddrInfoExW(0, addr.family(), sockType, protocol, canon, addr, list);
        }
        return new Outcome<>(NtStatus.STATUS_SUCCESS, list);
    }

    /** The port of a service: empty is 0, digits are a port, else a name from the table; null when unknown. */
    static Integer servicePort(String service, int flags) {
        if (service == null || service.isEmpty()) {
            return 0;
        }
        if (service.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (service.length() > 5) {
                return null;
            }
            int port = Integer.parseInt(service);
            return port <= 0xFFFF ? port : null;
        }
        if ((flags & Wsk.AI_NUMERICSERV) != 0) {
            return null;
        }
        return SERVICES.get(service.toLowerCase(Locale.ROOT));
    }

    /**
     * Parses a numeric host without any lookup: a dotted-quad IPv4 address or an IPv6 literal (with an
     * optional numeric {@code %scope}).
     *
     * @return the address, or null when {@code node} is not numeric (a host name)
     * @throws UnknownHostException when {@code node} can only be an IPv6 literal (it has a ':') but is malformed
     */
    static InetAddress parseNumeric(String node) throws UnknownHostException {
        Matcher v4 = IPV4.matcher(node);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int part = Integer.parseInt(v4.group(i + 1));
                if (part > 255) {
                    return null;
                }
                bytes[i] = (byte) part;
            }
            return ipv4(bytes);
        }
        if (node.indexOf(':') < 0) {
            return null;
        }
        // A host name never contains ':': from here on, the node is an IPv6 literal or malformed.
        Matcher v6 = IPV6.matcher(node);
        if (!v6.matches()) {
            throw new UnknownHostException("malformed IPv6 literal: " + node);
        }
        int scope = 0;
        if (v6.group(2) != null) {
            try {
                scope = Integer.parseInt(v6.group(2));
            } catch (NumberFormatException e) {
                throw new UnknownHostException("only numeric scope ids are supported: " + node);
            }
        }
        // Only hex digits, ':' and '.': InetAddress parses this as a literal and never queries DNS.
        InetAddress parsed = InetAddress.getByName(v6.group(1));
        byte[] bytes = parsed.getAddress();
        if (bytes.length == 4) { // Java turns an IPv4-mapped literal into IPv4; Windows keeps it IPv6
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xFF;
            mapped[11] = (byte) 0xFF;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        return ipv6(bytes, scope);
    }

    // ---- WskGetNameInfo ---------------------------------------------------------------------------

    /** The numeric text of an address, as Windows formats it (IPv6 compressed per RFC 5952, "%scope"). */
    static String numericHost(SockAddr addr) {
        if (addr instanceof SockAddrIn6) {
            SockAddrIn6 v6 = (SockAddrIn6) addr;
            String text = formatIpv6(v6.address().getAddress());
            return v6.scopeId() != 0 ? text + "%" + Integer.toUnsignedString(v6.scopeId()) : text;
        }
        return addr.address().getHostAddress();
    }

    /** The service text of a port: the number with NI_NUMERICSERV or when not in the table, else its name. */
    static String serviceText(int port, int flags) {
        if ((flags & Wsk.NI_NUMERICSERV) == 0) {
            for (Map.Entry<String, Integer> entry : SERVICES.entrySet()) {
                if (entry.getValue() == port) {
                    return entry.getKey();
                }
            }
        }
        return Integer.toString(port);
    }

    /**
     * Reverse lookup (blocking, the JVM's resolver): the host name of an address, the numeric text when none
     * is found, or null when none is found and NI_NAMEREQD is set.
     */
    static String reverseLookup(SockAddr addr, int flags) {
        InetAddress address = addr.address();
        String name = address.getCanonicalHostName();
        boolean none = name == null || name.isEmpty() || name.equals(address.getHostAddress());
        return reverseResult(addr, flags, none ? NameService.Answer.failed(NtStatus.STATUS_NOT_FOUND)
                : new NameService.Answer(NtStatus.STATUS_SUCCESS, name, List.of()));
    }

    /**
     * The host text of a reverse lookup's answer: the name (NI_NOFQDN keeps its first label); after a failed
     * lookup the numeric text, or null when NI_NAMEREQD is set (the IRP then fails with the answer's status).
     */
    static String reverseResult(SockAddr addr, int flags, NameService.Answer answer) {
        String name = answer.name();
        if (answer.status() != NtStatus.STATUS_SUCCESS || name == null || name.isEmpty()) {
            return (flags & Wsk.NI_NAMEREQD) != 0 ? null : numericHost(addr);
        }
        if ((flags & Wsk.NI_NOFQDN) != 0 && name.indexOf('.') > 0) {
            name = name.substring(0, name.indexOf('.'));
        }
        return name;
    }

    static String formatIpv6(byte[] bytes) {
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= bytes[i] == 0;
        }
        if (mapped && bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF) {
            return "::ffff:" + (bytes[12] & 0xFF) + "." + (bytes[13] & 0xFF) + "." + (bytes[14] & 0xFF) + "."
                    + (bytes[15] & 0xFF);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xFF) << 8) | (bytes[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1; // RFC 5952: a single zero group is not compressed
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static Inet4Address ipv4(byte[] bytes) {
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static Inet6Address ipv6Loopback() {
        byte[] bytes = new byte[16];
        bytes[15] = 1;
        return ipv6(bytes, 0);
    }

    private static Inet6Address ipv6(byte[] bytes, int scope) {
        try {
            return scope != 0 ? Inet6Address.getByAddress(null, bytes, scope)
                    : Inet6Address.getByAddress(null, bytes, (NetworkInterface) null);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
