package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;

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
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            // numbers as written: 1e400 stays 1E+400 (and is refused by range), never Infinity
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    // reads a value and leaves what follows to readOne, which names it
    private static final ObjectReader ONE_VALUE =
            MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private StrictJson() {}

    /** One JSON value, alone: content after it is refused, naming where it starts. */
    public static JsonNode read(String text) throws JsonProcessingException {
        try (JsonParser p = MAPPER.createParser(text)) {
            return readOne(p);
        } catch (JsonProcessingException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** As {@link #read(String)}, for the bytes of a file. */
    public static JsonNode read(byte[] bytes) throws IOException {
        try (JsonParser p = MAPPER.createParser(bytes)) {
            return readOne(p);
        }
    }

    private static JsonNode readOne(JsonParser p) throws IOException {
        JsonNode node = ONE_VALUE.readTree(p);
        if (node == null) {
            return null;
        }
        long at = p.currentLocation().getCharOffset();
        JsonToken next;
        try {
            next = p.nextToken();
        } catch (JsonProcessingException e) {
            next = JsonToken.NOT_AVAILABLE;
        }
        if (next != null) {
            throw new JsonParseException(p, "content after the JSON value (from character " + (at + 1) + " on)");
        }
        return node;
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
