package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAccessor;

/**
 * A parsed time value: the value as written (for formats, weekdays and calendar spans) and its
 * position on one time line (for gaps). A value without an offset is read as UTC, so two local
 * times of one user compare as written.
 */
public record Moment(TemporalAccessor written, LocalDate date, long epochSecond, boolean dateOnly) {

    /** Parses an ISO date or timestamp ({@code T} or a space before the time, optional offset). */
    public static Moment parse(String raw, String field) {
        String s = raw.trim();
        try {
            if (s.length() <= 10) {
                LocalDate d = isoDate(s) ? isoDateOf(s) : LocalDate.parse(s);
                return new Moment(d, d, d.toEpochDay() * 86_400, true);
            }
            String iso = s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
            if (iso.endsWith("Z") || endsWithOffset(iso)) {
                OffsetDateTime t = OffsetDateTime.parse(endsWithHours(iso) ? iso + ":00" : iso);
                return new Moment(t, t.toLocalDate(), t.toEpochSecond(), false);
            }
            LocalDateTime t = LocalDateTime.parse(iso);
            return new Moment(t, t.toLocalDate(), t.toEpochSecond(ZoneOffset.UTC), false);
        } catch (DateTimeException | StringIndexOutOfBoundsException e) {
            throw Llm4esException.invalid(
                    "field '" + field + "': '" + Excerpt.of(raw) + "' is not an ISO date or timestamp");
        }
    }

    // yyyy-MM-dd in ASCII digits: read without the formatter's machinery, validated as strictly
    private static boolean isoDate(String s) {
        if (s.length() != 10 || s.charAt(4) != '-' || s.charAt(7) != '-') {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (i != 4 && i != 7 && !digit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static LocalDate isoDateOf(String s) {
        return LocalDate.of(number(s, 0, 4), number(s, 5, 7), number(s, 8, 10));
    }

    private static int number(String s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n = n * 10 + (s.charAt(i) - '0');
        }
        return n;
    }

    // an offset at the end: +hh, +hhmm or +hh:mm (or -)
    private static boolean endsWithOffset(String s) {
        return endsWithHours(s) || endsWith(s, 5, "+dddd") || endsWith(s, 6, "+dd:dd");
    }

    private static boolean endsWithHours(String s) {
        return endsWith(s, 3, "+dd");
    }

    private static boolean endsWith(String s, int n, String shape) {
        if (s.length() < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(s.length() - n + i);
            boolean fits = switch (shape.charAt(i)) {
                case '+' -> c == '+' || c == '-';
                case 'd' -> digit(c);
                default -> c == shape.charAt(i);
            };
            if (!fits) {
                return false;
            }
        }
        return true;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }
}
