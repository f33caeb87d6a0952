package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NtStatusTest extends IrpTestSupport {

    static Stream<Arguments> windowsCodes() {
        return Stream.of(
                Arguments.of(NtStatus.STATUS_SUCCESS, 0x00000000),
                Arguments.of(NtStatus.STATUS_PENDING, 0x00000103),
                Arguments.of(NtStatus.STATUS_TIMEOUT, 0x00000102),
                Arguments.of(NtStatus.STATUS_EVENT_PENDING, 0x40000013),
                Arguments.of(NtStatus.STATUS_BUFFER_OVERFLOW, 0x80000005),
                Arguments.of(NtStatus.STATUS_MORE_PROCESSING_REQUIRED, 0xC0000016),
                Arguments.of(NtStatus.STATUS_INVALID_DEVICE_STATE, 0xC0000184),
                Arguments.of(NtStatus.STATUS_CONNECTION_REFUSED, 0xC0000236),
                Arguments.of(NtStatus.STATUS_ADDRESS_ALREADY_ASSOCIATED, 0xC0000238),
                Arguments.of(NtStatus.STATUS_NOINTERFACE, 0xC00002B9),
                Arguments.of(NtStatus.STATUS_HOPLIMIT_EXCEEDED, 0xC000A012),
                Arguments.of(NtStatus.STATUS_INSUFFICIENT_RESOURCES, 0xC000009A),
                Arguments.of(NtStatus.STATUS_CANCELLED, 0xC0000120),
                Arguments.of(NtStatus.STATUS_DEVICE_NOT_READY, 0xC00000A3));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("windowsCodes")
    void constantsHaveTheWindowsCode(NtStatus status, int code) {
        assertEquals(code, status.code());
        assertSame(status, NtStatus.of(code));
        assertSame(status, NtStatus.forName(status.name()));
    }

    @Test
    void ofReturnsTheCanonicalConstantForEveryKnownCode() {
        assertFalse(NtStatus.knownValues().isEmpty());
        for (NtStatus status : NtStatus.knownValues()) {
            assertSame(status, NtStatus.of(status.code()), status::name);
            assertTrue(status.isKnown(), status::name);
            assertTrue(status.name().startsWith("STATUS_"), status::name);
        }
    }

    @Test
    void knownValuesHaveNoDuplicateCodesOrNames() {
        Set<Integer> codes = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (NtStatus status : NtStatus.knownValues()) {
            assertTrue(codes.add(status.code()), () -> "duplicate code " + status);
            assertTrue(names.add(status.name()), () -> "duplicate name " + status);
        }
    }

    @Test
    void knownValuesAreInAscendingOrder() {
        long previous = -1;
        for (NtStatus status : NtStatus.knownValues()) {
            long unsigned = Integer.toUnsignedLong(status.code());
            assertTrue(unsigned > previous, () -> status + " is out of order");
            previous = unsigned;
        }
    }

    @Test
    void continueCompletionIsTheSameInstanceAsSuccess() {
        assertSame(NtStatus.STATUS_SUCCESS, NtStatus.STATUS_CONTINUE_COMPLETION);
        assertEquals("STATUS_SUCCESS", NtStatus.STATUS_CONTINUE_COMPLETION.name());
    }

    @Test
    void ntSuccessIsTheSignedCodeBeingNonNegative() {
        assertTrue(NtStatus.STATUS_SUCCESS.isSuccess());
        assertTrue(NtStatus.STATUS_PENDING.isSuccess());
        assertTrue(NtStatus.STATUS_TIMEOUT.isSuccess());
        assertTrue(NtStatus.STATUS_ALERTED.isSuccess());
        assertTrue(NtStatus.STATUS_EVENT_PENDING.isSuccess());
        assertFalse(NtStatus.STATUS_BUFFER_OVERFLOW.isSuccess());
        assertFalse(NtStatus.STATUS_MORE_PROCESSING_REQUIRED.isSuccess());
        assertFalse(NtStatus.STATUS_CANCELLED.isSuccess());
        assertFalse(NtStatus.STATUS_CONNECTION_REFUSED.isSuccess());
        for (NtStatus status : NtStatus.knownValues()) {
            assertEquals(status.code() >= 0, status.isSuccess(), status::name);
        }
    }

    @Test
    void severityClassIsTheTopTwoBits() {
        assertEquals(NtStatus.Severity.SUCCESS, NtStatus.STATUS_PENDING.severity());
        assertEquals(NtStatus.Severity.INFORMATIONAL, NtStatus.STATUS_EVENT_PENDING.severity());
        assertEquals(NtStatus.Severity.WARNING, NtStatus.STATUS_BUFFER_OVERFLOW.severity());
        assertEquals(NtStatus.Severity.ERROR, NtStatus.STATUS_CONNECTION_REFUSED.severity());
        assertEquals(NtStatus.Severity.ERROR, NtStatus.of(0xFFFFFFFF).severity());
        assertEquals(NtStatus.Severity.WARNING, NtStatus.of(0xBFFFFFFF).severity());
        assertEquals(NtStatus.Severity.INFORMATIONAL, NtStatus.of(0x7FFFFFFF).severity());
    }

    @Test
    void informationWarningAndErrorPredicatesFollowTheSeverity() {
        assertPredicates(NtStatus.STATUS_SUCCESS, false, false, false);
        assertPredicates(NtStatus.STATUS_PENDING, false, false, false);
        assertPredicates(NtStatus.STATUS_EVENT_PENDING, true, false, false);
        assertPredicates(NtStatus.STATUS_BUFFER_OVERFLOW, false, true, false);
        assertPredicates(NtStatus.STATUS_CANCELLED, false, false, true);
    }

    private static void assertPredicates(NtStatus status, boolean information, boolean warning, boolean error) {
        assertEquals(information, status.isInformation(), status::name);
        assertEquals(warning, status.isWarning(), status::name);
        assertEquals(error, status.isError(), status::name);
    }

    @Test
    void toStringIsNameAndUpperCaseHex() {
        assertEquals("STATUS_CONNECTION_REFUSED (0xC0000236)", NtStatus.STATUS_CONNECTION_REFUSED.toString());
        assertEquals("STATUS_SUCCESS (0x00000000)", NtStatus.STATUS_SUCCESS.toString());
    }

    @Test
    void unknownCodeIsRepresentableButNotCanonical() {
        NtStatus unknown = NtStatus.of(0xC0001234);
        NtStatus again = NtStatus.of(0xC0001234);

        assertEquals("NTSTATUS(0xC0001234)", unknown.name());
        assertEquals("NTSTATUS(0xC0001234)", unknown.toString());
        assertFalse(unknown.isKnown());
        assertEquals(unknown, again);
        assertEquals(unknown.hashCode(), again.hashCode());
        assertNotSame(unknown, again);
        assertFalse(NtStatus.knownValues().contains(unknown));
        assertNotEquals(NtStatus.STATUS_UNSUCCESSFUL, unknown);
        assertTrue(unknown.isError());
        assertFalse(unknown.isSuccess());
        assertNull(NtStatus.forName("NTSTATUS(0xC0001234)"));
    }

    @Test
    void forNameFindsKnownNamesOnly() {
        assertSame(NtStatus.STATUS_CONNECTION_REFUSED, NtStatus.forName("STATUS_CONNECTION_REFUSED"));
        assertSame(NtStatus.STATUS_SUCCESS, NtStatus.forName("STATUS_SUCCESS"));
        assertNull(NtStatus.forName("STATUS_CONTINUE_COMPLETION"), "an alias, not a name of its own");
        assertNull(NtStatus.forName("status_connection_refused"), "names are case-sensitive, as in C");
        assertNull(NtStatus.forName("STATUS_NO_SUCH_THING"));
    }
}
