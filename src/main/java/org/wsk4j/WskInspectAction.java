package org.wsk4j;

/** {@code WSK_INSPECT_ACTION}: the decision of WskInspectEvent or WskInspectComplete. */
public enum WskInspectAction {
    /** {@code WskInspectReject} (0): drop the request. */
    WskInspectReject,
    /** {@code WskInspectAccept} (1): let the connection proceed. */
    WskInspectAccept,
    /** {@code WskInspectPend} (2): decide later with WskInspectComplete. */
    WskInspectPend
}
