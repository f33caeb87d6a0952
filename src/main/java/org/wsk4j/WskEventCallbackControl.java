package org.wsk4j;

import java.util.UUID;

/**
 * {@code WSK_EVENT_CALLBACK_CONTROL}: which event callbacks to enable, the input of
 * {@code WskControlClient(WSK_SET_STATIC_EVENT_CALLBACKS)} (and of {@code SO_WSK_EVENT_CALLBACK}).
 *
 * <pre>{@code
 * WskEventCallbackControl control = new WskEventCallbackControl(NPI_WSK_INTERFACE_ID, WSK_EVENT_ACCEPT);
 * status = dispatch.wskControlClient(client, WSK_SET_STATIC_EVENT_CALLBACKS, WskEventCallbackControl.SIZE,
 *         control, 0, null, null, null);
 * }</pre>
 *
 * @param npiId     {@code NpiId}: must be {@link Wsk#NPI_WSK_INTERFACE_ID}
 * @param eventMask {@code EventMask}: an OR of {@code WSK_EVENT_*} flags; with SO_WSK_EVENT_CALLBACK, one
 *                  flag with {@link Wsk#WSK_EVENT_DISABLE} disables that event
 */
public record WskEventCallbackControl(UUID npiId, int eventMask) {

    /**
     * {@code sizeof(WSK_EVENT_CALLBACK_CONTROL)} on x64: 16 bytes (a PNPIID pointer and a ULONG, padded).
     * The InputSize passed with this structure must be at least this.
     */
    public static final int SIZE = 16;
}
