package io.llm4es.udf.embed;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.TokenEncoder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face tokenizer.json read by DJL, content ids only: no special tokens, no truncation,
 * no padding (the serializer owns the budget). A bundle's tokenizer is one of these plus the
 * manifest's special tokens ({@link BundleTokenizer}); on its own it lets {@code export-text} cut
 * training text to a model's budget before that model's bundle exists.
 */
public final class TokenizerFile implements TokenEncoder, AutoCloseable {
    /** DJL's options: content ids only, the whole text (the serializer owns the budget). */
    static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens",
            "false",
            "truncation",
            "false",
            "padding",
            "false",
            "maxLength",
            String.valueOf(Integer.MAX_VALUE / 2));

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerFacts facts;

    TokenizerFile(byte[] json, String where) {
        this.facts = TokenizerFacts.of(json, where);
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS);
        } catch (IOException | RuntimeException e) {
            throw new Llm4esException(
                    SqlState.DATA_CORRUPTED,
                    "model bundle " + where + ": cannot load tokenizer.json: " + e.getMessage(),
                    e);
        }
    }

    /** A tokenizer.json file on its own (a bad file is 22023: it is the caller's input, not a bundle). */
    public static TokenizerFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw Llm4esException.invalid("tokenizer file not found: " + file);
        }
        try {
            return new TokenizerFile(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw Llm4esException.invalid("cannot read tokenizer file " + file + ": " + e.getMessage());
        } catch (Llm4esException e) {
            throw Llm4esException.invalid(
                    "tokenizer file " + file + " is not a usable tokenizer.json: " + e.getMessage());
        }
    }

    TokenizerFacts facts() {
        return facts;
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
        return facts.maxCharsPerToken();
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
