package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
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
                LocalDate d = LocalDate.parse(s);
                return new Moment(d, d, d.atStartOfDay().toEpochSecond(ZoneOffset.UTC), true);
            }
            String iso = s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
            if (iso.endsWith("Z") || iso.matches(".*[+-]\\d\\d(:?\\d\\d)?$")) {
                OffsetDateTime t = OffsetDateTime.parse(iso.replaceFirst("([+-]\\d\\d)$", "$1:00"));
                return new Moment(t, t.toLocalDate(), t.toEpochSecond(), false);
            }
            LocalDateTime t = LocalDateTime.parse(iso);
            return new Moment(t, t.toLocalDate(), t.toEpochSecond(ZoneOffset.UTC), false);
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw Llm4esException.invalid(
                    "field '" + field + "': '" + Excerpt.of(raw) + "' is not an ISO date or timestamp");
        }
    }
}
