package io.llm4es.udf.serialize;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A number format of zeros alone ({@code 0}, {@code 0.00}): a fixed count of decimals, rounded
 * half up. BigDecimal rounds to exactly the digits DecimalFormat writes for it, at a fraction of
 * the cost; the one difference, a negative value that rounds to zero ({@code -0.00}), is kept.
 */
final class FixedDecimals {
    private FixedDecimals() {}

    /** The decimals of such a pattern, or -1 for any other pattern (grouping, #, literals, exponent). */
    static int of(String pattern) {
        int dot = pattern.indexOf('.');
        if (dot < 0 ? !pattern.equals("0") : dot != 1 || pattern.charAt(0) != '0' || dot == pattern.length() - 1) {
            return -1;
        }
        for (int i = dot + 1; i < pattern.length(); i++) {
            if (pattern.charAt(i) != '0') {
                return -1;
            }
        }
        return dot < 0 ? 0 : pattern.length() - dot - 1;
    }

    static String format(BigDecimal number, int decimals) {
        BigDecimal rounded = number.setScale(decimals, RoundingMode.HALF_UP);
        String digits = rounded.toPlainString();
        // BigDecimal has no negative zero; DecimalFormat writes the sign of what it rounded
        return rounded.signum() == 0 && number.signum() < 0 ? "-" + digits : digits;
    }
}
