package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import java.util.Iterator;

/**
 * The {@code options} argument of {@code serialize_events}: a JSON object, for now only
 * {@code {"rendering": "yaml"}}, which shows the history in another rendering of the model's
 * serializer. Unknown keys are refused (22023), as in the serializer config.
 */
public record SerializeOptions(String rendering) {
    public static final SerializeOptions NONE = new SerializeOptions(null);

    public static SerializeOptions parse(String json) {
        if (json == null || json.isBlank()) {
            return NONE;
        }
        JsonNode node;
        try {
            node = StrictJson.read(json);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw Llm4esException.invalid("serialize_events options are not valid JSON: " + StrictJson.reason(e));
        }
        if (node == null || !node.isObject()) {
            throw Llm4esException.invalid(
                    "serialize_events options must be a JSON object, e.g. {\"rendering\": \"yaml\"}");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("rendering")) {
                throw Llm4esException.invalid(
                        "serialize_events options: unknown key '" + key + "' (allowed: [rendering])");
            }
        }
        String rendering = node.hasNonNull("rendering") ? node.get("rendering").asText() : null;
        return new SerializeOptions(
                rendering == null ? null : Renderings.byName(rendering).name());
    }
}
