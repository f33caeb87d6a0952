/**
 * The JUnit 5 extension: a fresh, isolated WSK subsystem per test (on the simulated network or on
 * real NIO sockets), injected as test parameters, with leak and rule checks after each test.
 *
 * <p>Needs {@code junit-jupiter-api} on the class path; it is an optional dependency of wsk4j and no
 * other package of the library uses it. Start with {@link org.wsk4j.junit.WskExtension} or
 * {@link org.wsk4j.junit.WskTest}; the guide is {@code docs/testing-guide.md}.
 */
package org.wsk4j.junit;
