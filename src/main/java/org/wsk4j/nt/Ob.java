package org.wsk4j.nt;

/**
 * Object manager routines ({@code Ob*}): references to thread objects.
 *
 * <p>A thread object starts with two references: its handle's and the running thread's own. {@link Zw#close} drops the
 * handle's, the end of the thread its own; {@link #referenceObjectByHandle} adds one that {@link #dereferenceObject}
 * drops. When none is left the object is freed: waiting on it afterwards is a {@link VerifierRule#WAIT_OBJECT_INVALID}
 * report.
 */
public final class Ob {

    private Ob() {
    }

    /**
     * {@code ObReferenceObjectByHandle}: the object behind an open handle, with one more reference. PASSIVE_LEVEL.
     *
     * @param handle            an open handle
     * @param desiredAccess     the access wanted (not checked)
     * @param objectType        the expected type ({@link Ps#PsThreadType}), or null for any
     * @param accessMode        {@code KernelMode}
     * @param object            receives the object ({@code PVOID *Object})
     * @param handleInformation not modelled, pass null
     * @return STATUS_SUCCESS; STATUS_INVALID_HANDLE for a handle that is not open (a
     *         {@link VerifierRule#OBJECT_REFERENCE_INVALID} report); STATUS_OBJECT_TYPE_MISMATCH for another type;
     *         STATUS_INVALID_PARAMETER for a null {@code object}
     */
    public static NtStatus referenceObjectByHandle(Handle handle, int desiredAccess, ObjectType objectType,
                                                   KProcessorMode accessMode, Out<Object> object,
                                                   Object handleInformation) {
        IoManager manager = IoManager.current();
        if (object == null) {
            manager.verifier().report(VerifierRule.INVALID_ARGUMENT, "ObReferenceObjectByHandle with a NULL Object", null);
            return NtStatus.STATUS_INVALID_PARAMETER;
        }
        if (objectType != null && objectType != Ps.PsThreadType) {
            return NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        }
        KThread thread = manager.kernel().lookupHandle(handle);
        if (thread == null) {
            manager.verifier().report(VerifierRule.OBJECT_REFERENCE_INVALID, "ObReferenceObjectByHandle(" + handle
                    + "): not an open handle (bug check 0xC4, 0x3C)", null);
            return NtStatus.STATUS_INVALID_HANDLE;
        }
        synchronized (Dispatcher.LOCK) {
            thread.references++;
        }
        object.set(thread);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * {@code ObDereferenceObject}: drops one reference. At most DISPATCH_LEVEL.
     *
     * @param object a thread object
     * @throws VerifierError when the object has no reference left or is not an object
     *                       ({@link VerifierRule#OBJECT_REFERENCE_INVALID}, bug check 0xC4, 0x3F) in FAIL mode
     */
    public static void dereferenceObject(Object object) {
        if (!(object instanceof KThread thread)) {
            IoManager.current().verifier().report(VerifierRule.OBJECT_REFERENCE_INVALID, "ObDereferenceObject("
                    + (object == null ? "NULL" : object) + "): not a referenced object", null);
            return;
        }
        boolean underflow;
        synchronized (Dispatcher.LOCK) {
            underflow = thread.references <= 0;
            if (!underflow) {
                thread.kernel.dropReferenceLocked(thread);
            }
        }
        if (underflow) {
            IoManager.current().verifier().report(VerifierRule.OBJECT_REFERENCE_INVALID, "ObDereferenceObject(" + thread
                    + ") with no reference left (bug check 0xC4, 0x3F)", thread);
        }
    }
}
