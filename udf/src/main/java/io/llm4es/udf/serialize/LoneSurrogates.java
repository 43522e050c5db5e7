package io.llm4es.udf.serialize;

/**
 * Half of a UTF-16 surrogate pair, alone, is no character. Engines pass one on differently: H2
 * and Calcite keep Java's UTF-16 string, DuckDB stores UTF-8 and gets {@code ?} from Java's
 * encoder. Replacing it by {@code ?} here, in the event text and in every decoded value
 * ({@code "\ud800"}), gives one text, and one vector, in every engine.
 */
final class LoneSurrogates {
    static final char REPLACEMENT = '?';

    private LoneSurrogates() {}

    static String replace(String s) {
        int first = firstLone(s);
        if (first < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length()).append(s, 0, first);
        for (int i = first; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(++i));
            } else {
                sb.append(Character.isSurrogate(c) ? REPLACEMENT : c);
            }
        }
        return sb.toString();
    }

    private static int firstLone(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
