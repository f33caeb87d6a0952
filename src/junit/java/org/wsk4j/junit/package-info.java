/**
 * The JUnit 5 extension: a fresh, isolated WSK subsystem per test (on the simulated network or on
 * real NIO sockets), injected as test parameters, with leak and rule checks after each test.
 *
 * <p>Shipped as its own jar, {@code org.wsk4j:wsk4j:<version>:junit} (automatic module {@code org.wsk4j.junit}),
 * outside module {@code org.wsk4j}, which never mentions JUnit; it needs {@code junit-jupiter-api}. Start with {@link org.wsk4j.junit.WskExtension} or
 * {@link org.wsk4j.junit.WskTest}; the guide is {@code docs/testing-guide.md}.
 */
package org.wsk4j.junit;
