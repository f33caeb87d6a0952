package org.wsk4j;

/**
 * {@code WSK_CLIENT} (PWSK_CLIENT): the opaque binding between one registration and the WSK subsystem,
 * passed as the first argument of every {@link WskProviderDispatch} function. Obtained from
 * {@link WskProviderNpi#client()}.
 *
 * <p>Thread safety: immutable handle; may be used from any thread.
 */
public final class WskClient {

    final WskRegistration registration;
    private final long id;

    WskClient(WskRegistration registration, long id) {
        this.registration = registration;
        this.id = id;
    }

    @Override
    public String toString() {
        return "WSK_CLIENT#" + id;
    }
}
