package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the common event, one JSON object of scalars whose keys are all fields of the config,
 * straight from the strict parser's tokens into one slot per field: no tree, no map. Anything
 * else (a nested value, an unknown key, bad JSON, a key given twice, content after the object)
 * gives null, and the event is read again by the tree reader, which refuses it with its own
 * message: an event reads the same and fails the same either way.
 */
final class FlatEventReader {
    private static final Object NOT_FLAT = new Object();

    private final Map<String, Integer> slots = new HashMap<>();
    private final int size;

    FlatEventReader(List<FieldSpec> fields) {
        for (int i = 0; i < fields.size(); i++) {
            slots.put(fields.get(i).name(), i);
        }
        size = fields.size();
    }

    /**
     * One value per field in config order: the string (a boolean as its text), the number as the
     * tree holds it, or null (JSON null or absent); null where the tree reader must decide.
     */
    Object[] read(String json) {
        try (JsonParser p = StrictJson.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            Object[] values = new Object[size];
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                Integer slot = t == JsonToken.FIELD_NAME ? slots.get(p.currentName()) : null;
                Object v = slot == null ? NOT_FLAT : scalar(p, p.nextToken());
                if (v == NOT_FLAT) {
                    return null;
                }
                values[slot] = v;
            }
            return p.nextToken() == null ? values : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Object scalar(JsonParser p, JsonToken t) throws IOException {
        if (t == null) {
            return NOT_FLAT;
        }
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getDecimalValue();
            case VALUE_NUMBER_FLOAT -> asTreeHoldsIt(p.getDecimalValue());
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NULL -> null;
            default -> NOT_FLAT;
        };
    }

    // the tree's number node strips trailing zeros (Jackson's default), so the value here does too
    private static BigDecimal asTreeHoldsIt(BigDecimal d) {
        if (d.signum() == 0) {
            return new BigDecimal(BigInteger.ZERO, 0);
        }
        try {
            return d.stripTrailingZeros();
        } catch (ArithmeticException e) {
            return d;
        }
    }
}
