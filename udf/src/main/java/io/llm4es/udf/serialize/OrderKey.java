package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * The value an aggregate orders a user's events by. Engines hand keys over as different Java
 * types (java.sql.Timestamp, LocalDateTime, Long, BigDecimal, String ...); they are normalised
 * to three kinds so that any two keys of one kind compare exactly.
 */
public record OrderKey(Kind kind, Comparable<?> value) implements Comparable<OrderKey> {
    public enum Kind { NUMBER, TIME, TEXT }

    /** Returns null for a SQL NULL, which the aggregate skips. */
    public static OrderKey of(Object key) {
        if (key == null) {
            return null;
        }
        if (key instanceof BigDecimal d) {
            return new OrderKey(Kind.NUMBER, d);
        }
        if (key instanceof Double || key instanceof Float) {
            double d = ((Number) key).doubleValue();
            if (!Double.isFinite(d)) {
                // NaN is unordered and infinities are no instant: neither places an event in a history
                throw Llm4esException.invalid("order key " + d + " is not a finite number");
            }
            return new OrderKey(Kind.NUMBER, BigDecimal.valueOf(d));
        }
        if (key instanceof Boolean b) {
            // false before true, as every engine that sorts booleans itself (DuckDB) orders them
            return new OrderKey(Kind.NUMBER, b ? BigDecimal.ONE : BigDecimal.ZERO);
        }
        if (key instanceof Number n) {
            return new OrderKey(Kind.NUMBER, new BigDecimal(n.toString()));
        }
        if (key instanceof java.sql.Timestamp t) {
            return new OrderKey(Kind.TIME, t.toLocalDateTime());
        }
        if (key instanceof java.sql.Date d) {
            return new OrderKey(Kind.TIME, d.toLocalDate().atStartOfDay());
        }
        if (key instanceof java.util.Date d) {
            return new OrderKey(Kind.TIME, LocalDateTime.ofInstant(d.toInstant(), ZoneOffset.UTC));
        }
        if (key instanceof LocalDateTime t) {
            return new OrderKey(Kind.TIME, t);
        }
        if (key instanceof LocalDate d) {
            return new OrderKey(Kind.TIME, d.atStartOfDay());
        }
        if (key instanceof OffsetDateTime t) {
            return new OrderKey(Kind.TIME, LocalDateTime.ofInstant(t.toInstant(), ZoneOffset.UTC));
        }
        if (key instanceof ZonedDateTime t) {
            return new OrderKey(Kind.TIME, LocalDateTime.ofInstant(t.toInstant(), ZoneOffset.UTC));
        }
        if (key instanceof Instant t) {
            return new OrderKey(Kind.TIME, LocalDateTime.ofInstant(t, ZoneOffset.UTC));
        }
        if (key instanceof CharSequence s) {
            return new OrderKey(Kind.TEXT, s.toString());
        }
        throw Llm4esException.invalid("order key of type " + key.getClass().getSimpleName()
                + " is not supported (use a number, date, timestamp or string)");
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compareTo(OrderKey other) {
        if (kind != other.kind) {
            throw Llm4esException.invalid("order keys of one user mix " + kind.name().toLowerCase()
                    + " and " + other.kind.name().toLowerCase() + " values");
        }
        return ((Comparable) value).compareTo(other.value);
    }
}
