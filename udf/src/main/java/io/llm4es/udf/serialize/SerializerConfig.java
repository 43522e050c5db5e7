package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The serializer config of DESIGN.md: which fields an event has, how each is rendered, the
 * rendering, and the token budget. It is stored verbatim in a bundle's manifest, so parsing is
 * strict: an unknown key is a typo that would silently change the text, and is refused.
 */
public final class SerializerConfig {
    public static final int FORMAT_VERSION = 1;
    static final ObjectMapper JSON = StrictJson.MAPPER;
    private static final Set<String> KEYS = Set.of(
            "format_version",
            "fields",
            "header",
            "header_separator",
            "value_separator",
            "rendering",
            "max_tokens",
            "truncation",
            "summary",
            "group_by",
            "corpus_mix");
    private static final Set<String> FIELD_KEYS = Set.of(
            "name",
            "role",
            "label",
            "format",
            "dictionary",
            "unknown",
            "dictionary_ref",
            "dictionary_sha256",
            "weekday",
            "since_previous",
            "unit",
            "magnitude",
            "bins",
            "bin_labels",
            "significant_digits");
    private static final Set<String> SUMMARY_KEYS = Set.of("top", "count_by", "sum_of");
    private static final Set<String> MIX_KEYS = Set.of("shares", "seed");

    private final List<FieldSpec> fields;
    private final Map<String, FieldSpec> byName;
    private final boolean header;
    private final String headerSeparator;
    private final String valueSeparator;
    private final String rendering;
    private final Integer maxTokens;
    private final Truncation truncation;
    private final SummarySpec summary;
    private final String groupBy;
    private final boolean groupByGiven;
    private final CorpusMix corpusMix;

    public SerializerConfig(
            List<FieldSpec> fields,
            boolean header,
            String headerSeparator,
            String valueSeparator,
            String rendering,
            Integer maxTokens,
            Truncation truncation) {
        this(fields, header, headerSeparator, valueSeparator, rendering, maxTokens, truncation, null, null, null);
    }

    /**
     * @param summary   the summary above the events, or null for none
     * @param groupBy   the category field of the grouped rendering; null means the first one
     * @param corpusMix renderings mixed in the training corpus, or null for the rendering alone
     */
    public SerializerConfig(
            List<FieldSpec> fields,
            boolean header,
            String headerSeparator,
            String valueSeparator,
            String rendering,
            Integer maxTokens,
            Truncation truncation,
            SummarySpec summary,
            String groupBy,
            CorpusMix corpusMix) {
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
        if (fields.stream().filter(f -> f.timeStyle().sincePrevious()).count() > 1) {
            throw Llm4esException.invalid("serializer config: since_previous may be set on one time field only");
        }
        this.header = header;
        this.headerSeparator = headerSeparator;
        this.valueSeparator = valueSeparator;
        this.rendering = Renderings.byName(rendering).name();
        if (maxTokens != null && maxTokens < 1) {
            throw Llm4esException.invalid("serializer config: max_tokens must be positive, got " + maxTokens);
        }
        this.maxTokens = maxTokens;
        this.truncation = truncation;
        this.summary = summary;
        if (summary != null) {
            checkRoles(summary.countBy(), FieldRole.CATEGORY, "summary.count_by");
            checkRoles(summary.sumOf(), FieldRole.NUMBER, "summary.sum_of");
            if (summary.top() < 1) {
                throw Llm4esException.invalid("serializer config: summary.top must be positive, got " + summary.top());
            }
        }
        this.groupByGiven = groupBy != null;
        this.groupBy = groupBy != null
                ? groupBy
                : fields.stream()
                        .filter(f -> f.role() == FieldRole.CATEGORY)
                        .map(FieldSpec::name)
                        .findFirst()
                        .orElse(null);
        if (groupByGiven) {
            checkRoles(List.of(groupBy), FieldRole.CATEGORY, "group_by");
        }
        this.corpusMix = corpusMix;
        checkGrouping(this.rendering);
        if (corpusMix != null) {
            corpusMix.shares().keySet().forEach(this::checkGrouping);
        }
    }

    private void checkRoles(List<String> names, FieldRole role, String key) {
        for (String n : names) {
            FieldSpec f = byName.get(n);
            if (f == null || f.role() != role) {
                throw Llm4esException.invalid("serializer config: " + key + " names '" + n + "', which is not a "
                        + role.jsonName() + " field");
            }
        }
    }

    private void checkGrouping(String renderingName) {
        if ("grouped".equals(renderingName) && groupBy == null) {
            throw Llm4esException.invalid("serializer config: the grouped rendering needs a category field (group_by)");
        }
    }

    public static SerializerConfig parse(String json) {
        try {
            return fromJson(StrictJson.read(json));
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw Llm4esException.invalid("serializer config is not valid JSON: " + StrictJson.reason(e));
        }
    }

    public static SerializerConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw Llm4esException.invalid("serializer config must be a JSON object");
        }
        rejectUnknownKeys(node, KEYS, "serializer config");
        int version = wholeInt(node, "format_version", FORMAT_VERSION, "serializer config");
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
        return new SerializerConfig(
                fields,
                flag(node, "header", true, "serializer config"),
                text(node, "header_separator", "|"),
                text(node, "value_separator", ", "),
                text(node, "rendering", Renderings.LINES),
                node.hasNonNull("max_tokens")
                        ? tokenCount(node.get("max_tokens"), "serializer config: max_tokens")
                        : null,
                Truncation.parse(text(node, "truncation", Truncation.DROP_OLDEST.jsonName())),
                summaryFromJson(node.get("summary"), fields),
                text(node, "group_by", null),
                mixFromJson(node.get("corpus_mix")));
    }

    private static FieldSpec fieldFromJson(JsonNode f) {
        if (!f.isObject() || !f.hasNonNull("name")) {
            throw Llm4esException.invalid("serializer config: every field needs a 'name': " + f);
        }
        String name = string(f.get("name"), "serializer config: a field's 'name'");
        String where = "field '" + name + "'";
        rejectUnknownKeys(f, FIELD_KEYS, where);
        CodeDictionary dictionary = null;
        JsonNode dict = f.path("dictionary");
        if (!dict.isMissingNode()) {
            if (!dict.isObject()) {
                throw Llm4esException.invalid(where + ": 'dictionary' must be a JSON object of code -> text");
            }
            if (f.has("dictionary_ref")) {
                throw Llm4esException.invalid(where + ": give either 'dictionary' or 'dictionary_ref', not both");
            }
            Map<String, String> entries = new LinkedHashMap<>();
            dict.fields()
                    .forEachRemaining(e -> entries.put(
                            e.getKey(), string(e.getValue(), where + ": dictionary entry '" + e.getKey() + "'")));
            dictionary = CodeDictionary.inline(entries);
        } else if (f.hasNonNull("dictionary_ref")) {
            dictionary =
                    CodeDictionary.resolve(text(f, "dictionary_ref", null), text(f, "dictionary_sha256", null), name);
        } else if (f.has("dictionary_sha256")) {
            throw Llm4esException.invalid(where + ": dictionary_sha256 needs a dictionary_ref");
        }
        TimeStyle time = new TimeStyle(bool(f, "weekday", where), bool(f, "since_previous", where));
        NumberStyle number = numberStyle(f, where);
        return new FieldSpec(
                name,
                FieldRole.parse(text(f, "role", "text"), name),
                text(f, "label", null),
                text(f, "format", null),
                dictionary,
                text(f, "unknown", null),
                time.plain() ? null : time,
                number.plain() ? null : number);
    }

    private static NumberStyle numberStyle(JsonNode f, String where) {
        SignificantDigits significant = null;
        JsonNode digits = f.get("significant_digits");
        if (digits != null && !digits.isNull()) {
            if (!digits.isIntegralNumber() || !digits.canConvertToInt()) {
                throw Llm4esException.invalid(where + ": significant_digits must be a whole number, got " + digits);
            }
            if (digits.intValue() < 1 || digits.intValue() > SignificantDigits.MAX) {
                throw Llm4esException.invalid(
                        where + ": significant_digits must be from 1 to " + SignificantDigits.MAX + ", got " + digits);
            }
            if (bool(f, "magnitude", where)) {
                throw Llm4esException.invalid(where + ": magnitude and significant_digits exclude each other");
            }
            significant = new SignificantDigits(digits.intValue());
        }
        return new NumberStyle(text(f, "unit", null), bool(f, "magnitude", where), binsFromJson(f, where), significant);
    }

    private static Bins binsFromJson(JsonNode f, String where) {
        JsonNode edges = f.get("bins");
        JsonNode labels = f.get("bin_labels");
        if (edges == null && labels == null) {
            return null;
        }
        if (edges == null || labels == null || !edges.isArray() || !labels.isArray()) {
            throw Llm4esException.invalid(where + ": 'bins' (an array of edges) and 'bin_labels' (an array of "
                    + "labels, one more than edges) go together");
        }
        List<BigDecimal> e = new ArrayList<>();
        for (JsonNode n : edges) {
            if (!n.isNumber()) {
                throw Llm4esException.invalid(where + ": bin edge " + n + " is not a number");
            }
            e.add(n.decimalValue());
        }
        List<String> l = new ArrayList<>();
        labels.forEach(n -> l.add(string(n, where + ": a bin label")));
        return new Bins(e, l);
    }

    private static SummarySpec summaryFromJson(JsonNode node, List<FieldSpec> fields) {
        if (node == null || node.isNull() || node.isBoolean() && !node.asBoolean()) {
            return null;
        }
        if (node.isBoolean()) {
            node = JSON.createObjectNode();
        }
        if (!node.isObject()) {
            throw Llm4esException.invalid(
                    "serializer config: 'summary' must be false, true or an object {top, count_by, sum_of}");
        }
        rejectUnknownKeys(node, SUMMARY_KEYS, "summary");
        return new SummarySpec(
                wholeInt(node, "top", SummarySpec.DEFAULT_TOP, "summary"),
                names(node.get("count_by"), fields, FieldRole.CATEGORY, "summary.count_by"),
                names(node.get("sum_of"), fields, FieldRole.NUMBER, "summary.sum_of"));
    }

    private static List<String> names(JsonNode node, List<FieldSpec> fields, FieldRole byDefault, String where) {
        if (node == null) {
            return fields.stream()
                    .filter(f -> f.role() == byDefault)
                    .map(FieldSpec::name)
                    .toList();
        }
        if (!node.isArray()) {
            throw Llm4esException.invalid("serializer config: " + where + " must be an array of field names");
        }
        List<String> out = new ArrayList<>();
        node.forEach(n -> out.add(string(n, "serializer config: " + where)));
        return out;
    }

    private static CorpusMix mixFromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject() || !node.path("shares").isObject()) {
            throw Llm4esException.invalid(
                    "serializer config: 'corpus_mix' must be {\"shares\": {rendering: share}, \"seed\": N}");
        }
        rejectUnknownKeys(node, MIX_KEYS, "corpus_mix");
        Map<String, Double> shares = new LinkedHashMap<>();
        node.get("shares")
                .fields()
                .forEachRemaining(e -> shares.put(e.getKey(), e.getValue().asDouble(Double.NaN)));
        return new CorpusMix(shares, wholeNumber(node, "seed", 0, "corpus_mix"));
    }

    /** The most tokens any budget may name: far above any model's context, far below int overflow. */
    public static final int MAX_TOKENS_LIMIT = 1 << 20;

    /** A token budget as written: a whole number from 1 to {@value #MAX_TOKENS_LIMIT}, never a wrapped int. */
    public static int tokenCount(JsonNode v, String what) {
        if (v == null
                || !v.isIntegralNumber()
                        && !(v.isNumber()
                                && v.decimalValue().stripTrailingZeros().scale() <= 0)) {
            throw Llm4esException.invalid(what + " must be a whole number, got " + v);
        }
        BigDecimal n = v.decimalValue();
        if (n.signum() < 1 || n.compareTo(BigDecimal.valueOf(MAX_TOKENS_LIMIT)) > 0) {
            throw Llm4esException.invalid(what + " must be from 1 to " + MAX_TOKENS_LIMIT + ", got " + v);
        }
        return n.intValueExact();
    }

    private static boolean bool(JsonNode node, String key, String where) {
        return flag(node, key, false, where);
    }

    private static boolean flag(JsonNode node, String key, boolean fallback, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw Llm4esException.invalid(where + ": '" + key + "' must be true or false, got " + v);
        }
        return v.asBoolean();
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
            throw Llm4esException.invalid(
                    where + ": unknown key(s) " + unknown + " (allowed: " + new TreeSet<>(allowed) + ")");
        }
    }

    // a mistyped value is refused, never read as its default or as its text
    private static String text(JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : string(v, "serializer config: '" + key + "'");
    }

    private static String string(JsonNode v, String what) {
        if (!v.isTextual()) {
            throw Llm4esException.invalid(what + " must be a string, got " + Excerpt.of(v.toString()));
        }
        return v.asText();
    }

    private static int wholeInt(JsonNode node, String key, int fallback, String where) {
        long v = wholeNumber(node, key, fallback, where);
        if (v != (int) v) {
            throw Llm4esException.invalid(where + ": '" + key + "' is out of range, got " + v);
        }
        return (int) v;
    }

    private static long wholeNumber(JsonNode node, String key, long fallback, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw Llm4esException.invalid(
                    where + ": '" + key + "' must be a whole number, got " + Excerpt.of(v.toString()));
        }
        return v.asLong();
    }

    /** The same config with another rendering: a preview, or one share of a mixed corpus. */
    public SerializerConfig withRendering(String name) {
        return new SerializerConfig(
                fields,
                header,
                headerSeparator,
                valueSeparator,
                name,
                maxTokens,
                truncation,
                summary,
                groupByGiven ? groupBy : null,
                corpusMix);
    }

    /** The same config recording the corpus mix it was exported with. */
    public SerializerConfig withCorpusMix(CorpusMix mix) {
        return new SerializerConfig(
                fields,
                header,
                headerSeparator,
                valueSeparator,
                rendering,
                maxTokens,
                truncation,
                summary,
                groupByGiven ? groupBy : null,
                mix);
    }

    /**
     * The config as JSON, with every default written out, so it describes itself. A file
     * dictionary is inlined (the file does not travel with a bundle); a builtin one stays a
     * reference pinned by its sha256.
     */
    public ObjectNode toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("format_version", FORMAT_VERSION);
        ArrayNode arr = node.putArray("fields");
        for (FieldSpec f : fields) {
            fieldToJson(f, arr.addObject());
        }
        node.put("header", header);
        node.put("header_separator", headerSeparator);
        node.put("value_separator", valueSeparator);
        node.put("rendering", rendering);
        if (maxTokens != null) {
            node.put("max_tokens", maxTokens);
        }
        node.put("truncation", truncation.jsonName());
        if (summary != null) {
            ObjectNode s = node.putObject("summary");
            s.put("top", summary.top());
            summary.countBy().forEach(s.putArray("count_by")::add);
            summary.sumOf().forEach(s.putArray("sum_of")::add);
        }
        if (groupByGiven || usesRendering("grouped")) {
            node.put("group_by", groupBy);
        }
        if (corpusMix != null) {
            ObjectNode m = node.putObject("corpus_mix");
            ObjectNode shares = m.putObject("shares");
            corpusMix.shares().forEach(shares::put);
            m.put("seed", corpusMix.seed());
        }
        return node;
    }

    private static void fieldToJson(FieldSpec f, ObjectNode o) {
        o.put("name", f.name());
        o.put("role", f.role().jsonName());
        o.put("label", f.label());
        if (f.format() != null) {
            o.put("format", f.format());
        }
        CodeDictionary dict = f.codeDictionary();
        if (dict != null && dict.builtin() != null) {
            o.put("dictionary_ref", "builtin:" + dict.builtin());
            o.put("dictionary_sha256", dict.sha256());
            o.put("unknown", f.unknownTemplate());
        } else if (!f.dictionary().isEmpty()) {
            ObjectNode d = o.putObject("dictionary");
            f.dictionary().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(e -> d.put(e.getKey(), e.getValue()));
            o.put("unknown", f.unknownTemplate());
        }
        if (f.timeStyle().weekday()) {
            o.put("weekday", true);
        }
        if (f.timeStyle().sincePrevious()) {
            o.put("since_previous", true);
        }
        NumberStyle n = f.numberStyle();
        if (n.unit() != null) {
            o.put("unit", n.unit());
        }
        if (n.magnitude()) {
            o.put("magnitude", true);
        }
        if (n.bins() != null) {
            n.bins().edges().forEach(o.putArray("bins")::add);
            n.bins().labels().forEach(o.putArray("bin_labels")::add);
        }
        if (n.significant() != null) {
            o.put("significant_digits", n.significant().digits());
        }
    }

    private boolean usesRendering(String name) {
        return rendering.equals(name) || corpusMix != null && corpusMix.shares().containsKey(name);
    }

    public List<FieldSpec> fields() {
        return fields;
    }

    public FieldSpec field(String name) {
        return byName.get(name);
    }

    public boolean header() {
        return header;
    }

    public String headerSeparator() {
        return headerSeparator;
    }

    public String valueSeparator() {
        return valueSeparator;
    }
    /** The rendering inference uses (and the corpus, unless a corpus mix is given). */
    public String rendering() {
        return rendering;
    }
    /** The serializer's own budget, or null to use the model's. */
    public Integer maxTokens() {
        return maxTokens;
    }

    public Truncation truncation() {
        return truncation;
    }
    /** The summary above the events, or null for none. */
    public SummarySpec summary() {
        return summary;
    }
    /** The category field the grouped rendering groups by; null when the config has none. */
    public String groupBy() {
        return groupBy;
    }
    /** Renderings mixed in the training corpus, or null. */
    public CorpusMix corpusMix() {
        return corpusMix;
    }

    int indexOf(String field) {
        return fields.indexOf(byName.get(field));
    }
}
