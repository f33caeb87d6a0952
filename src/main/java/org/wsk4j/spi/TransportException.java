package org.wsk4j.spi;

import java.util.Objects;
import org.wsk4j.nt.NtStatus;

/** A transport failure carrying the NTSTATUS the WSK provider reports for it. */
public final class TransportException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient NtStatus status;

    /**
     * Creates the exception.
     *
     * @param status the status to report
     * @param cause  the underlying exception, or null
     */
    public TransportException(NtStatus status, Throwable cause) {
        super(status.toString(), cause);
        this.status = Objects.requireNonNull(status, "status");
    }

    /**
     * Returns the status to report.
     *
     * @return the status
     */
    public NtStatus status() {
        return status;
    }
}
