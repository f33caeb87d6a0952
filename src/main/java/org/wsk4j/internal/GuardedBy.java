package org.wsk4j.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The field (or, on a method, the caller) must hold the named lock: {@code "lock"} is this object's {@code lock}
 * field, {@code "socket.lock"} the lock of the object in its {@code socket} field. Checked at compile time by Error
 * Prone's GuardedBy check (configured as an error in the build), which recognises any annotation of this simple
 * name, so wsk4j needs no annotation library. Internal (not exported).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.FIELD, ElementType.METHOD})
public @interface GuardedBy {
    /**
     * The lock, as an expression relative to the annotated member's object.
     *
     * @return the lock expression
     */
    String value();
}
