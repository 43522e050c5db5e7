package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A zeros-only number format rounds by BigDecimal: the digits must be DecimalFormat's, sign of zero included. */
class FixedDecimalsTest {
    @Test
    void writesWhatDecimalFormatWritesForEveryValue() {
        Random rnd = new Random(7);
        for (String pattern : new String[] {"0", "0.0", "0.00", "0.000", "0.00000"}) {
            DecimalFormat f = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
            f.setRoundingMode(RoundingMode.HALF_UP);
            int decimals = FixedDecimals.of(pattern);
            for (int i = 0; i < 20_000; i++) {
                BigDecimal v =
                        new BigDecimal(BigInteger.valueOf(rnd.nextLong() >> rnd.nextInt(64)), rnd.nextInt(30) - 10);
                assertEquals(f.format(v), FixedDecimals.format(v, decimals), pattern + " of " + v);
            }
            for (String edge : new String[] {
                "0",
                "-0.0",
                "0.5",
                "-0.5",
                "0.05",
                "-0.004",
                "-0.0049",
                "0.995",
                "-999.995",
                "1E+300",
                "-1E-300",
                "123456789012345678901234567890.5",
                "2.5",
                "-2.5"
            }) {
                BigDecimal v = new BigDecimal(edge);
                assertEquals(f.format(v), FixedDecimals.format(v, decimals), pattern + " of " + edge);
            }
        }
    }

    @Test
    void onlyPatternsOfZerosAreFixedDecimals() {
        assertEquals(0, FixedDecimals.of("0"));
        assertEquals(2, FixedDecimals.of("0.00"));
        for (String other : new String[] {"#.00", "0.0#", "#,##0.00", "00.00", "0.", "0.00E0", "0.00 EUR", "0.00%"}) {
            assertEquals(-1, FixedDecimals.of(other), other);
        }
    }
}
