package io.llm4es.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.SerializerConfig;
import io.llm4es.udf.serialize.StrictJson;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code llm4es-model.json}: what a bundle is, how it pools, and the serializer it was trained with. */
public record ModelManifest(
        String name,
        String version,
        int hiddenSize,
        int numLayers,
        int layersFrom,
        int layersTo,
        int embeddingDim,
        int maxTokens,
        int bosId,
        int eosId,
        int padId,
        boolean addBos,
        boolean addEos,
        String onnxFile,
        SerializerConfig serializer,
        Map<String, String> files,
        JsonNode json) {

    public static final String FILE_NAME = "llm4es-model.json";
    public static final int FORMAT_VERSION = 1;
    public static final String TOKENIZER_FILE = "tokenizer.json";
    private static final int MAX_WIDTH = 1 << 16;
    private static final int MAX_LAYERS = 1 << 10;
    /** pooling.token_reduce -> the embedding's width in hidden sizes. */
    private static final Map<String, Integer> TOKEN_REDUCE_WIDTHS =
            Map.of("masked_mean", 1, "last_token", 1, "masked_mean_max", 2);

    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern FILE_NAME_PATTERN = Pattern.compile("[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*");

    public static ModelManifest parse(byte[] bytes, String where) {
        JsonNode root;
        try {
            root = StrictJson.read(bytes);
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(where, "manifest is not valid JSON: " + StrictJson.reason(e));
        }
        if (root == null || !root.isObject()) {
            throw corrupt(where, "manifest is not a JSON object");
        }
        int format = integer(root, "format_version", 0, Integer.MAX_VALUE, where);
        if (format != FORMAT_VERSION) {
            throw corrupt(
                    where, "manifest format_version " + format + " is not supported (expected " + FORMAT_VERSION + ")");
        }
        String name = text(required(root, "name", where), "name", where);
        if (!ModelDirectory.isName(name)) {
            throw corrupt(
                    where,
                    "manifest name '" + name + "' cannot be referenced in SQL (letters, digits, '_', '-', "
                            + "'.', no '..', at most 128)");
        }
        JsonNode versionNode = root.get("version");
        String version = versionNode == null || versionNode.isNull() ? "1" : text(versionNode, "version", where);
        if (!ModelDirectory.isName(version)) {
            throw corrupt(
                    where,
                    "manifest version '" + version + "' cannot be referenced as " + name
                            + ":<version> (letters, digits, '_', '-', '.')");
        }
        JsonNode pooling = object(root, "pooling", where);
        JsonNode tokens = object(root, "tokens", where);
        JsonNode onnx = object(root, "onnx", where);
        Map<String, String> files = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e :
                (Iterable<Map.Entry<String, JsonNode>>) object(root, "files", where)::fields) {
            checkFileName(e.getKey(), where);
            String sha = e.getValue().isTextual() ? e.getValue().asText() : "";
            if (!SHA256.matcher(sha).matches()) {
                throw corrupt(where, "manifest 'files' entry " + e.getKey() + " needs a sha256 (64 hex digits)");
            }
            files.put(e.getKey(), sha);
        }
        JsonNode onnxFileNode = onnx.get("file");
        String onnxFile =
                onnxFileNode == null || onnxFileNode.isNull() ? "model.onnx" : text(onnxFileNode, "onnx.file", where);
        checkFileName(onnxFile, where);
        for (String needed : new String[] {onnxFile, TOKENIZER_FILE}) {
            if (!files.containsKey(needed)) {
                throw corrupt(where, "manifest 'files' does not list " + needed);
            }
        }
        int hiddenSize = integer(root, "hidden_size", 1, MAX_WIDTH, where);
        int numLayers = integer(root, "num_layers", 1, MAX_LAYERS, where);
        int layersFrom = integer(pooling, "layers_from", 0, numLayers, where);
        int layersTo = integer(pooling, "layers_to", layersFrom, numLayers, where);
        int embeddingDim = integer(root, "embedding_dim", 1, MAX_WIDTH, where);
        JsonNode tokenReduceNode = pooling.get("token_reduce");
        String tokenReduce = tokenReduceNode == null || tokenReduceNode.isNull()
                ? "masked_mean"
                : text(tokenReduceNode, "pooling.token_reduce", where);
        Integer widths = TOKEN_REDUCE_WIDTHS.get(tokenReduce);
        if (widths == null) {
            throw corrupt(
                    where,
                    "manifest pooling.token_reduce '" + tokenReduce + "' is not one of "
                            + String.join(", ", new java.util.TreeSet<>(TOKEN_REDUCE_WIDTHS.keySet())));
        }
        if (embeddingDim != hiddenSize * widths) {
            // the graph pools hidden states: its output is as wide as they are (mean and max: twice)
            throw corrupt(
                    where,
                    "manifest embedding_dim " + embeddingDim + " is not " + widths + " x hidden_size " + hiddenSize
                            + " (pooling.token_reduce " + tokenReduce + ")");
        }
        int maxTokens;
        try {
            maxTokens = SerializerConfig.tokenCount(required(root, "max_tokens", where), "manifest max_tokens");
        } catch (Llm4esException e) {
            throw corrupt(where, e.getMessage());
        }
        boolean addBos = bool(tokens, "add_bos", where);
        boolean addEos = bool(tokens, "add_eos", where);
        int bosId = optionalInteger(tokens, "bos_id", addBos ? 0 : -1, -1, where);
        int eosId = optionalInteger(tokens, "eos_id", addEos ? 0 : -1, -1, where);
        int padId = optionalInteger(tokens, "pad_id", 0, 0, where);
        if (maxTokens <= (addBos ? 1 : 0) + (addEos ? 1 : 0)) {
            throw corrupt(
                    where, "manifest max_tokens " + maxTokens + " leaves no room for text after the special tokens");
        }
        JsonNode serializerNode = required(root, "serializer", where);
        checkNoDictionaryFile(serializerNode, where);
        SerializerConfig serializer;
        try {
            serializer = SerializerConfig.fromJson(serializerNode);
        } catch (Llm4esException e) {
            throw corrupt(where, e.getMessage());
        }
        if (serializer.maxTokens() != null && serializer.maxTokens() <= (addBos ? 1 : 0) + (addEos ? 1 : 0)) {
            throw corrupt(where, "serializer max_tokens " + serializer.maxTokens() + " leaves no room for text");
        }
        return new ModelManifest(
                name,
                version,
                hiddenSize,
                numLayers,
                layersFrom,
                layersTo,
                embeddingDim,
                maxTokens,
                bosId,
                eosId,
                padId,
                addBos,
                addEos,
                onnxFile,
                serializer,
                Map.copyOf(files),
                root);
    }

    /**
     * A file a manifest names: a path relative to the bundle's directory, in plain segments, that
     * cannot leave it ({@code ..}, absolute paths, drive letters, NUL and backslashes are refused).
     * Links are followed, and checked again, when the file is opened ({@link BundleSource}).
     */
    static void checkFileName(String file, String where) {
        boolean ok = !file.isEmpty()
                && file.length() <= 255
                && FILE_NAME_PATTERN.matcher(file).matches();
        for (String segment : file.split("/", -1)) {
            ok &= !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
        }
        if (!ok) {
            throw corrupt(
                    where,
                    "manifest names the file '" + printable(file) + "', which is not a plain path inside "
                            + "the bundle's directory; refused");
        }
    }

    /**
     * A serializer config may name a dictionary file ({@code file:PATH}) when an analyst gives it;
     * in a bundle that would read a file anywhere on the machine. A recorded config carries its
     * dictionaries inline or as {@code builtin:NAME}, so a manifest that names a file is refused
     * before anything is read.
     */
    private static void checkNoDictionaryFile(JsonNode serializer, String where) {
        for (JsonNode field : serializer.path("fields")) {
            JsonNode ref = field.path("dictionary_ref");
            if (ref.isTextual() && ref.asText().startsWith("file:")) {
                throw corrupt(
                        where,
                        "manifest serializer field '"
                                + printable(field.path("name").asText()) + "' names a "
                                + "dictionary file, which a bundle cannot read (give it inline or as builtin:NAME)");
            }
        }
    }

    private static String printable(String s) {
        String cut = s.length() <= 80 ? s : s.substring(0, 77) + "...";
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    private static JsonNode object(JsonNode node, String key, String where) {
        JsonNode v = required(node, key, where);
        if (!v.isObject()) {
            throw corrupt(where, "manifest '" + key + "' must be a JSON object");
        }
        return v;
    }

    private static String text(JsonNode v, String key, String where) {
        if (!v.isTextual()) {
            throw corrupt(
                    where,
                    "manifest '" + key + "' must be a string, got "
                            + v.getNodeType().name().toLowerCase());
        }
        return v.asText();
    }

    private static boolean bool(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw corrupt(where, "manifest '" + key + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    private static int integer(JsonNode node, String key, int min, int max, String where) {
        return wholeNumber(required(node, key, where), key, min, max, where);
    }

    private static int optionalInteger(JsonNode node, String key, int fallback, int min, String where) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? fallback : wholeNumber(v, key, min, Integer.MAX_VALUE, where);
    }

    private static int wholeNumber(JsonNode v, String key, int min, int max, String where) {
        boolean whole = v.isIntegralNumber()
                || v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0;
        if (!whole
                || v.decimalValue().compareTo(java.math.BigDecimal.valueOf(min)) < 0
                || v.decimalValue().compareTo(java.math.BigDecimal.valueOf(max)) > 0) {
            throw corrupt(
                    where,
                    "manifest '" + key + "' must be a whole number from " + min + " to " + max + ", got "
                            + (v.toString().length() > 40 ? v.toString().substring(0, 37) + "..." : v.toString()));
        }
        return v.decimalValue().intValueExact();
    }

    /** Tokens the runtime adds around the serialized text, which the budget must leave room for. */
    public int specialTokens() {
        return (addBos ? 1 : 0) + (addEos ? 1 : 0);
    }

    /** Content budget: the serializer's own, capped by what the model takes. */
    public int tokenBudget() {
        int model = maxTokens - specialTokens();
        Integer own = serializer.maxTokens();
        return own == null ? model : Math.min(own - specialTokens(), model);
    }

    private static JsonNode required(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw corrupt(where, "manifest lacks '" + key + "'");
        }
        return v;
    }

    private static Llm4esException corrupt(String where, String message) {
        return new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + where + ": " + message);
    }
}
