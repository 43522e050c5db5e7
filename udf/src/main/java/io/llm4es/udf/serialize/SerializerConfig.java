package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.error.Llm4esException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The serializer config of DESIGN.md: which fields an event has, how each is rendered, and the
 * token budget. It is stored verbatim in a bundle's manifest, so parsing is strict: an unknown
 * key is a typo that would silently change the text, and is refused.
 */
public final class SerializerConfig {
    public static final int FORMAT_VERSION = 1;
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("format_version", "fields", "header", "header_separator",
            "value_separator", "rendering", "max_tokens", "truncation");
    private static final Set<String> FIELD_KEYS = Set.of("name", "role", "label", "format", "dictionary", "unknown");

    private final List<FieldSpec> fields;
    private final Map<String, FieldSpec> byName;
    private final boolean header;
    private final String headerSeparator;
    private final String valueSeparator;
    private final String rendering;
    private final Integer maxTokens;
    private final Truncation truncation;

    public SerializerConfig(List<FieldSpec> fields, boolean header, String headerSeparator, String valueSeparator,
                            String rendering, Integer maxTokens, Truncation truncation) {
        if (fields.isEmpty()) {
            throw Llm4esException.invalid("serializer config: 'fields' must list at least one field");
        }
        this.fields = List.copyOf(fields);
        Map<String, FieldSpec> map = new LinkedHashMap<>();
        for (FieldSpec f : fields) {
            if (map.put(f.name(), f) != null) {
                throw Llm4esException.invalid("serializer config: field '" + f.name() + "' is listed twice");
            }
        }
        this.byName = Collections.unmodifiableMap(map);
        this.header = header;
        this.headerSeparator = headerSeparator;
        this.valueSeparator = valueSeparator;
        if (!"lines".equals(rendering)) {
            throw new Llm4esException(io.llm4es.udf.error.SqlState.FEATURE_NOT_SUPPORTED,
                    "serializer config: rendering '" + rendering + "' is not available in this version (use 'lines')");
        }
        this.rendering = rendering;
        if (maxTokens != null && maxTokens < 1) {
            throw Llm4esException.invalid("serializer config: max_tokens must be positive, got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.truncation = truncation;
    }

    public static SerializerConfig parse(String json) {
        try {
            return fromJson(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw Llm4esException.invalid("serializer config is not valid JSON: " + e.getOriginalMessage());
        }
    }

    public static SerializerConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw Llm4esException.invalid("serializer config must be a JSON object");
        }
        rejectUnknownKeys(node, KEYS, "serializer config");
        int version = node.path("format_version").asInt(FORMAT_VERSION);
        if (version != FORMAT_VERSION) {
            throw Llm4esException.invalid("serializer config format_version " + version + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        JsonNode fieldsNode = node.path("fields");
        if (!fieldsNode.isArray()) {
            throw Llm4esException.invalid("serializer config: 'fields' must be an array");
        }
        List<FieldSpec> fields = new ArrayList<>();
        for (JsonNode f : fieldsNode) {
            fields.add(fieldFromJson(f));
        }
        return new SerializerConfig(fields,
                node.path("header").asBoolean(true),
                text(node, "header_separator", "|"),
                text(node, "value_separator", ", "),
                text(node, "rendering", "lines"),
                node.hasNonNull("max_tokens") ? node.get("max_tokens").asInt() : null,
                Truncation.parse(text(node, "truncation", Truncation.DROP_OLDEST.jsonName())));
    }

    private static FieldSpec fieldFromJson(JsonNode f) {
        if (!f.isObject() || !f.hasNonNull("name")) {
            throw Llm4esException.invalid("serializer config: every field needs a 'name': " + f);
        }
        String name = f.get("name").asText();
        rejectUnknownKeys(f, FIELD_KEYS, "field '" + name + "'");
        Map<String, String> dictionary = new LinkedHashMap<>();
        JsonNode dict = f.path("dictionary");
        if (!dict.isMissingNode() && !dict.isObject()) {
            throw Llm4esException.invalid("field '" + name + "': 'dictionary' must be a JSON object of code -> text");
        }
        dict.fields().forEachRemaining(e -> dictionary.put(e.getKey(), e.getValue().asText()));
        return new FieldSpec(name, FieldRole.parse(text(f, "role", "text"), name), text(f, "label", null),
                text(f, "format", null), dictionary, text(f, "unknown", null));
    }

    private static void rejectUnknownKeys(JsonNode node, Set<String> allowed, String where) {
        Set<String> unknown = new HashSet<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw Llm4esException.invalid(where + ": unknown key(s) " + unknown + " (allowed: " + allowed + ")");
        }
    }

    private static String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : v.asText();
    }

    /** The config as JSON, with every default written out, so it describes itself. */
    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format_version", FORMAT_VERSION);
        ArrayNode arr = node.putArray("fields");
        for (FieldSpec f : fields) {
            ObjectNode o = arr.addObject();
            o.put("name", f.name());
            o.put("role", f.role().jsonName());
            o.put("label", f.label());
            if (f.format() != null) {
                o.put("format", f.format());
            }
            if (!f.dictionary().isEmpty()) {
                ObjectNode d = o.putObject("dictionary");
                f.dictionary().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> d.put(e.getKey(), e.getValue()));
                o.put("unknown", f.unknownTemplate());
            }
        }
        node.put("header", header);
        node.put("header_separator", headerSeparator);
        node.put("value_separator", valueSeparator);
        node.put("rendering", rendering);
        if (maxTokens != null) {
            node.put("max_tokens", maxTokens);
        }
        node.put("truncation", truncation.jsonName());
        return node;
    }

    public List<FieldSpec> fields() { return fields; }
    public FieldSpec field(String name) { return byName.get(name); }
    public boolean header() { return header; }
    public String headerSeparator() { return headerSeparator; }
    public String valueSeparator() { return valueSeparator; }
    public String rendering() { return rendering; }
    /** The serializer's own budget, or null to use the model's. */
    public Integer maxTokens() { return maxTokens; }
    public Truncation truncation() { return truncation; }
}
