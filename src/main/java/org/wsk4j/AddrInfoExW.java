package org.wsk4j;

/**
 * {@code ADDRINFOEXW}: one entry of a name-resolution result, linked through {@link #next()}; also the
 * hints of WskGetAddressInfo.
 *
 * @param flags     {@code ai_flags}
 * @param family    {@code ai_family}
 * @param sockType  {@code ai_socktype}
 * @param protocol  {@code ai_protocol}
 * @param canonName {@code ai_canonname}, or null
 * @param addr      {@code ai_addr} (its length is {@link SockAddr#length()}), or null in hints
 * @param next      {@code ai_next}, or null
 */
public record AddrInfoExW(int flags, int family, int sockType, int protocol, String canonName, SockAddr addr,
                          AddrInfoExW next) {
}
