package org.wsk4j.nt;

/**
 * {@code HANDLE}: a kernel handle, such as the thread handle {@link Ps#createSystemThread} returns. Close it with
 * {@link Zw#close}; get the object behind it with {@link Ob#referenceObjectByHandle}. Handles are values: two
 * handles with the same number are equal.
 *
 * @param value the handle's number
 */
public record Handle(long value) {

    @Override
    public String toString() {
        return "HANDLE(0x" + Long.toHexString(value) + ")";
    }
}
