package org.wsk4j.nt;

/** {@code Zw*} routines: closing kernel handles. */
public final class Zw {

    private Zw() {
    }

    /**
     * {@code ZwClose}: closes a handle. Closing a thread's handle does not stop the thread. PASSIVE_LEVEL.
     *
     * @param handle an open handle
     * @return STATUS_SUCCESS; STATUS_INVALID_HANDLE (and a {@link VerifierRule#OBJECT_REFERENCE_INVALID} report) for a
     *         handle that is not open
     */
    public static NtStatus close(Handle handle) {
        IoManager manager = IoManager.current();
        Ke.requirePassiveLevel("ZwClose");
        if (!manager.kernel().closeHandle(handle)) {
            manager.verifier().report(VerifierRule.OBJECT_REFERENCE_INVALID, "ZwClose(" + handle + "): not an open handle",
                    null);
            return NtStatus.STATUS_INVALID_HANDLE;
        }
        return NtStatus.STATUS_SUCCESS;
    }
}
