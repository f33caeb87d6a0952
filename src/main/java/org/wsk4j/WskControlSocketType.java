package org.wsk4j;

/** {@code WSK_CONTROL_SOCKET_TYPE}: the kind of request of WskControlSocket. */
public enum WskControlSocketType {
    /** {@code WskSetOption} (0). */
    WskSetOption,
    /** {@code WskGetOption} (1). */
    WskGetOption,
    /** {@code WskIoctl} (2). */
    WskIoctl
}
