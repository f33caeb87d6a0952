/**
 * wsk4j: the Windows Winsock Kernel (WSK) client API in Java.
 *
 * <p>Exported packages:
 * <ul>
 *   <li>{@code org.wsk4j}: the WSK API a driver sees: constants and registration functions ({@code Wsk}),
 *       {@code WskSubsystem}, NPIs, sockets and their dispatch tables, client callbacks, socket addresses.</li>
 *   <li>{@code org.wsk4j.spi}: the transport SPI under the provider (NIO and simulated transports implement it).</li>
 *   <li>{@code org.wsk4j.nt}: kernel primitives: NTSTATUS, IRPs, MDLs, KEVENT, IRQL, the I/O manager,
 *       the verifier and the completion executors.</li>
 *   <li>{@code org.wsk4j.sim}: the deterministic simulated network (virtual time, fault scripting).</li>
 * </ul>
 *
 * <p>The JUnit 5 extension ({@code org.wsk4j.junit}: {@code WskExtension}, {@code @WskTest}) is not part of this
 * module: it ships as the separate jar {@code org.wsk4j:wsk4j:<version>:junit} (automatic module
 * {@code org.wsk4j.junit}), so this module never mentions JUnit and a consumer's tests run on the module path with
 * default Surefire settings (a {@code requires static org.junit.jupiter.api} here put JUnit's API in a named module
 * while its engine stayed on the class path).
 *
 * <p>{@code org.wsk4j.internal.nio} (the java.nio transport) is not exported.
 */
module org.wsk4j {
    requires org.slf4j;

    exports org.wsk4j;
    exports org.wsk4j.nt;
    exports org.wsk4j.spi;
    exports org.wsk4j.sim;
}
