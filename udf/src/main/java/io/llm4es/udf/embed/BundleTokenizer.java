package io.llm4es.udf.embed;

import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import io.llm4es.udf.serialize.TokenEncoder;

/**
 * The bundle's Hugging Face tokenizer (read by DJL). Special tokens are added here, as the
 * manifest says, never by the tokenizer's own post-processor, so Java and Python agree.
 */
public final class BundleTokenizer implements TokenEncoder, AutoCloseable {
    private final TokenizerFile tokenizer;
    private final ModelManifest manifest;

    public BundleTokenizer(ModelBundle bundle) {
        this.manifest = bundle.manifest();
        this.tokenizer = new TokenizerFile(
                bundle.readFile(ModelManifest.TOKENIZER_FILE), bundle.source().describe());
        try {
            tokenizer.facts().checkIds(manifest, bundle.source().describe());
        } catch (RuntimeException e) {
            tokenizer.close(); // the native tokenizer is not left behind by a refused bundle
            throw e;
        }
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    @Override
    public int maxCharsPerToken() {
        return tokenizer.maxCharsPerToken();
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
