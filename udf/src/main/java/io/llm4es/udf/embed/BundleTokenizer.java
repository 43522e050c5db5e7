package io.llm4es.udf.embed;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import io.llm4es.udf.serialize.TokenEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The bundle's Hugging Face tokenizer (read by DJL). Special tokens are added here, as the
 * manifest says, never by the tokenizer's own post-processor, so Java and Python agree.
 */
public final class BundleTokenizer implements TokenEncoder, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEEPING_PRE_TOKENIZERS = Set.of("Metaspace", "ByteLevel");
    private final HuggingFaceTokenizer tokenizer;
    private final ModelManifest manifest;
    private final int maxTokenChars;

    public BundleTokenizer(ModelBundle bundle) {
        this.manifest = bundle.manifest();
        byte[] json = bundle.readFile("tokenizer.json");
        try {
            // no truncation or padding inside the tokenizer: the serializer owns the budget
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), Map.of(
                    "addSpecialTokens", "false", "truncation", "false", "padding", "false",
                    "maxLength", String.valueOf(Integer.MAX_VALUE / 2)));
        } catch (IOException | RuntimeException e) {
            throw new Llm4esException(SqlState.DATA_CORRUPTED, "cannot load tokenizer.json of "
                    + bundle.source().describe() + ": " + e.getMessage(), e);
        }
        this.maxTokenChars = maxTokenChars(json);
    }

    /**
     * The most characters of text one token can stand for, or 0 where this tokenizer gives no such
     * bound. A text of {@code c} characters then needs at least {@code c / maxTokenChars} tokens:
     * true for a BPE vocabulary with no normalizer, no pre-tokenizer that removes characters, no
     * unknown token (which could swallow a run of characters) and byte fallback or byte-level
     * pieces (without them BPE skips a character it has no piece for), as every character of the
     * text is then covered by some token's piece.
     */
    public int maxTokenChars() {
        return maxTokenChars;
    }

    private static int maxTokenChars(byte[] tokenizerJson) {
        try {
            JsonNode t = JSON.readTree(tokenizerJson);
            JsonNode model = t.path("model");
            if (!t.path("normalizer").isNull() || !"BPE".equals(model.path("type").asText())
                    || !model.path("unk_token").isNull() || !keepsCharacters(t.path("pre_tokenizer"))
                    || !(model.path("byte_fallback").asBoolean(false) || t.path("pre_tokenizer").toString().contains("\"ByteLevel\""))) {
                return 0;
            }
            int longest = 0;
            for (Iterator<String> it = model.path("vocab").fieldNames(); it.hasNext(); ) {
                longest = Math.max(longest, it.next().length());
            }
            for (JsonNode added : t.path("added_tokens")) {
                longest = Math.max(longest, added.path("content").asText().length());
            }
            return longest;
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean keepsCharacters(JsonNode preTokenizer) {
        if (preTokenizer.isNull() || preTokenizer.isMissingNode()) {
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
        return KEEPING_PRE_TOKENIZERS.contains(type);
    }

    @Override
    public int[] encode(String text) {
        Encoding enc = tokenizer.encode(text, false, false);
        long[] ids = enc.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    /** The model's input: content ids framed by BOS/EOS as the manifest says. */
    public int[] withSpecialTokens(int[] content) {
        int bos = manifest.addBos() ? 1 : 0;
        int[] ids = new int[content.length + manifest.specialTokens()];
        if (bos == 1) {
            ids[0] = manifest.bosId();
        }
        System.arraycopy(content, 0, ids, bos, content.length);
        if (manifest.addEos()) {
            ids[ids.length - 1] = manifest.eosId();
        }
        return ids;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
