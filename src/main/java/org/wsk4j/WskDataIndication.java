package org.wsk4j;

/**
 * {@code WSK_DATA_INDICATION}: one piece of received stream data handed to WskReceiveEvent, linked to the
 * next through {@link #next()}.
 *
 * <p>The WSK subsystem owns the buffers. If the callback returns STATUS_PENDING, the whole list is
 * retained by the client until it is given back with WskRelease.
 *
 * @param next   the next indication, or null
 * @param buffer the data
 */
public record WskDataIndication(WskDataIndication next, WskBuf buffer) {
}
