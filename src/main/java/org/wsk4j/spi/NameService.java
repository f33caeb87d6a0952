package org.wsk4j.spi;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.wsk4j.nt.NtStatus;

/**
 * The host-name lookups behind {@code WskGetAddressInfo} and {@code WskGetNameInfo}, supplied by a transport
 * that resolves names itself (the simulated network answers from its hosts, in virtual time).
 *
 * <p>The provider keeps every WSK rule (argument validation, numeric hosts, {@code "localhost"}, the
 * {@code .invalid} TLD, service names, hints, the result list, IRP pending, cancellation and completion);
 * it asks the name service only for what needs a lookup: the addresses of a host name, or the name of an
 * address. A transport without a name service ({@link Transport#nameService()} returns null) leaves these
 * lookups to the provider's resolver threads (the JVM's resolver, possibly DNS).
 *
 * <p>Threading: the provider calls the lookups at PASSIVE_LEVEL from the driver's thread, without holding any
 * lock. The service calls {@code done} exactly once, later (never inline), from the thread that drives it,
 * holding no lock of its own. The provider ignores an answer that arrives after the IRP was cancelled.
 */
public interface NameService {

    /**
     * Looks up the addresses of a host name.
     *
     * @param hostName the name as the driver gave it (not numeric, not {@code "localhost"})
     * @param done     receives the answer: STATUS_SUCCESS with the addresses (both families, in preference
     *                 order) and optionally a canonical name, or a failure status
     */
    void lookupHost(String hostName, Consumer<Answer> done);

    /**
     * Looks up the host name of an address (a reverse lookup).
     *
     * @param address the address
     * @param done    receives the answer: STATUS_SUCCESS with the name, or a failure status
     */
    void lookupAddress(InetAddress address, Consumer<Answer> done);

    /**
     * The answer of a lookup.
     *
     * @param status    STATUS_SUCCESS, or why the lookup failed (STATUS_NOT_FOUND: the name or address is not
     *                  known; anything else: the lookup itself failed, for example STATUS_IO_TIMEOUT)
     * @param name      the canonical name (forward lookup; null: the name asked) or the host name (reverse
     *                  lookup); null on failure
     * @param addresses the addresses (forward lookup), empty otherwise
     */
    record Answer(NtStatus status, String name, List<InetAddress> addresses) {

        /**
         * Validates and copies.
         *
         * @param status    the status
         * @param name      the name, or null
         * @param addresses the addresses
         */
        public Answer {
            Objects.requireNonNull(status, "status");
            addresses = List.copyOf(addresses);
        }

        /**
         * A failed lookup.
         *
         * @param status why it failed
         * @return the answer
         */
        public static Answer failed(NtStatus status) {
            return new Answer(status, null, List.of());
        }
    }
}
