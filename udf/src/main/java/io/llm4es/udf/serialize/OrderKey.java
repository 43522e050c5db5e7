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
    public enum Kind {
        NUMBER,
        TIME,
        TEXT
    }

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

    /** {@link #asLong}'s answer for a key that has no long form. */
    public static final long NO_LONG = Long.MIN_VALUE;

    private static final long NANOS = 1_000_000_000L;

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public int compareTo(OrderKey other) {
        requireSameKind(kind, other.kind);
        return ((Comparable) value).compareTo(other.value);
    }

    /** Keys of one user must be of one kind: numbers, times or texts never compare with each other. */
    public static void requireSameKind(Kind a, Kind b) {
        if (a != b) {
            throw Llm4esException.invalid("order keys of one user mix "
                    + a.name().toLowerCase() + " and " + b.name().toLowerCase() + " values");
        }
    }

    /**
     * This key as a long that orders exactly as the key does among keys of its kind (an integral
     * number; a time as epoch nanoseconds, years 1678 to 2261), or {@link #NO_LONG}.
     */
    public long asLong() {
        try {
            long l = switch (kind) {
                case NUMBER -> ((BigDecimal) value).longValueExact();
                case TIME ->
                    Math.addExact(
                            Math.multiplyExact(((LocalDateTime) value).toEpochSecond(ZoneOffset.UTC), NANOS),
                            ((LocalDateTime) value).getNano());
                case TEXT -> NO_LONG;
            };
            return l;
        } catch (ArithmeticException e) {
            return NO_LONG;
        }
    }

    /** The key whose {@link #asLong} is {@code l}. */
    public static OrderKey ofLong(Kind kind, long l) {
        return switch (kind) {
            case NUMBER -> new OrderKey(kind, BigDecimal.valueOf(l));
            case TIME ->
                new OrderKey(
                        kind,
                        LocalDateTime.ofEpochSecond(
                                Math.floorDiv(l, NANOS), (int) Math.floorMod(l, NANOS), ZoneOffset.UTC));
            case TEXT -> throw new IllegalArgumentException("a text key has no long form");
        };
    }
}
