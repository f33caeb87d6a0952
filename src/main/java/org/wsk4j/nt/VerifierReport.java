package org.wsk4j.nt;

import java.security.CodeSource;
import java.util.Objects;

/**
 * One rule violation found by the {@link Verifier}: what was broken, by whom, and where the object
 * involved came from.
 *
 * <p>Immutable and safe to share between threads.
 *
 * @param rule           the rule that was broken
 * @param message        what happened, naming the objects involved (IRP id, socket id, state)
 * @param subject        a description of the main object involved, or null
 * @param allocationSite where the object was allocated, or null when stack capture was off
 * @param handoverSite   where the object was last handed over (for example to WSK), or null
 * @param threadName     the thread that broke the rule
 */
public record VerifierReport(VerifierRule rule, String message, String subject, Throwable allocationSite,
                             Throwable handoverSite, String threadName) {

    /**
     * Creates a report.
     *
     * @throws NullPointerException when rule or message is null
     */
    public VerifierReport {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(message, "message");
    }

    /**
     * Renders the report the way it is logged: rule, bug check, message, hint and the captured sites.
     *
     * @return a multi-line description
     */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("wsk4j verifier: ").append(rule);
        if (rule.bugCheckName() != null) {
            text.append(String.format(" (bug check 0x%X %s)", rule.bugCheckCode(), rule.bugCheckName()));
        }
        text.append(": ").append(message);
        if (subject != null) {
            text.append("\n  object: ").append(subject);
        }
        text.append("\n  thread: ").append(threadName);
        text.append("\n  fix: ").append(rule.hint());
        appendSite(text, "allocated at", allocationSite);
        appendSite(text, "last handed over at", handoverSite);
        return text.toString();
    }

    /**
     * Tells whether a frame belongs to wsk4j's own kernel classes. The package name alone is not
     * enough: driver code and tests may live in {@code org.wsk4j.nt} too, and their frames are the
     * interesting part of a site. A frame is the library's when its class comes from the same code
     * source (jar or class directory) as this class.
     */
    private static boolean isLibraryFrame(StackTraceElement frame) {
        if (!frame.getClassName().startsWith("org.wsk4j.nt.")) {
            return false;
        }
        try {
            Class<?> type = Class.forName(frame.getClassName(), false, VerifierReport.class.getClassLoader());
            return Objects.equals(location(type), location(VerifierReport.class));
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return true;
        }
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null || source.getLocation() == null ? null : source.getLocation().toExternalForm();
    }

    private static void appendSite(StringBuilder text, String label, Throwable site) {
        if (site == null) {
            return;
        }
        text.append("\n  ").append(label).append(':');
        StackTraceElement[] frames = site.getStackTrace();
        int shown = 0;
        for (StackTraceElement frame : frames) {
            if (isLibraryFrame(frame)) {
                continue; // skip the library's own allocation frames
            }
            text.append("\n    at ").append(frame);
            if (++shown == 8) {
                text.append("\n    ...");
                break;
            }
        }
    }
}
