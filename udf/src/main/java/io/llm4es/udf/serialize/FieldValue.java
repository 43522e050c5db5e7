package io.llm4es.udf.serialize;

import java.math.BigDecimal;

/**
 * One field's value in one event: the text every rendering shows, and what summaries, gaps and
 * rewrite checks compute with.
 *
 * @param text        the rendered value (dictionary meaning, readable number or date), one line
 * @param fact        the part of {@code text} that must survive any rewording (a date or number,
 *                    before weekday, unit and bin are added); null for categories and text
 * @param moment      the parsed time of a time field, or null
 * @param number      the value of a number field, or null
 * @param unknownCode whether a category value was missing from the field's dictionary
 */
public record FieldValue(String text, String fact, Moment moment, BigDecimal number, boolean unknownCode) {
    static final FieldValue EMPTY = new FieldValue("", null, null, null, false);

    static FieldValue text(String text) {
        return new FieldValue(text, null, null, null, false);
    }
}
