package org.wsk4j;

import org.wsk4j.nt.Mdl;

/**
 * {@code WSK_BUF}: a byte range over an MDL chain: {@code length} bytes starting {@code offset} bytes into
 * the first MDL.
 *
 * <p>{@code mdl} may be null only when {@code length} is 0. The range must lie within the chain; a WSK
 * function rejects a longer description (never truncates it silently).
 *
 * @param mdl    the first MDL of the chain, or null for an empty buffer
 * @param offset the offset into the first MDL, within it
 * @param length the number of bytes, across the chain
 */
public record WskBuf(Mdl mdl, int offset, long length) {
}
