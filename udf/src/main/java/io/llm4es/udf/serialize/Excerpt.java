package io.llm4es.udf.serialize;

/** A value quoted in an error message: short enough to read, whatever a user passed in. */
final class Excerpt {
    static final int MAX = 80;

    private Excerpt() {}

    static String of(String s) {
        return s == null || s.length() <= MAX ? s : s.substring(0, MAX - 3) + "... (" + s.length() + " characters)";
    }
}
