package org.wsk4j;

/**
 * The WSK functions the provider implements, each constant named exactly as the C function (so one grep for a C name
 * finds its constant, its dispatch-table member and its implementation). The provider keys its WSK-level checks by
 * these constants (see {@code SocketDispatchTables.prepare}), never by comparing strings, and marks the IRPs a
 * function accepted with its constant (in the IRP's DriverContext, which belongs to WSK while it owns the IRP), so an
 * IRP's {@code toString()} names the function it is pending in.
 */
enum WskFunction {
    // WSK_PROVIDER_DISPATCH (client level)
    WskSocket, WskSocketConnect, WskControlClient, WskGetAddressInfo, WskFreeAddressInfo, WskGetNameInfo,
    // WSK_PROVIDER_BASIC_DISPATCH, shared by every category
    WskControlSocket, WskCloseSocket,
    // the categories' functions
    WskBind(true), WskConnect, WskGetLocalAddress, WskGetRemoteAddress, WskSend, WskReceive, WskDisconnect, WskRelease,
    WskConnectEx, WskSendEx, WskReceiveEx, WskListen, WskAccept, WskInspectComplete, WskSendTo, WskReceiveFrom,
    WskSendMessages;

    /**
     * Whether a failure found after the function accepted its IRP is reported as on Windows for WskBind: STATUS_PENDING
     * returned and the IRP completed later with the failure. Otherwise the IRP is completed inline and the failure
     * returned. {@link Completions#failure} is the one place that reads it; docs/mapping.md has the table and its
     * evidence.
     */
    final boolean failurePends;

    WskFunction() {
        this(false);
    }

    WskFunction(boolean failurePends) {
        this.failurePends = failurePends;
    }
}
