package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.util.function.Function;

/**
 * How a number field reads beyond its format: magnitude words ({@code 1.2 thousand}), a unit or
 * currency ({@code 12.50 EUR}), a bin label ({@code (small)}) and significant digits
 * ({@code 12k}, see {@link SignificantDigits}). Short digit strings with a word tokenize into few,
 * meaningful tokens where long digit strings do not.
 *
 * @param significant the digits kept, or null for the field's format
 */
public record NumberStyle(String unit, boolean magnitude, Bins bins, SignificantDigits significant) {
    static final NumberStyle PLAIN = new NumberStyle(null, false, null, null);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);
    private static final String[] WORDS = {"thousand", "million", "billion", "trillion"};

    public NumberStyle {
        if (magnitude && significant != null) {
            throw Llm4esException.invalid("magnitude and significant_digits exclude each other");
        }
    }

    public boolean plain() {
        return unit == null && !magnitude && bins == null && significant == null;
    }

    /** The digits (with their magnitude word): what a rewrite must keep. */
    String fact(BigDecimal value, Function<BigDecimal, String> format) {
        if (significant != null) {
            return significant.format(value);
        }
        if (!magnitude || value.abs().compareTo(THOUSAND) < 0) {
            return format.apply(value);
        }
        BigDecimal scaled = value;
        int word = -1;
        while (word < WORDS.length - 1 && scaled.abs().compareTo(THOUSAND) >= 0) {
            scaled = scaled.movePointLeft(3);
            word++;
        }
        String digits = format.apply(scaled);
        if (word < WORDS.length - 1 && roundsUpToThousand(digits)) {
            // 999,999 must read "1 million", not "1000 thousand"
            scaled = scaled.movePointLeft(3);
            word++;
            digits = format.apply(scaled);
        }
        return digits + " " + WORDS[word];
    }

    private static boolean roundsUpToThousand(String digits) {
        try {
            return new BigDecimal(digits).abs().compareTo(THOUSAND) >= 0;
        } catch (NumberFormatException e) {
            return false; // a grouped or decorated format: leave it as formatted
        }
    }

    /** The fact with unit and bin, for one event; totals are shown without a bin. */
    String decorate(String fact, BigDecimal value, boolean withBin) {
        if (unit == null && (!withBin || bins == null)) {
            return fact;
        }
        StringBuilder sb = new StringBuilder(fact);
        if (unit != null) {
            sb.append(' ').append(unit);
        }
        if (withBin && bins != null) {
            sb.append(" (").append(bins.label(value)).append(')');
        }
        return sb.toString();
    }
}
