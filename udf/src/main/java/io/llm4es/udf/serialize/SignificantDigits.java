package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * A number rounded (half up) to a few significant digits, with a one-letter magnitude from a
 * thousand on: {@code 12345.67 -> 12k}, {@code -1234 -> -1.2k}, {@code 999.6 -> 1k},
 * {@code 0.0456 -> 0.046}. A tokenizer reads one short piece where a full amount costs one token
 * per digit, and a domain tokenizer learns the frequent ones as single tokens.
 */
public record SignificantDigits(int digits) {
    public static final int MAX = 17;
    private static final String[] SUFFIXES = {"", "k", "M", "B", "T"};

    public SignificantDigits {
        if (digits < 1 || digits > MAX) {
            throw Llm4esException.invalid("significant_digits must be from 1 to " + MAX + ", got " + digits);
        }
    }

    public String format(BigDecimal value) {
        if (value.signum() == 0) {
            return "0";
        }
        // rounded first, so that 999.6 reads 1k, never 1000
        BigDecimal rounded = value.round(new MathContext(digits, RoundingMode.HALF_UP));
        int exponent = rounded.precision() - rounded.scale() - 1;
        int group = exponent < 3 ? 0 : Math.min(exponent / 3, SUFFIXES.length - 1);
        return rounded.movePointLeft(3 * group).stripTrailingZeros().toPlainString() + SUFFIXES[group];
    }
}
