package io.llm4es.udf.serialize;

import java.util.List;

/**
 * The optional summary above a history: event count and span, the {@code top} most frequent
 * values of each {@code countBy} category field, and the total of each {@code sumOf} number field.
 */
public record SummarySpec(int top, List<String> countBy, List<String> sumOf) {
    public static final int DEFAULT_TOP = 3;

    public SummarySpec {
        countBy = List.copyOf(countBy);
        sumOf = List.copyOf(sumOf);
    }
}
