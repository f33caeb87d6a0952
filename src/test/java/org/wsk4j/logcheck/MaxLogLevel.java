package org.wsk4j.logcheck;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares the highest log level a test (method or class) may log at; {@link LogGuard} fails a test that logs
 * above it. Without this annotation the limit is {@code INFO}: a WARN or ERROR line in the build output is a
 * failure unless the test declares that it expects one (for example a test of a warning the library gives).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Inherited
public @interface MaxLogLevel {

    /**
     * The highest level allowed: {@code "INFO"}, {@code "WARN"} or {@code "ERROR"}.
     *
     * @return the level name
     */
    String value();

    /**
     * Why the test logs at that level (documentation for the reader).
     *
     * @return the reason
     */
    String because() default "";
}
