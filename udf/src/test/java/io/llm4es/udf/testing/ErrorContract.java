package io.llm4es.udf.testing;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the fuzz tests assert of every input: it is accepted, or refused with one of the states
 * the caller allows and a message a user can read (no stack trace, no generated source, no
 * exception class names, unless the input itself holds them and the message quotes it). Any
 * other throwable is left to propagate: it is the finding.
 */
public final class ErrorContract {
    // the bad-input corpus's notion of a leaked stack trace or generated code
    private static final Pattern INTERNALS = Pattern.compile("\\bat (io|org|java|jdk|sun)\\.|\\w+(Exception|Error)\\b:|"
            + "public (final |static )?\\w+ \\w+\\(|\\bjava\\.lang\\.");
    private static final int MAX_MESSAGE = 2_000;

    private ErrorContract() {}

    /** Runs {@code action} on {@code input}; a refusal must carry one of {@code allowed} and a plain message. */
    public static void refusesOnlyWith(Set<SqlState> allowed, String input, Runnable action) {
        try {
            action.run();
        } catch (Llm4esException e) {
            if (!allowed.contains(e.state())) {
                throw new AssertionError(
                        "refused with " + e.state() + " (" + e.state().code() + "), not one of " + allowed, e);
            }
            String m = e.getMessage();
            if (m == null || m.isBlank() || m.length() > MAX_MESSAGE || leaksInternals(m, input)) {
                throw new AssertionError("message is not one a user can read: " + m, e);
            }
        }
    }

    private static boolean leaksInternals(String message, String input) {
        Matcher m = INTERNALS.matcher(message);
        while (m.find()) {
            if (!input.contains(m.group())) {
                return true;
            }
        }
        return false;
    }
}
