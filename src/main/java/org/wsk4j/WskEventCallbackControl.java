package org.wsk4j;

import java.util.UUID;

/**
 * {@code WSK_EVENT_CALLBACK_CONTROL}: the input of {@code SO_WSK_EVENT_CALLBACK} (WskControlSocket) and
 * {@code WSK_SET_STATIC_EVENT_CALLBACKS} (WskControlClient).
 *
 * @param npiId     {@code NpiId}: must be {@link Wsk#NPI_WSK_INTERFACE_ID}
 * @param eventMask {@code EventMask}: {@code WSK_EVENT_*} flags, optionally with {@link Wsk#WSK_EVENT_DISABLE}
 */
public record WskEventCallbackControl(UUID npiId, int eventMask) {

    /** {@code sizeof(WSK_EVENT_CALLBACK_CONTROL)} on x64: a pointer and a ULONG, padded. */
    public static final int SIZE = 16;
}
