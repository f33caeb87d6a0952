package org.wsk4j;

/**
 * {@code WSK_DATAGRAM_INDICATION}: one received datagram handed to WskReceiveFromEvent, linked to the next.
 *
 * @param next          the next indication, or null
 * @param buffer        the datagram
 * @param controlInfo   the control data (CMSGHDR bytes), or null
 * @param remoteAddress the sender
 */
public record WskDatagramIndication(WskDatagramIndication next, WskBuf buffer, byte[] controlInfo,
                                    SockAddr remoteAddress) {
}
