package org.wsk4j;

import java.util.UUID;

/**
 * {@code WSK_TRANSPORT}: one transport the WSK subsystem offers, as returned by
 * {@code WskControlClient(WSK_TRANSPORT_LIST_QUERY)}.
 *
 * <p>wsk4j offers four transports, in this order: (AF_INET, SOCK_STREAM, IPPROTO_TCP),
 * (AF_INET, SOCK_DGRAM, IPPROTO_UDP), (AF_INET6, SOCK_STREAM, IPPROTO_TCP), (AF_INET6, SOCK_DGRAM,
 * IPPROTO_UDP), all with version 0x0100 and the provider id {@link #WSK4J_PROVIDER_ID}.
 *
 * @param version       {@code Version}: the transport's WSK version, for example 0x0100
 * @param socketType    {@code SocketType}: {@link Wsk#SOCK_STREAM} or {@link Wsk#SOCK_DGRAM}
 * @param protocol      {@code Protocol}: {@link Wsk#IPPROTO_TCP} or {@link Wsk#IPPROTO_UDP}
 * @param addressFamily {@code AddressFamily}: {@link Wsk#AF_INET} or {@link Wsk#AF_INET6}
 * @param providerId    {@code ProviderId}: the GUID of the transport provider
 */
public record WskTransport(int version, int socketType, int protocol, int addressFamily, UUID providerId) {

    /**
     * {@code sizeof(WSK_TRANSPORT)} on x64: 24 bytes (USHORT Version, USHORT SocketType, ULONG Protocol,
     * ADDRESS_FAMILY AddressFamily padded to 8, GUID ProviderId). The byte sizes of
     * {@code WSK_TRANSPORT_LIST_QUERY} (OutputSize, {@code *OutputSizeReturned}, {@code IoStatus.Information})
     * count each entry as this many bytes.
     */
    public static final int SIZE = 24;

    /** The {@code ProviderId} wsk4j reports for all its transports (a fixed, wsk4j-specific GUID). */
    public static final UUID WSK4J_PROVIDER_ID = UUID.fromString("7773B4A0-4A6B-4C3E-9A1D-0000000000E4");
}
