package org.wsk4j.nt;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An NTSTATUS value: the 32-bit result code of every kernel and WSK operation.
 *
 * <p>Every status that WSK code meets (the WSK functions' documented and observed results, the
 * transport's connection statuses, and the I/O manager's completion-routine results) is a
 * {@code public static final} constant with its exact Windows value. These constants are
 * <em>canonical</em>: {@link #of(int)} returns the same instance for a known code, so comparisons
 * with {@code ==} work exactly as in C:
 *
 * <pre>{@code
 * if (irp.ioStatus().status() == NtStatus.STATUS_SUCCESS) { ... }
 * if (!status.isSuccess()) { ... }            // !NT_SUCCESS(status)
 * }</pre>
 *
 * <p>A code that wsk4j does not know is still representable: {@link #of(int)} returns a
 * non-canonical instance named {@code NTSTATUS(0x...)}, equal (by {@link #equals}) to any other
 * instance with the same code. Known codes never produce such instances.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class NtStatus {

    /** Severity class of a status: the top two bits of the code. */
    public enum Severity {
        /** 0b00: success (NT_SUCCESS is true). */
        SUCCESS,
        /** 0b01: informational (NT_SUCCESS is true). */
        INFORMATIONAL,
        /** 0b10: warning (NT_SUCCESS is false). */
        WARNING,
        /** 0b11: error (NT_SUCCESS is false). */
        ERROR
    }

    private static final Map<Integer, NtStatus> KNOWN = new LinkedHashMap<>();

    // ---- success class --------------------------------------------------------------------------
    /** 0x00000000: the operation succeeded. */
    public static final NtStatus STATUS_SUCCESS = define("STATUS_SUCCESS", 0x00000000);
    /**
     * 0x00000000: a completion routine's "continue completion" result. It is {@code #define}d as
     * {@link #STATUS_SUCCESS} in wdm.h, and is the very same instance here.
     */
    public static final NtStatus STATUS_CONTINUE_COMPLETION = STATUS_SUCCESS;
    /** {@code STATUS_WAIT_0}: the same value and instance as {@link #STATUS_SUCCESS} (KeWaitForMultipleObjects, index 0). */
    public static final NtStatus STATUS_WAIT_0 = STATUS_SUCCESS;
    /** {@code STATUS_WAIT_1}: KeWaitForMultipleObjects with WaitAny was satisfied by the object at index 1. */
    public static final NtStatus STATUS_WAIT_1 = define("STATUS_WAIT_1", 0x00000001);
    /** {@code STATUS_WAIT_2}: satisfied by the object at index 2. */
    public static final NtStatus STATUS_WAIT_2 = define("STATUS_WAIT_2", 0x00000002);
    /** {@code STATUS_WAIT_3}: satisfied by the object at index 3. */
    public static final NtStatus STATUS_WAIT_3 = define("STATUS_WAIT_3", 0x00000003);
    /** {@code STATUS_WAIT_63}: satisfied by the object at index 63, the last a wait can name. */
    public static final NtStatus STATUS_WAIT_63 = define("STATUS_WAIT_63", 0x0000003F);
    /** {@code STATUS_USER_APC}: a user-mode APC ended an alertable wait (never produced by wsk4j). */
    public static final NtStatus STATUS_USER_APC = define("STATUS_USER_APC", 0x000000C0);
    /** 0x00000101: a wait was ended because the waiting thread was alerted (here: interrupted). */
    public static final NtStatus STATUS_ALERTED = define("STATUS_ALERTED", 0x00000101);
    /** 0x00000102: a wait timed out. Note: a <em>success</em> code, as in Windows. */
    public static final NtStatus STATUS_TIMEOUT = define("STATUS_TIMEOUT", 0x00000102);
    /** 0x00000103: the request was accepted and its IRP will be completed later. */
    public static final NtStatus STATUS_PENDING = define("STATUS_PENDING", 0x00000103);

    // ---- informational ----------------------------------------------------------------------------
    /** 0x40000013: disabling an event callback that is running; it is disabled once it returns. */
    public static final NtStatus STATUS_EVENT_PENDING = define("STATUS_EVENT_PENDING", 0x40000013);

    // ---- warning ----------------------------------------------------------------------------------
    /** 0x80000005: the output buffer is too small; the needed size is reported. Not a success. */
    public static final NtStatus STATUS_BUFFER_OVERFLOW = define("STATUS_BUFFER_OVERFLOW", 0x80000005);

    // ---- error ------------------------------------------------------------------------------------
    /** 0xC0000001: generic failure. */
    public static final NtStatus STATUS_UNSUCCESSFUL = define("STATUS_UNSUCCESSFUL", 0xC0000001);
    /** 0xC0000002: the requested operation is not implemented. */
    public static final NtStatus STATUS_NOT_IMPLEMENTED = define("STATUS_NOT_IMPLEMENTED", 0xC0000002);
    /** 0xC0000008: an invalid handle (for example a null WSK client) was given. */
    public static final NtStatus STATUS_INVALID_HANDLE = define("STATUS_INVALID_HANDLE", 0xC0000008);
    /** 0xC000000D: an invalid parameter was passed. */
    public static final NtStatus STATUS_INVALID_PARAMETER = define("STATUS_INVALID_PARAMETER", 0xC000000D);
    /** 0xC0000010: the request is not valid for this device (socket). */
    public static final NtStatus STATUS_INVALID_DEVICE_REQUEST = define("STATUS_INVALID_DEVICE_REQUEST", 0xC0000010);
    /** 0xC0000016: a completion routine's "stop completion" result: the IRP goes back to its owner. */
    public static final NtStatus STATUS_MORE_PROCESSING_REQUIRED = define("STATUS_MORE_PROCESSING_REQUIRED", 0xC0000016);
    /** 0xC0000017: not enough memory. */
    public static final NtStatus STATUS_NO_MEMORY = define("STATUS_NO_MEMORY", 0xC0000017);
    /** 0xC0000022: access denied (address sharing refused by a security check). */
    public static final NtStatus STATUS_ACCESS_DENIED = define("STATUS_ACCESS_DENIED", 0xC0000022);
    /** 0xC0000023: a buffer is too small. */
    public static final NtStatus STATUS_BUFFER_TOO_SMALL = define("STATUS_BUFFER_TOO_SMALL", 0xC0000023);
    /** {@code STATUS_OBJECT_TYPE_MISMATCH}: ObReferenceObjectByHandle was asked for another object type. */
    public static final NtStatus STATUS_OBJECT_TYPE_MISMATCH = define("STATUS_OBJECT_TYPE_MISMATCH", 0xC0000024);
    /** 0xC0000043: sharing violation. */
    public static final NtStatus STATUS_SHARING_VIOLATION = define("STATUS_SHARING_VIOLATION", 0xC0000043);
    /** 0xC000009A: insufficient system resources (the usual result of a failed IoAllocateIrp). */
    public static final NtStatus STATUS_INSUFFICIENT_RESOURCES = define("STATUS_INSUFFICIENT_RESOURCES", 0xC000009A);
    /** 0xC00000A3: the WSK subsystem is not ready, or deregistration has started. */
    public static final NtStatus STATUS_DEVICE_NOT_READY = define("STATUS_DEVICE_NOT_READY", 0xC00000A3);
    /** 0xC00000B0: the pipe (connection) was disconnected; maps to WSAESHUTDOWN. */
    public static final NtStatus STATUS_PIPE_DISCONNECTED = define("STATUS_PIPE_DISCONNECTED", 0xC00000B0);
    /** 0xC00000B5: an I/O operation (connect, transfer) timed out. */
    public static final NtStatus STATUS_IO_TIMEOUT = define("STATUS_IO_TIMEOUT", 0xC00000B5);
    /** 0xC00000B6: the socket is no longer functional and must be closed. */
    public static final NtStatus STATUS_FILE_FORCED_CLOSED = define("STATUS_FILE_FORCED_CLOSED", 0xC00000B6);
    /** 0xC00000BB: the request (or a flag) is not supported. */
    public static final NtStatus STATUS_NOT_SUPPORTED = define("STATUS_NOT_SUPPORTED", 0xC00000BB);
    /** 0xC00000BC: the remote end is not listening; maps to WSAECONNREFUSED. */
    public static final NtStatus STATUS_REMOTE_NOT_LISTENING = define("STATUS_REMOTE_NOT_LISTENING", 0xC00000BC);
    /** 0xC00000BE: the network path was not found; maps to WSAENETUNREACH. */
    public static final NtStatus STATUS_BAD_NETWORK_PATH = define("STATUS_BAD_NETWORK_PATH", 0xC00000BE);
    /** 0xC00000BF: the network is busy; maps to WSAENETDOWN. */
    public static final NtStatus STATUS_NETWORK_BUSY = define("STATUS_NETWORK_BUSY", 0xC00000BF);
    /** 0xC00000C4: an unexpected network error; maps to WSAENETDOWN. */
    public static final NtStatus STATUS_UNEXPECTED_NETWORK_ERROR = define("STATUS_UNEXPECTED_NETWORK_ERROR", 0xC00000C4);
    /** 0xC00000D0: the request was not accepted (for example a connection rejected by WskAcceptEvent). */
    public static final NtStatus STATUS_REQUEST_NOT_ACCEPTED = define("STATUS_REQUEST_NOT_ACCEPTED", 0xC00000D0);
    /** 0xC00000D8: the operation cannot be done without waiting. */
    public static final NtStatus STATUS_CANT_WAIT = define("STATUS_CANT_WAIT", 0xC00000D8);
    /** 0xC0000120: the request was cancelled (IoCancelIrp, or the socket was closed under it). */
    public static final NtStatus STATUS_CANCELLED = define("STATUS_CANCELLED", 0xC0000120);
    /** 0xC000013B: local disconnect; maps to WSAECONNABORTED. */
    public static final NtStatus STATUS_LOCAL_DISCONNECT = define("STATUS_LOCAL_DISCONNECT", 0xC000013B);
    /** 0xC000013C: remote disconnect; maps to WSAECONNRESET. */
    public static final NtStatus STATUS_REMOTE_DISCONNECT = define("STATUS_REMOTE_DISCONNECT", 0xC000013C);
    /** 0xC000013E: link failed; maps to WSAECONNRESET. */
    public static final NtStatus STATUS_LINK_FAILED = define("STATUS_LINK_FAILED", 0xC000013E);
    /** 0xC000013F: link timed out; maps to WSAETIMEDOUT. */
    public static final NtStatus STATUS_LINK_TIMEOUT = define("STATUS_LINK_TIMEOUT", 0xC000013F);
    /** 0xC0000140: invalid (not connected) connection; maps to WSAENOTCONN. */
    public static final NtStatus STATUS_INVALID_CONNECTION = define("STATUS_INVALID_CONNECTION", 0xC0000140);
    /** 0xC0000141: invalid address; maps to WSAEADDRNOTAVAIL. */
    public static final NtStatus STATUS_INVALID_ADDRESS = define("STATUS_INVALID_ADDRESS", 0xC0000141);
    /** 0xC0000184: the object is in the wrong state (for example connecting an unbound socket). */
    public static final NtStatus STATUS_INVALID_DEVICE_STATE = define("STATUS_INVALID_DEVICE_STATE", 0xC0000184);
    /** 0xC0000206: invalid buffer size; maps to WSAEMSGSIZE. */
    public static final NtStatus STATUS_INVALID_BUFFER_SIZE = define("STATUS_INVALID_BUFFER_SIZE", 0xC0000206);
    /** 0xC0000207: an address component is invalid or unavailable; maps to WSAEADDRNOTAVAIL. */
    public static final NtStatus STATUS_INVALID_ADDRESS_COMPONENT = define("STATUS_INVALID_ADDRESS_COMPONENT", 0xC0000207);
    /** 0xC0000208: invalid wildcard address. */
    public static final NtStatus STATUS_INVALID_ADDRESS_WILDCARD = define("STATUS_INVALID_ADDRESS_WILDCARD", 0xC0000208);
    /** 0xC0000209: too many addresses; maps to WSAENOBUFS. */
    public static final NtStatus STATUS_TOO_MANY_ADDRESSES = define("STATUS_TOO_MANY_ADDRESSES", 0xC0000209);
    /** 0xC000020A: the address already exists (the documented "in use" bind result). */
    public static final NtStatus STATUS_ADDRESS_ALREADY_EXISTS = define("STATUS_ADDRESS_ALREADY_EXISTS", 0xC000020A);
    /** 0xC000020B: the address was closed. */
    public static final NtStatus STATUS_ADDRESS_CLOSED = define("STATUS_ADDRESS_CLOSED", 0xC000020B);
    /** 0xC000020C: the connection was disconnected; maps to WSAECONNRESET. */
    public static final NtStatus STATUS_CONNECTION_DISCONNECTED = define("STATUS_CONNECTION_DISCONNECTED", 0xC000020C);
    /** 0xC000020D: the peer reset the connection. */
    public static final NtStatus STATUS_CONNECTION_RESET = define("STATUS_CONNECTION_RESET", 0xC000020D);
    /** 0xC000020F: the transaction was aborted; maps to WSAECONNABORTED. */
    public static final NtStatus STATUS_TRANSACTION_ABORTED = define("STATUS_TRANSACTION_ABORTED", 0xC000020F);
    /** 0xC000021B: an event callback did not accept the indicated data. */
    public static final NtStatus STATUS_DATA_NOT_ACCEPTED = define("STATUS_DATA_NOT_ACCEPTED", 0xC000021B);
    /** 0xC0000225: not found (an unresolvable host name on Windows 8 and later). */
    public static final NtStatus STATUS_NOT_FOUND = define("STATUS_NOT_FOUND", 0xC0000225);
    /** 0xC0000236: the remote system refused the connection. */
    public static final NtStatus STATUS_CONNECTION_REFUSED = define("STATUS_CONNECTION_REFUSED", 0xC0000236);
    /** 0xC0000237: graceful disconnect; maps to WSAEDISCON. */
    public static final NtStatus STATUS_GRACEFUL_DISCONNECT = define("STATUS_GRACEFUL_DISCONNECT", 0xC0000237);
    /** 0xC0000238: the address is already associated (the observed TCP port-collision bind result). */
    public static final NtStatus STATUS_ADDRESS_ALREADY_ASSOCIATED = define("STATUS_ADDRESS_ALREADY_ASSOCIATED", 0xC0000238);
    /** 0xC0000239: the address is not associated. */
    public static final NtStatus STATUS_ADDRESS_NOT_ASSOCIATED = define("STATUS_ADDRESS_NOT_ASSOCIATED", 0xC0000239);
    /** 0xC000023A: the connection is invalid. */
    public static final NtStatus STATUS_CONNECTION_INVALID = define("STATUS_CONNECTION_INVALID", 0xC000023A);
    /** 0xC000023B: the connection is already active (connect on a connected socket). */
    public static final NtStatus STATUS_CONNECTION_ACTIVE = define("STATUS_CONNECTION_ACTIVE", 0xC000023B);
    /** 0xC000023C: the network is unreachable. */
    public static final NtStatus STATUS_NETWORK_UNREACHABLE = define("STATUS_NETWORK_UNREACHABLE", 0xC000023C);
    /** 0xC000023D: the host is unreachable. */
    public static final NtStatus STATUS_HOST_UNREACHABLE = define("STATUS_HOST_UNREACHABLE", 0xC000023D);
    /** 0xC000023E: the protocol is unreachable; maps to WSAENETUNREACH. */
    public static final NtStatus STATUS_PROTOCOL_UNREACHABLE = define("STATUS_PROTOCOL_UNREACHABLE", 0xC000023E);
    /** 0xC000023F: the port is unreachable; maps to WSAECONNRESET. */
    public static final NtStatus STATUS_PORT_UNREACHABLE = define("STATUS_PORT_UNREACHABLE", 0xC000023F);
    /** 0xC0000240: the request was aborted; maps to WSAEINTR. */
    public static final NtStatus STATUS_REQUEST_ABORTED = define("STATUS_REQUEST_ABORTED", 0xC0000240);
    /** 0xC0000241: the connection was aborted locally. */
    public static final NtStatus STATUS_CONNECTION_ABORTED = define("STATUS_CONNECTION_ABORTED", 0xC0000241);
    /** 0xC0000246: the connection count limit was reached. */
    public static final NtStatus STATUS_CONNECTION_COUNT_LIMIT = define("STATUS_CONNECTION_COUNT_LIMIT", 0xC0000246);
    /** 0xC0000272: no match (the documented, Windows 7, result for an unresolvable name). */
    public static final NtStatus STATUS_NO_MATCH = define("STATUS_NO_MATCH", 0xC0000272);
    /** 0xC00002B9: the requested interface (WSK version) is not supported. */
    public static final NtStatus STATUS_NOINTERFACE = define("STATUS_NOINTERFACE", 0xC00002B9);
    /** 0xC0000350: the host is down; maps to WSAEHOSTDOWN. */
    public static final NtStatus STATUS_HOST_DOWN = define("STATUS_HOST_DOWN", 0xC0000350);
    /** 0xC000A012: the hop limit was exceeded; maps to WSAENETRESET. */
    public static final NtStatus STATUS_HOPLIMIT_EXCEEDED = define("STATUS_HOPLIMIT_EXCEEDED", 0xC000A012);

    private static final Collection<NtStatus> ALL = Collections.unmodifiableCollection(KNOWN.values());

    private final int code;
    private final String name;
    private final boolean canonical;

    private NtStatus(int code, String name, boolean canonical) {
        this.code = code;
        this.name = name;
        this.canonical = canonical;
    }

    private static NtStatus define(String name, int code) {
        NtStatus status = new NtStatus(code, name, true);
        if (KNOWN.putIfAbsent(code, status) != null) {
            throw new ExceptionInInitializerError("duplicate NTSTATUS code for " + name);
        }
        return status;
    }

    /**
     * Returns the status with the given 32-bit code: the canonical constant when the code is known,
     * otherwise a new non-canonical instance named {@code NTSTATUS(0xXXXXXXXX)}.
     *
     * @param code the NTSTATUS value, for example {@code 0xC0000236}
     * @return the status; never null
     */
    public static NtStatus of(int code) {
        NtStatus known = KNOWN.get(code);
        return known != null ? known : new NtStatus(code, null, false);
    }

    /**
     * Looks a known status up by its C name, for example {@code "STATUS_CONNECTION_REFUSED"}.
     *
     * @param name the C name
     * @return the canonical constant, or null when no known status has that name
     */
    public static NtStatus forName(String name) {
        Objects.requireNonNull(name, "name");
        for (NtStatus status : KNOWN.values()) {
            if (status.name.equals(name)) {
                return status;
            }
        }
        return null;
    }

    /**
     * Returns every known status, in ascending order of severity class and code as declared.
     *
     * @return an unmodifiable view of the canonical constants
     */
    public static Collection<NtStatus> knownValues() {
        return ALL;
    }

    /**
     * Returns the 32-bit code.
     *
     * @return the NTSTATUS value as a signed int, as in C
     */
    public int code() {
        return code;
    }

    /**
     * Returns the C name ({@code STATUS_...}) or {@code NTSTATUS(0x...)} for an unknown code.
     *
     * @return the name
     */
    public String name() {
        return canonical ? name : String.format("NTSTATUS(0x%08X)", code);
    }

    /**
     * Tells whether this instance is the canonical constant for a known code.
     *
     * @return true for the {@code public static final} constants
     */
    public boolean isKnown() {
        return canonical;
    }

    /**
     * {@code NT_SUCCESS(status)}: true when the code, read as a signed 32-bit value, is
     * non-negative. Success and informational statuses (including {@link #STATUS_PENDING},
     * {@link #STATUS_TIMEOUT} and {@link #STATUS_EVENT_PENDING}) are successes; warnings such as
     * {@link #STATUS_BUFFER_OVERFLOW} and all errors are not.
     *
     * @return NT_SUCCESS of this status
     */
    public boolean isSuccess() {
        return code >= 0;
    }

    /**
     * {@code NT_INFORMATION(status)}: the severity class is informational.
     *
     * @return true for informational statuses
     */
    public boolean isInformation() {
        return severity() == Severity.INFORMATIONAL;
    }

    /**
     * {@code NT_WARNING(status)}: the severity class is warning.
     *
     * @return true for warnings
     */
    public boolean isWarning() {
        return severity() == Severity.WARNING;
    }

    /**
     * {@code NT_ERROR(status)}: the severity class is error.
     *
     * @return true for errors
     */
    public boolean isError() {
        return severity() == Severity.ERROR;
    }

    /**
     * Returns the severity class, the top two bits of the code.
     *
     * @return the severity
     */
    public Severity severity() {
        return Severity.values()[code >>> 30];
    }

    /**
     * Two statuses are equal when their codes are equal; canonical constants are also identical.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof NtStatus && ((NtStatus) other).code == code;
    }

    @Override
    public int hashCode() {
        return code;
    }

    /**
     * Returns the name and the hex code, for example {@code STATUS_CONNECTION_REFUSED (0xC0000236)}.
     */
    @Override
    public String toString() {
        return canonical ? String.format("%s (0x%08X)", name, code) : name();
    }
}
