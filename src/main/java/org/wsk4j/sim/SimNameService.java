package org.wsk4j.sim;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.wsk4j.nt.NtStatus;
import org.wsk4j.nt.ScheduledTask;
import org.wsk4j.spi.NameService;

/**
 * The name service of one simulated host's transport: answers the lookups of WskGetAddressInfo and
 * WskGetNameInfo from the network's hosts, in virtual time, with no thread and no DNS query.
 *
 * <p>A forward lookup of a host's name (without case, trailing dot ignored) answers with the host's addresses
 * other than loopback, in the order they were added, and the host's name as canonical name; a reverse lookup
 * answers with the name of the host that has the address (a loopback address: the asking host). Anything else
 * is STATUS_NOT_FOUND. The answer arrives one round trip ({@code 2 × connectLatency}) after the query, unless
 * a {@link SimNetwork#onResolve(String)} fault says otherwise. The answer is decided when the query is made.
 *
 * <p>Threading: the lookups take the network's lock to decide; the answer is a task on the network's
 * executor that calls back without holding the network's lock. Lookups still pending when the transport closes are
 * answered STATUS_CANCELLED at once.
 */
final class SimNameService implements NameService {

    private final SimNetwork network;
    private final SimTransport transport;
    /** Lookups not answered yet, in query order (guarded by the network). */
    private final List<Lookup> pending = new ArrayList<>();

    private final class Lookup implements Runnable {
        final String key;
        final Answer answer;
        final Consumer<Answer> done;
        ScheduledTask timer;

        Lookup(String key, Answer answer, Consumer<Answer> done) {
            this.key = key;
            this.answer = answer;
            this.done = done;
        }

        @Override
        public void run() {
            synchronized (network.lock) {
                if (transport.crashed || !pending.remove(this)) {
                    return; // the host crashed (answered CANCELLED when its transport closes), or abandoned
                }
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(transport.host.name + " resolve " + key + " answered " + describe(answer));
                }
            }
            done.accept(answer);
        }
    }

    SimNameService(SimNetwork network, SimTransport transport) {
        this.network = network;
        this.transport = transport;
    }

    /** The hook key of a name or address literal: lower case, without a trailing dot. */
    static String key(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }

    /** Whether a fault can be applied to a lookup (the Delay's own {@code then} is checked separately). */
    static boolean fits(Fault fault) {
        return fault == null || fault instanceof Fault.Answer || fault instanceof Fault.FailWith
                || fault instanceof Fault.BlackHole || fault instanceof Fault.Delay;
    }

    @Override
    public void lookupHost(String hostName, Consumer<Answer> done) {
        String key = key(hostName);
        synchronized (network.lock) {
            SimHost host = network.hostNamed(key);
            Answer normal = Answer.failed(NtStatus.STATUS_NOT_FOUND);
            if (host != null) {
                List<InetAddress> addresses = new ArrayList<>();
                for (InetAddress address : host.addresses) {
                    if (!address.isLoopbackAddress()) {
                        addresses.add(address);
                    }
                }
                normal = addresses.isEmpty() ? normal : new Answer(NtStatus.STATUS_SUCCESS, host.name, addresses);
            }
            start(key, normal, done, false);
        }
    }

    @Override
    public void lookupAddress(InetAddress address, Consumer<Answer> done) {
        String key = key(address.getHostAddress());
        synchronized (network.lock) {
            SimHost host = network.route(transport.host, address);
            Answer normal = host == null ? Answer.failed(NtStatus.STATUS_NOT_FOUND)
                    : new Answer(NtStatus.STATUS_SUCCESS, host.name, List.of());
            start(key, normal, done, true);
        }
    }

    /** Applies the lookup's fault and schedules the answer (network lock held). */
    private void start(String key, Answer normal, Consumer<Answer> done, boolean reverse) {
        Fault fault = network.resolveFault(key);
        Duration after = network.rtt();
        Fault effective = fault;
        if (effective instanceof Fault.Delay) {
            after = after.plus(((Fault.Delay) effective).delay());
            effective = ((Fault.Delay) effective).then();
        }
        Answer answer = normal;
        if (effective instanceof Fault.FailWith) {
            answer = Answer.failed(((Fault.FailWith) effective).status());
        } else if (effective instanceof Fault.BlackHole) {
            after = after.minus(network.rtt()).plus(SimNetwork.RESOLVE_TIMEOUT);
            answer = Answer.failed(NtStatus.STATUS_IO_TIMEOUT);
        } else if (effective instanceof Fault.Answer) {
            Fault.Answer scripted = (Fault.Answer) effective;
            if (reverse) {
                answer = scripted.name() == null ? Answer.failed(NtStatus.STATUS_NOT_FOUND)
                        : new Answer(NtStatus.STATUS_SUCCESS, scripted.name(), List.of());
            } else {
                answer = scripted.addresses().isEmpty() ? Answer.failed(NtStatus.STATUS_NOT_FOUND)
                        : new Answer(NtStatus.STATUS_SUCCESS, scripted.name(), scripted.addresses());
            }
        }
        if (network.logging()) { // no event string built when nobody records or logs it
            network.log(transport.host.name + " resolve " + key + (reverse ? " (reverse)" : "")
                    + (fault == null ? "" : " fault=" + fault));
        }
        Lookup lookup = new Lookup(key, answer, done);
        pending.add(lookup);
        lookup.timer = network.executor().schedule(after, lookup);
    }

    /** Answers the pending lookups STATUS_CANCELLED (the transport closed); call without the network's lock. */
    void abandon() {
        List<Lookup> abandoned;
        synchronized (network.lock) {
            abandoned = new ArrayList<>(pending);
            pending.clear();
            for (Lookup lookup : abandoned) {
                lookup.timer.cancel();
                if (network.logging()) { // no event string built when nobody records or logs it
                    network.log(transport.host.name + " resolve " + lookup.key + " abandoned");
                }
            }
        }
        for (Lookup lookup : abandoned) {
            lookup.done.accept(Answer.failed(NtStatus.STATUS_CANCELLED));
        }
    }

    private static String describe(Answer answer) {
        if (answer.status() != NtStatus.STATUS_SUCCESS) {
            return answer.status().toString();
        }
        return answer.addresses().isEmpty() ? answer.name() : answer.addresses().toString();
    }
}
