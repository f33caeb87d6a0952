package org.wsk4j;

/**
 * {@code WSK_BUF_LIST}: a singly linked list of buffers, one datagram each, for WskSendMessages.
 *
 * @param next   the next element, or null
 * @param buffer this element's buffer
 */
public record WskBufList(WskBufList next, WskBuf buffer) {
}
