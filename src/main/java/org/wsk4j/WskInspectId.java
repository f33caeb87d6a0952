package org.wsk4j;

/**
 * {@code WSK_INSPECT_ID}: identifies a connection request on a conditional-accept listener; compared by
 * contents, not identity.
 *
 * @param key          {@code Key}
 * @param serialNumber {@code SerialNumber}
 */
public record WskInspectId(long key, int serialNumber) {
}
