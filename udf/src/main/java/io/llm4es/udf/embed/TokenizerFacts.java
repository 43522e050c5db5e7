package io.llm4es.udf.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelManifest;
import java.io.IOException;
import java.util.Map;

/**
 * What llm4es reads from a tokenizer.json itself, beside DJL: the vocabulary size (the manifest's
 * special token ids must lie in it, or the model embeds other tokens than the manifest says) and
 * the longest token, which bounds how many characters one token can cover.
 */
record TokenizerFacts(int vocabSize, int maxCharsPerToken) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerFacts of(byte[] tokenizerJson, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson);
        } catch (IOException e) {
            throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + where + ": tokenizer.json is not valid JSON");
        }
        if (root == null || !root.path("model").isObject()) {
            throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + where + ": tokenizer.json has no 'model'");
        }
        JsonNode model = root.get("model");
        JsonNode vocab = model.path("vocab");
        int size = 0;
        int longest = 1;
        if (vocab.isObject()) {
            for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) vocab::fields) {
                size = Math.max(size, e.getValue().asInt(-1) + 1);
                longest = Math.max(longest, e.getKey().length());
            }
        } else if (vocab.isArray()) {
            // Unigram: [[piece, score], ...]; the id is the position
            size = vocab.size();
            for (JsonNode piece : vocab) {
                longest = Math.max(longest, piece.path(0).asText("").length());
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            size = Math.max(size, added.path("id").asInt(-1) + 1);
            longest = Math.max(longest, added.path("content").asText("").length());
        }
        return new TokenizerFacts(size, boundsCharacters(root) ? longest : Integer.MAX_VALUE);
    }

    /**
     * Whether a token never stands for more characters than its own text: true of BPE, whose
     * tokens are pieces of the (byte-level) text, unless unknown characters fuse into one token or
     * a normalizer may delete characters before the model sees them.
     */
    private static boolean boundsCharacters(JsonNode root) {
        JsonNode model = root.get("model");
        String type = model.path("type").asText("");
        // with byte fallback (or no unknown token) no character is ever unknown, so nothing fuses
        boolean noUnknown = model.path("byte_fallback").asBoolean(false) || model.path("unk_token").isNull()
                || model.path("unk_token").isMissingNode();
        return "BPE".equals(type) && (noUnknown || !model.path("fuse_unk").asBoolean(false))
                && (root.path("normalizer").isNull() || root.path("normalizer").isMissingNode());
    }

    /** The manifest's special token ids, as used, must be tokens of this vocabulary (XX001). */
    void checkIds(ModelManifest m, String where) {
        check(m.padId(), "pad_id", where);
        if (m.addBos()) {
            check(m.bosId(), "bos_id", where);
        }
        if (m.addEos()) {
            check(m.eosId(), "eos_id", where);
        }
    }

    private void check(int id, String key, String where) {
        if (vocabSize > 0 && (id < 0 || id >= vocabSize)) {
            throw new Llm4esException(SqlState.DATA_CORRUPTED, "model bundle " + where + ": manifest tokens." + key
                    + " " + id + " is not a token of tokenizer.json (ids 0.." + (vocabSize - 1) + ")");
        }
    }
}
