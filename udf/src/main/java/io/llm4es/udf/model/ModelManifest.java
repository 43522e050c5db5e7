package io.llm4es.udf.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.SerializerConfig;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

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
    private static final ObjectMapper JSON = new ObjectMapper();

    public static ModelManifest parse(byte[] bytes, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw corrupt(where, "manifest is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw corrupt(where, "manifest is not a JSON object");
        }
        int format = required(root, "format_version", where).asInt();
        if (format != FORMAT_VERSION) {
            throw corrupt(where, "manifest format_version " + format + " is not supported (expected " + FORMAT_VERSION + ")");
        }
        JsonNode pooling = required(root, "pooling", where);
        JsonNode tokens = required(root, "tokens", where);
        JsonNode onnx = required(root, "onnx", where);
        Map<String, String> files = new LinkedHashMap<>();
        required(root, "files", where).fields().forEachRemaining(e -> files.put(e.getKey(), e.getValue().asText()));
        String onnxFile = onnx.path("file").asText("model.onnx");
        for (String needed : new String[] {onnxFile, "tokenizer.json"}) {
            if (!files.containsKey(needed)) {
                throw corrupt(where, "manifest 'files' does not list " + needed);
            }
        }
        SerializerConfig serializer;
        try {
            serializer = SerializerConfig.fromJson(required(root, "serializer", where));
        } catch (Llm4esException e) {
            throw corrupt(where, e.getMessage());
        }
        return new ModelManifest(
                required(root, "name", where).asText(),
                root.path("version").asText("1"),
                required(root, "hidden_size", where).asInt(),
                required(root, "num_layers", where).asInt(),
                required(pooling, "layers_from", where).asInt(),
                required(pooling, "layers_to", where).asInt(),
                required(root, "embedding_dim", where).asInt(),
                required(root, "max_tokens", where).asInt(),
                tokens.path("bos_id").asInt(-1),
                tokens.path("eos_id").asInt(-1),
                tokens.path("pad_id").asInt(0),
                tokens.path("add_bos").asBoolean(false),
                tokens.path("add_eos").asBoolean(false),
                onnxFile,
                serializer,
                Map.copyOf(files),
                root);
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
