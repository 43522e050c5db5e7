package io.llm4es.udf.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelManifest;
import java.io.IOException;
import java.util.Map;
import java.util.Set;

/**
 * What llm4es reads from a tokenizer.json itself, beside DJL: the vocabulary size (the manifest's
 * special token ids must lie in it, or the model embeds other tokens than the manifest says) and
 * the longest token, which bounds how many characters one token can cover.
 */
record TokenizerFacts(int vocabSize, int maxCharsPerToken) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEEPING_PRE_TOKENIZERS = Set.of("Metaspace", "ByteLevel", "Digits");

    static TokenizerFacts of(byte[] tokenizerJson, String where) {
        JsonNode root;
        try {
            root = JSON.readTree(tokenizerJson);
        } catch (IOException e) {
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED, "model bundle " + where + ": tokenizer.json is not valid JSON");
        }
        if (root == null || !root.path("model").isObject()) {
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED, "model bundle " + where + ": tokenizer.json has no 'model'");
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
     * Whether a text of {@code c} characters needs at least {@code c / longest token} tokens: true
     * of a BPE vocabulary whose every character of text is covered by some token's piece: no
     * normalizer (it may delete or merge characters), no pre-tokenizer that removes characters (only
     * Metaspace, ByteLevel, Digits and a Split that does not remove its delimiters keep them all), and no character left without a piece: byte fallback
     * or byte-level pieces (without them BPE drops a character it has no piece for), or an unknown
     * token that is not fused over a run of unknown characters.
     */
    private static boolean boundsCharacters(JsonNode root) {
        JsonNode model = root.get("model");
        if (!"BPE".equals(model.path("type").asText(""))
                || !absent(root.path("normalizer"))
                || !keepsCharacters(root.path("pre_tokenizer"))) {
            return false;
        }
        boolean byteLevel = root.path("pre_tokenizer").toString().contains("\"ByteLevel\"");
        boolean unfusedUnknown =
                !absent(model.path("unk_token")) && !model.path("fuse_unk").asBoolean(false);
        return model.path("byte_fallback").asBoolean(false) || byteLevel || unfusedUnknown;
    }

    private static boolean keepsCharacters(JsonNode preTokenizer) {
        if (absent(preTokenizer)) {
            return true;
        }
        String type = preTokenizer.path("type").asText();
        if (type.equals("Sequence")) {
            for (JsonNode p : preTokenizer.path("pretokenizers")) {
                if (!keepsCharacters(p)) {
                    return false;
                }
            }
            return true;
        }
        if (type.equals("Split")) {
            // a split keeps every character unless it removes its delimiters
            return !"Removed".equals(preTokenizer.path("behavior").asText());
        }
        return KEEPING_PRE_TOKENIZERS.contains(type);
    }

    private static boolean absent(JsonNode node) {
        return node.isNull() || node.isMissingNode();
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
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED,
                    "model bundle " + where + ": manifest tokens." + key + " " + id
                            + " is not a token of tokenizer.json (ids 0.." + (vocabSize - 1) + ")");
        }
    }
}
