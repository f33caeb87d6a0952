package org.wsk4j;

/**
 * {@code WSK_SOCKET}: a socket object. Its only visible member is {@link #dispatch()}, the provider
 * dispatch table of its category, which the client casts as in C:
 *
 * <pre>{@code
 * WskProviderConnectionDispatch dispatch = (WskProviderConnectionDispatch) socket.dispatch();
 * }</pre>
 *
 * <p>Sockets are created by WskSocket, WskSocketConnect and WskAccept (and handed to WskAcceptEvent) and
 * freed by the WSK subsystem when WskCloseSocket completes; using one after calling WskCloseSocket is a
 * verifier violation. Thread safety: the provider functions may be called from any thread.
 */
public abstract class WskSocket {

    WskSocket() {
    }

    /**
     * {@code Socket->Dispatch}: the provider dispatch table of this socket's category:
     * {@link WskProviderBasicDispatch}, {@link WskProviderListenDispatch}, {@link WskProviderDatagramDispatch},
     * {@link WskProviderConnectionDispatch} or {@link WskProviderStreamDispatch}.
     *
     * @return the table; never null
     */
    public abstract WskProviderBasicDispatch dispatch();
}
