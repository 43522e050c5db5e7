package io.llm4es.udf.embed;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import io.llm4es.udf.serialize.TokenEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * The bundle's Hugging Face tokenizer (read by DJL). Special tokens are added here, as the
 * manifest says, never by the tokenizer's own post-processor, so Java and Python agree.
 */
public final class BundleTokenizer implements TokenEncoder, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final ModelManifest manifest;
    private final int maxCharsPerToken;

    public BundleTokenizer(ModelBundle bundle) {
        this.manifest = bundle.manifest();
        byte[] json = bundle.readFile(ModelManifest.TOKENIZER_FILE);
        TokenizerFacts facts = TokenizerFacts.of(json, bundle.source().describe());
        facts.checkIds(manifest, bundle.source().describe());
        this.maxCharsPerToken = facts.maxCharsPerToken();
        try {
            // no truncation or padding inside the tokenizer: the serializer owns the budget
            this.tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json),
                    Map.of(
                            "addSpecialTokens",
                            "false",
                            "truncation",
                            "false",
                            "padding",
                            "false",
                            "maxLength",
                            String.valueOf(Integer.MAX_VALUE / 2)));
        } catch (IOException | RuntimeException e) {
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED,
                    "model bundle " + bundle.source().describe() + ": cannot load tokenizer.json: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The ids of {@link HuggingFaceTokenizer#encode(String, boolean, boolean)}, read alone: that
     * call also copies out tokens, offsets, masks and type ids through seven more native calls,
     * which cost more than the encoding itself for an event's line. The text goes to the native
     * tokenizer as DJL would pass it: DJL changes a text first only for lower-casing, accent
     * stripping or a prefix space, which this tokenizer is built without.
     */
    @Override
    public int[] encode(String text) {
        if (text == null) {
            throw new NullPointerException("text cannot be null");
        }
        TokenizersLibrary lib = TokenizersLibrary.LIB;
        long encoding = lib.encode(tokenizer.getHandle(), text, false);
        long[] ids;
        try {
            ids = lib.getTokenIds(encoding);
        } finally {
            lib.deleteEncoding(encoding);
        }
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = (int) ids[i];
        }
        return out;
    }

    @Override
    public int maxCharsPerToken() {
        return maxCharsPerToken;
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
