package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one JSON reader of everything a user or a bundle hands llm4es: events, options, serializer
 * configs, manifests. Text that reads as one value plus something else is refused rather than half
 * read: content after the value ({@code {...} xyz}) and a key given twice (which one would win is
 * an accident of the parser) are errors, as are nesting and numbers beyond what a person writes.
 */
public final class StrictJson {
    /** Deeper than any event, config or manifest; deep enough that no real document hits it. */
    static final int MAX_NESTING = 64;

    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // numbers as written: 1e400 stays 1E+400 (and is refused by range), never Infinity
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private StrictJson() {
    }

    /** Why a text is not JSON, in one short line: the parser's own words without its source excerpt. */
    public static String reason(Exception e) {
        String m = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        m = String.valueOf(m).strip();
        int cut = m.indexOf('\n');
        m = cut < 0 ? m : m.substring(0, cut);
        return m.length() <= 200 ? m : m.substring(0, 197) + "...";
    }
}
