package io.llm4es.udf.config;

import io.llm4es.udf.error.Llm4esException;

/**
 * One setting of llm4es, read the same way everywhere: the system property first (a JVM flag,
 * or set by an embedding application), then the environment variable (a container, a CI job),
 * then the default. Read at each use, so a test or an application may change it at run time.
 */
public record Setting(String property, String env) {
    /** The value, or null where neither the property nor the variable is set (a blank one counts as unset). */
    public String value() {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = env == null ? null : System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.trim();
    }

    public String value(String fallback) {
        String v = value();
        return v == null ? fallback : v;
    }

    /** A positive integer value, or {@code fallback} where unset; anything else is 22023, naming the setting. */
    public int positiveInt(int fallback) {
        String v = value();
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the setting's name
        }
        throw Llm4esException.invalid("setting " + this + " must be a positive integer, got '" + v + "'");
    }

    @Override
    public String toString() {
        return env == null ? "-D" + property : "-D" + property + " / $" + env;
    }
}
