package org.wsk4j.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MdlTest extends IrpTestSupport {

    static Stream<Arguments> bufferKinds() {
        return Stream.of(
                Arguments.of("heap", (IntFunction<ByteBuffer>) ByteBuffer::allocate),
                Arguments.of("direct", (IntFunction<ByteBuffer>) ByteBuffer::allocateDirect));
    }

    @ParameterizedTest(name = "offset {0}, length {1}")
    @CsvSource({"8, 9", "17, 0", "-1, 2", "0, -1", "2147483647, 1"})
    void descriptionOutsideTheBufferIsOutOfRange(int offset, int length) {
        ByteBuffer buffer = ByteBuffer.allocate(16);
        assertViolation(VerifierRule.BUFFER_OUT_OF_RANGE, () -> Io.allocateMdl(buffer, offset, length));

        logOnly(VerifierRule.BUFFER_OUT_OF_RANGE);
        assertNull(Io.allocateMdl(buffer, offset, length));
        assertRecorded(VerifierRule.BUFFER_OUT_OF_RANGE, VerifierRule.BUFFER_OUT_OF_RANGE);
    }

    @Test
    void descriptionUpToTheCapacityIsAccepted() {
        ByteBuffer buffer = ByteBuffer.allocate(16);
        buffer.limit(4); // the capacity counts, not the limit
        Mdl whole = Io.allocateMdl(buffer, 8, 8);
        Mdl empty = Io.allocateMdl(buffer, 16, 0);

        assertEquals(8, whole.byteOffset());
        assertEquals(8, whole.byteCount());
        assertEquals(0, empty.systemAddress().remaining());
    }

    @Test
    void nullBufferIsOutOfRange() {
        assertViolation(VerifierRule.BUFFER_OUT_OF_RANGE, () -> Io.allocateMdl(null, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void systemAddressSharesTheBytesAndIgnoresLaterPositionAndLimit(String kind, IntFunction<ByteBuffer> kindOf) {
        ByteBuffer buffer = kindOf.apply(32);
        for (int i = 0; i < 32; i++) {
            buffer.put(i, (byte) i);
        }
        Mdl mdl = Io.allocateMdl(buffer, 4, 8);
        buffer.position(20).limit(22);

        ByteBuffer view = mdl.systemAddress();

        assertEquals(0, view.position());
        assertEquals(8, view.limit());
        assertEquals(8, view.capacity());
        assertEquals(4, view.get(0));
        assertEquals(11, view.get(7));
        assertEquals(buffer.isDirect(), view.isDirect());
        view.put(0, (byte) 99);
        assertEquals(99, buffer.get(4), "writes through the MDL reach the caller's buffer");
        buffer.put(11, (byte) 77);
        assertEquals(77, mdl.systemAddress().get(7), "writes to the caller's buffer reach the MDL");
        assertEquals(20, buffer.position(), "the caller's buffer is not moved");
        assertFalse(mdl.isReadOnly());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void allocateMdlForTheRemainingBytes(String kind, IntFunction<ByteBuffer> kindOf) {
        ByteBuffer buffer = kindOf.apply(32);
        buffer.position(5).limit(12);

        Mdl mdl = Io.allocateMdl(buffer);

        assertEquals(5, mdl.byteOffset());
        assertEquals(7, mdl.byteCount());
        assertEquals(7, mdl.systemAddress().remaining());
    }

    @Test
    void mdlsChainThroughNext() {
        ByteBuffer buffer = ByteBuffer.allocate(16);
        Mdl first = Io.allocateMdl(buffer, 0, 8);
        Mdl second = Io.allocateMdl(buffer, 8, 8);

        assertSame(first, first.setNext(second));

        assertSame(second, first.next());
        assertNull(second.next());
        assertTrue(first.toString().contains("chained"), first.toString());
        first.setNext(null);
        assertNull(first.next());
    }

    @Test
    void freeingTwiceIsAnInvalidArgument() {
        Mdl mdl = Io.allocateMdl(ByteBuffer.allocate(4), 0, 4);
        assertFalse(mdl.isFreed());
        Io.freeMdl(mdl);
        assertTrue(mdl.isFreed());

        assertViolation(VerifierRule.INVALID_ARGUMENT, () -> Io.freeMdl(mdl));
        assertViolation(VerifierRule.INVALID_ARGUMENT, () -> Io.freeMdl(null));
        assertTrue(mdl.toString().contains("freed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bufferKinds")
    void readOnlyMemoryIsDetected(String kind, IntFunction<ByteBuffer> kindOf) {
        ByteBuffer writable = kindOf.apply(8);
        writable.put(0, (byte) 5);

        Mdl mdl = Io.allocateMdl(writable.asReadOnlyBuffer(), 0, 8);

        assertNotNull(mdl);
        assertTrue(mdl.isReadOnly());
        assertTrue(mdl.systemAddress().isReadOnly());
        assertEquals(5, mdl.systemAddress().get(0));
        assertFalse(Io.allocateMdl(writable, 0, 8).isReadOnly());
    }
}
