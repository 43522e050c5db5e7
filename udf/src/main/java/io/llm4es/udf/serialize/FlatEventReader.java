package io.llm4es.udf.serialize;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

/**
 * Reads the common event, one JSON object of plain scalars whose keys are all fields of the
 * config, in one pass over its characters into one slot per field: no parser, no tree, no map.
 * It accepts only a strict subset of JSON (no escapes, no control characters, numbers as the JSON
 * grammar writes them, the four JSON spaces) that the strict reader reads to the same values;
 * anything else (an escape, a nested value, an unknown or repeated key, bad JSON, content after
 * the object) gives null, and the strict reader reads the event again and accepts or refuses it
 * with its own message: an event reads the same and fails the same either way.
 */
final class FlatEventReader {
    private static final Object NOT_FLAT = new Object();
    // far below the strict reader's own limits, which the strict reader then enforces itself
    private static final int MAX_NAME = 1_000;
    private static final int MAX_NUMBER = 100;
    private static final int MAX_STRING = 1_000_000;

    private final String[] names;
    private final int[] hashes;

    FlatEventReader(List<FieldSpec> fields) {
        names = new String[fields.size()];
        hashes = new int[fields.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = fields.get(i).name();
            hashes[i] = names[i].hashCode();
        }
    }

    /**
     * One value per field in config order: the string (a boolean as its text), the number as the
     * strict reader's tree holds it, or null (JSON null or absent); null where the strict reader
     * must decide.
     */
    Object[] read(String json) {
        try {
            return new Cursor(json).object();
        } catch (RuntimeException e) {
            return null; // a number beyond BigDecimal, say: the strict reader names it
        }
    }

    private final class Cursor {
        private final String s;
        private int at;

        Cursor(String s) {
            this.s = s;
        }

        Object[] object() {
            if (!skipSpaceTo('{')) {
                return null;
            }
            Object[] values = new Object[names.length];
            boolean[] seen = names.length > 64 ? new boolean[names.length] : null;
            long seenBits = 0;
            space();
            if (at < s.length() && s.charAt(at) == '}') {
                at++;
                return end() ? values : null;
            }
            while (true) {
                if (!skipSpaceTo('"')) {
                    return null;
                }
                int slot = slot(at, stringEnd(MAX_NAME));
                if (slot < 0 || (seen == null ? (seenBits & 1L << slot) != 0 : seen[slot]) || !skipSpaceTo(':')) {
                    return null;
                }
                space();
                Object v = value();
                if (v == NOT_FLAT) {
                    return null;
                }
                if (seen == null) {
                    seenBits |= 1L << slot;
                } else {
                    seen[slot] = true;
                }
                values[slot] = v;
                space();
                char c = at < s.length() ? s.charAt(at++) : 0;
                if (c == '}') {
                    return end() ? values : null;
                }
                if (c != ',') {
                    return null;
                }
            }
        }

        private boolean end() {
            space();
            return at == s.length();
        }

        private void space() {
            while (at < s.length()) {
                char c = s.charAt(at);
                if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                    return;
                }
                at++;
            }
        }

        private boolean skipSpaceTo(char expected) {
            space();
            if (at < s.length() && s.charAt(at) == expected) {
                at++;
                return true;
            }
            return false;
        }

        /** After an opening quote: the index of the closing one, past it; -1 for an escape, a control character or no end. */
        private int stringEnd(int max) {
            int start = at;
            int limit = Math.min(s.length(), start + max + 1);
            for (int i = start; i < limit; i++) {
                char c = s.charAt(i);
                if (c == '"') {
                    at = i + 1;
                    return i;
                }
                if (c == '\\' || c < 0x20) {
                    return -1;
                }
            }
            return -1;
        }

        private int slot(int from, int to) {
            if (to < 0) {
                return -1;
            }
            int h = 0;
            for (int i = from; i < to; i++) {
                h = 31 * h + s.charAt(i);
            }
            for (int i = 0; i < names.length; i++) {
                if (hashes[i] == h && names[i].length() == to - from && s.startsWith(names[i], from)) {
                    return i;
                }
            }
            return -1;
        }

        private Object value() {
            if (at >= s.length()) {
                return NOT_FLAT;
            }
            char c = s.charAt(at);
            if (c == '"') {
                int from = ++at;
                int to = stringEnd(MAX_STRING);
                return to < 0 ? NOT_FLAT : s.substring(from, to);
            }
            if (c == '-' || c >= '0' && c <= '9') {
                return number();
            }
            if (word("true")) {
                return "true";
            }
            if (word("false")) {
                return "false";
            }
            return word("null") ? null : NOT_FLAT;
        }

        private boolean word(String w) {
            if (s.startsWith(w, at)) {
                at += w.length();
                return true;
            }
            return false;
        }

        /** -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as the strict reader holds it. */
        private Object number() {
            int from = at;
            if (s.charAt(at) == '-') {
                at++;
            }
            if (at < s.length() && s.charAt(at) == '0') {
                at++;
            } else if (digits() == 0) {
                return NOT_FLAT;
            }
            boolean integral = true;
            if (at < s.length() && s.charAt(at) == '.') {
                at++;
                integral = false;
                if (digits() == 0) {
                    return NOT_FLAT;
                }
            }
            if (at < s.length() && (s.charAt(at) == 'e' || s.charAt(at) == 'E')) {
                at++;
                integral = false;
                if (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) {
                    at++;
                }
                if (digits() == 0) {
                    return NOT_FLAT;
                }
            }
            if (at - from > MAX_NUMBER) {
                return NOT_FLAT;
            }
            BigDecimal d = smallDecimal(from, at);
            if (d == null) {
                d = new BigDecimal(s.substring(from, at));
            }
            return integral ? d : asTreeHoldsIt(d);
        }

        /** Up to 18 digits without an exponent, as BigDecimal would read them, without its copies; else null. */
        private BigDecimal smallDecimal(int from, int to) {
            boolean negative = s.charAt(from) == '-';
            long unscaled = 0;
            int digits = 0;
            int scale = 0;
            for (int i = negative ? from + 1 : from; i < to; i++) {
                char c = s.charAt(i);
                if (c == '.') {
                    scale = to - i - 1;
                } else if (c >= '0' && c <= '9' && ++digits <= 18) {
                    unscaled = unscaled * 10 + (c - '0');
                } else {
                    return null;
                }
            }
            return BigDecimal.valueOf(negative ? -unscaled : unscaled, scale);
        }

        private int digits() {
            int from = at;
            while (at < s.length() && s.charAt(at) >= '0' && s.charAt(at) <= '9') {
                at++;
            }
            return at - from;
        }
    }

    // the tree's number node strips trailing zeros (Jackson's default), so the value here does too
    private static BigDecimal asTreeHoldsIt(BigDecimal d) {
        if (d.signum() == 0) {
            return new BigDecimal(BigInteger.ZERO, 0);
        }
        try {
            return d.stripTrailingZeros();
        } catch (ArithmeticException e) {
            return d;
        }
    }
}
