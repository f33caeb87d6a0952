package org.wsk4j;

/**
 * {@code WSK_PROVIDER_NPI}: filled by {@code WskCaptureProviderNPI} with the client handle and the provider
 * dispatch table.
 *
 * <pre>{@code
 * WskProviderNpi npi = new WskProviderNpi();
 * if (wskCaptureProviderNpi(registration, WSK_INFINITE_WAIT, npi) == STATUS_SUCCESS) {
 *     npi.dispatch().wskSocket(npi.client(), AF_INET, SOCK_STREAM, IPPROTO_TCP, WSK_FLAG_CONNECTION_SOCKET,
 *             context, dispatch, null, null, null, irp);
 * }
 * }</pre>
 *
 * <p>Thread safety: filled before the capture returns; safe to read from any thread afterwards.
 */
public final class WskProviderNpi {

    private volatile WskClient client;
    private volatile WskProviderDispatch dispatch;

    /** Creates an empty NPI to pass to the capture. */
    public WskProviderNpi() {
    }

    /**
     * {@code Client}.
     *
     * @return the client handle, or null before a successful capture
     */
    public WskClient client() {
        return client;
    }

    /**
     * {@code Dispatch}.
     *
     * @return the provider dispatch table, or null before a successful capture
     */
    public WskProviderDispatch dispatch() {
        return dispatch;
    }

    void fill(WskClient client, WskProviderDispatch dispatch) {
        this.client = client;
        this.dispatch = dispatch;
    }

    @Override
    public String toString() {
        return "WSK_PROVIDER_NPI[" + client + "]";
    }
}
