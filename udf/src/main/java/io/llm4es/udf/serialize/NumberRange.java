package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;

/**
 * The numbers an event may hold: those of a double's range, written in at most
 * {@value #MAX_DIGITS} characters. A decimal is exact at any size, but rendering
 * {@code 1e999999999} in plain digits or a number format writes a billion characters; beyond a
 * double's range no real amount, count or measure lies, so such a value is refused (22023)
 * before anything renders it.
 */
final class NumberRange {
    static final int MAX_DIGITS = 1000;
    // the decimal exponents of Double.MAX_VALUE (1.8e308) and Double.MIN_VALUE (4.9e-324)
    private static final int MAX_EXPONENT = 308;
    private static final int MIN_EXPONENT = -324;

    private NumberRange() {}

    /** {@code raw} (a string value of a number field) as a number of the allowed range. */
    static BigDecimal parse(String raw, String field) {
        String s = raw.trim();
        if (s.length() > MAX_DIGITS) {
            throw Llm4esException.invalid(
                    "field '" + field + "': a number of " + s.length() + " characters is longer than " + MAX_DIGITS);
        }
        BigDecimal number;
        try {
            number = new BigDecimal(s);
        } catch (NumberFormatException e) {
            throw Llm4esException.invalid("field '" + field + "': '" + Excerpt.of(raw) + "' is not a number");
        }
        return check(number, field);
    }

    /** {@code number} itself, when it lies within a double's range (zero included). */
    static BigDecimal check(BigDecimal number, String field) {
        if (number.signum() == 0) {
            return number;
        }
        // the exponent of the leading digit: 1.5e400 -> 400, 0.001 -> -3
        long exponent = (long) number.precision() - number.scale() - 1;
        if (exponent > MAX_EXPONENT || exponent < MIN_EXPONENT) {
            throw Llm4esException.invalid("field '" + field + "': " + Excerpt.of(number.toString())
                    + " is beyond the range of a number (a double's, about 1e-324 to 1.8e308)");
        }
        return number;
    }
}
