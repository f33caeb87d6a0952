package org.wsk4j.sim;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.wsk4j.nt.NtStatus;

/**
 * What the simulated network does with one connect attempt or one datagram: the fault vocabulary of
 * {@link SimNetwork}. Faults are attached to hook points with {@link SimNetwork#onConnect(int)},
 * {@link SimNetwork#onDatagram(int)} and their overloads, queued per address with
 * {@link SimNetwork#script(java.net.InetSocketAddress, Fault...)}, or chosen by a function
 * ({@link SimNetwork#onConnect(java.util.function.Function)}).
 *
 * <p>Connect faults: {@link Accept}, {@link Refuse}, {@link BlackHole}, {@link Unreachable}, {@link ResetAfter},
 * {@link Abort}, {@link Delay}, {@link PartialSend}, {@link FailWith}. Datagram faults: {@link Accept},
 * {@link DropDatagram}, {@link Delay}, {@link FailWith}, {@link Hold}. Send faults ({@link SimNetwork#onSend(int)}):
 * {@link ResetAfter}, {@link Abort}, {@link PartialSend}, {@link Delay}, {@link FailWith}, {@link Hold}. Accept
 * faults ({@link SimNetwork#onAccept(int)}): {@link Abort}, {@link Delay}, {@link Refuse}, {@link FailWith},
 * {@link Hold}. FIN faults ({@link SimNetwork#onFin(int)}): {@link Hold}, {@link Delay}. Name
 * resolution faults ({@link SimNetwork#onResolve(String)}): {@link Answer}, {@link BlackHole}, {@link Delay},
 * {@link FailWith}. See
 * {@code docs/simulation.md} for the status each one produces and when.
 */
public sealed interface Fault permits Fault.Accept, Fault.Refuse, Fault.BlackHole, Fault.Unreachable,
        Fault.ResetAfter, Fault.Abort, Fault.Delay, Fault.PartialSend, Fault.DropDatagram, Fault.FailWith,
        Fault.Answer, Fault.Hold, Fault.OneOf {

    /**
     * Whether this fault can be applied to a TCP connect attempt.
     *
     * @return true for connect faults
     */
    default boolean appliesToConnect() {
        return true;
    }

    /**
     * Whether this fault can be applied to a UDP datagram.
     *
     * @return true for datagram faults
     */
    default boolean appliesToDatagram() {
        return false;
    }

    /**
     * The connection is established, whether or not anything listens (without a listener a passive peer
     * takes the connection: it discards what it receives, never sends, and answers a FIN with a FIN). For a
     * datagram: delivered normally.
     */
    record Accept() implements Fault {
        @Override
        public boolean appliesToDatagram() {
            return true;
        }
    }

    /** The connect is answered with a RST: STATUS_CONNECTION_REFUSED after one round trip. */
    record Refuse() implements Fault {
    }

    /**
     * The connect is never answered: STATUS_IO_TIMEOUT after the connect timeout (21 s by default). A name
     * lookup is never answered: STATUS_IO_TIMEOUT after {@link SimNetwork#RESOLVE_TIMEOUT}.
     */
    record BlackHole() implements Fault {
    }

    /**
     * A router reports the destination unreachable: the given status after one round trip.
     *
     * @param status STATUS_HOST_UNREACHABLE or STATUS_NETWORK_UNREACHABLE
     */
    record Unreachable(NtStatus status) implements Fault {
        /**
         * Validates the status.
         *
         * @param status STATUS_HOST_UNREACHABLE or STATUS_NETWORK_UNREACHABLE
         */
        public Unreachable {
            if (status != NtStatus.STATUS_HOST_UNREACHABLE && status != NtStatus.STATUS_NETWORK_UNREACHABLE) {
                throw new IllegalArgumentException("not an unreachable status: " + status);
            }
        }
    }

    /**
     * The connection is established, and reset (STATUS_CONNECTION_RESET at both ends) once {@code bytes}
     * bytes, counted in both directions, have been delivered; bytes beyond the limit are lost.
     *
     * @param bytes the bytes let through; 0 resets right after the connect completes
     */
    record ResetAfter(long bytes) implements Fault {
        /**
         * Validates the count.
         *
         * @param bytes not negative
         */
        public ResetAfter {
            if (bytes < 0) {
                throw new IllegalArgumentException("bytes must not be negative: " + bytes);
            }
        }
    }

    /**
     * The connect succeeds and the connection is aborted at once, as after a retransmission timeout: the
     * connecting side's next send or receive fails with STATUS_CONNECTION_ABORTED (the accepting side, if any,
     * sees STATUS_CONNECTION_RESET).
     */
    record Abort() implements Fault {
    }

    /**
     * Adds virtual delay before {@code then} applies (null: the network's normal behaviour).
     *
     * @param delay the extra delay, not negative
     * @param then  the fault to apply after the delay, or null for normal behaviour
     */
    record Delay(Duration delay, Fault then) implements Fault {
        /**
         * Validates the delay.
         *
         * @param delay the extra delay, not negative
         * @param then  the fault to apply after the delay, or null
         */
        public Delay {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("negative delay: " + delay);
            }
            if (then instanceof Delay) {
                throw new IllegalArgumentException("nested Delay: add the durations instead");
            }
        }

        /**
         * A delay followed by the network's normal behaviour.
         *
         * @param delay the extra delay
         */
        public Delay(Duration delay) {
            this(delay, null);
        }

        @Override
        public boolean appliesToConnect() {
            return then == null || then.appliesToConnect();
        }

        @Override
        public boolean appliesToDatagram() {
            return then == null || then.appliesToDatagram();
        }
    }

    /**
     * The connection is established, and each transport write on the connecting side takes at most
     * {@code maxBytesPerWrite} bytes, so sends go out in several partial writes.
     *
     * @param maxBytesPerWrite at least 1
     */
    record PartialSend(int maxBytesPerWrite) implements Fault {
        /**
         * Validates the size.
         *
         * @param maxBytesPerWrite at least 1
         */
        public PartialSend {
            if (maxBytesPerWrite < 1) {
                throw new IllegalArgumentException("maxBytesPerWrite must be at least 1: " + maxBytesPerWrite);
            }
        }
    }

    /** The datagram is lost silently. */
    record DropDatagram() implements Fault {
        @Override
        public boolean appliesToConnect() {
            return false;
        }

        @Override
        public boolean appliesToDatagram() {
            return true;
        }
    }

    /**
     * The connect fails with the given status after one round trip; a datagram send fails at once with it.
     *
     * @param status any failure status (not STATUS_SUCCESS, not STATUS_PENDING)
     */
    record FailWith(NtStatus status) implements Fault {
        /**
         * Validates the status.
         *
         * @param status a failure status
         */
        public FailWith {
            Objects.requireNonNull(status, "status");
            if (status == NtStatus.STATUS_SUCCESS || status == NtStatus.STATUS_PENDING) {
                throw new IllegalArgumentException("not a failure: " + status);
            }
        }

        @Override
        public boolean appliesToDatagram() {
            return true;
        }
    }

    /**
     * A name lookup ({@link SimNetwork#onResolve(String)}) is answered with these addresses (a forward lookup)
     * or this name (a reverse lookup) instead of what the simulated hosts say, one round trip later: a changed
     * or a stale answer. Only for resolve hooks.
     *
     * @param name      the canonical name of a forward lookup (null: the name asked), the host name of a
     *                  reverse lookup (null: not found)
     * @param addresses the addresses of a forward lookup (empty: not found)
     */
    record Answer(String name, List<InetAddress> addresses) implements Fault {
        /**
         * Copies the addresses.
         *
         * @param name      the name, or null
         * @param addresses the addresses
         */
        public Answer {
            addresses = List.copyOf(addresses);
        }

        @Override
        public boolean appliesToConnect() {
            return false;
        }
    }

    /**
     * The message is parked until {@link SimNetwork#releaseParked()} (turmoil's hold, for one message): a send's
     * data segment (and, TCP keeping order, whatever follows it on that connection) waits at the receiver; a
     * datagram waits; an accept's SYN-ACK waits, so the connect completes only at the release; a FIN waits, so the
     * peer sees end of stream only at the release. Nothing is lost and nothing times out while parked. For send,
     * accept, FIN and datagram hooks.
     */
    record Hold() implements Fault {
        @Override
        public boolean appliesToConnect() {
            return false;
        }

        @Override
        public boolean appliesToDatagram() {
            return true;
        }
    }

    /**
     * One of several faults, chosen when an attempt uses it: by the schedule when the test explores schedules (a
     * {@link org.wsk4j.nt.ChoiceKind#FAULT} decision), else the first. "This connect is refused, times out or
     * succeeds": {@code Fault.oneOf(Fault.refuse(), Fault.blackHole(), Fault.accept())}. For connect and datagram
     * hooks (each choice must apply to the hook); choices are not themselves {@code OneOf}.
     *
     * @param choices the faults, at least two
     */
    record OneOf(List<Fault> choices) implements Fault {
        /**
         * Validates and copies.
         *
         * @param choices at least two faults, none a {@code OneOf}
         */
        public OneOf {
            choices = List.copyOf(choices);
            if (choices.size() < 2 || choices.stream().anyMatch(c -> c instanceof OneOf)) {
                throw new IllegalArgumentException("oneOf needs at least two faults, none a oneOf: " + choices);
            }
        }

        @Override
        public boolean appliesToConnect() {
            return choices.stream().allMatch(Fault::appliesToConnect);
        }

        @Override
        public boolean appliesToDatagram() {
            return choices.stream().allMatch(Fault::appliesToDatagram);
        }
    }

    /**
     * Returns {@link OneOf}.
     *
     * @param choices the faults, at least two
     * @return the fault
     */
    static Fault oneOf(Fault... choices) {
        return new OneOf(List.of(choices));
    }

    /**
     * Returns {@link Hold}.
     *
     * @return the fault
     */
    static Fault hold() {
        return new Hold();
    }

    /**
     * Returns an {@link Answer} for a forward lookup: these addresses.
     *
     * @param literals IPv4 and IPv6 literals
     * @return the fault
     * @throws IllegalArgumentException when one is not a literal
     */
    static Fault answer(String... literals) {
        List<InetAddress> addresses = new ArrayList<>();
        for (String literal : literals) {
            addresses.add(SimNetwork.literal(literal));
        }
        return new Answer(null, addresses);
    }

    /**
     * Returns an {@link Answer} for a reverse lookup: this host name.
     *
     * @param hostName the name
     * @return the fault
     */
    static Fault answerName(String hostName) {
        return new Answer(Objects.requireNonNull(hostName, "hostName"), List.of());
    }

    /**
     * Returns {@link Accept}.
     *
     * @return the fault
     */
    static Fault accept() {
        return new Accept();
    }

    /**
     * Returns {@link Refuse}.
     *
     * @return the fault
     */
    static Fault refuse() {
        return new Refuse();
    }

    /**
     * Returns {@link BlackHole}.
     *
     * @return the fault
     */
    static Fault blackHole() {
        return new BlackHole();
    }

    /**
     * Returns {@link Unreachable} with STATUS_HOST_UNREACHABLE.
     *
     * @return the fault
     */
    static Fault hostUnreachable() {
        return new Unreachable(NtStatus.STATUS_HOST_UNREACHABLE);
    }

    /**
     * Returns {@link Unreachable} with STATUS_NETWORK_UNREACHABLE.
     *
     * @return the fault
     */
    static Fault networkUnreachable() {
        return new Unreachable(NtStatus.STATUS_NETWORK_UNREACHABLE);
    }

    /**
     * Returns {@link ResetAfter}.
     *
     * @param bytes the bytes let through
     * @return the fault
     */
    static Fault resetAfter(long bytes) {
        return new ResetAfter(bytes);
    }

    /**
     * Returns {@link Abort}.
     *
     * @return the fault
     */
    static Fault abort() {
        return new Abort();
    }

    /**
     * Returns {@link Delay} followed by normal behaviour.
     *
     * @param delay the extra delay
     * @return the fault
     */
    static Fault delay(Duration delay) {
        return new Delay(delay);
    }

    /**
     * Returns {@link Delay} followed by {@code then}.
     *
     * @param delay the extra delay
     * @param then  what happens after it
     * @return the fault
     */
    static Fault delay(Duration delay, Fault then) {
        return new Delay(delay, then);
    }

    /**
     * Returns {@link PartialSend}.
     *
     * @param maxBytesPerWrite the most bytes one write takes
     * @return the fault
     */
    static Fault partialSend(int maxBytesPerWrite) {
        return new PartialSend(maxBytesPerWrite);
    }

    /**
     * Returns {@link DropDatagram}.
     *
     * @return the fault
     */
    static Fault dropDatagram() {
        return new DropDatagram();
    }

    /**
     * Returns {@link FailWith}.
     *
     * @param status the failure
     * @return the fault
     */
    static Fault failWith(NtStatus status) {
        return new FailWith(status);
    }
}
