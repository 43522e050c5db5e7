package io.llm4es.udf.embed;

import io.llm4es.udf.config.Setting;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelManifest;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializedHistory;
import java.util.ArrayList;
import java.util.List;

/**
 * A loaded bundle: its serializer, tokenizer and ONNX session, shared by every connection of the
 * JVM (see {@link ModelCache}). Safe for concurrent use.
 */
public final class EmbeddingModel implements AutoCloseable {
    public static final Setting BATCH_TOKENS = new Setting("llm4es.batch.tokens", "LLM4ES_BATCH_TOKENS");
    /** The constructor's {@code batchTokens} for "the default for this model on its device". */
    public static final int AUTO_BATCH_TOKENS = 0;

    public static final int MAX_DEFAULT_BATCH_TOKENS = 8192;
    public static final int MIN_DEFAULT_BATCH_TOKENS = 2048;
    /** Padded tokens x hidden size of one default CPU batch: its activations stay near the caches. */
    static final int CPU_BATCH_ACTIVATIONS = 1 << 19;

    public static final int MAX_BATCH_ROWS = 256;

    private final ModelBundle bundle;
    private final EventSerializer serializer;
    private final BundleTokenizer tokenizer;
    private final OnnxEmbedder embedder;
    private final BatchPlanner planner;

    /** {@code batchTokens}: padded tokens per micro-batch, or {@link #AUTO_BATCH_TOKENS}. */
    public EmbeddingModel(ModelBundle bundle, Device device, int threads, int batchTokens) {
        this.bundle = bundle;
        this.serializer = new EventSerializer(bundle.manifest().serializer());
        this.tokenizer = new BundleTokenizer(bundle);
        this.embedder = new OnnxEmbedder(bundle, device, threads);
        int tokens = batchTokens == AUTO_BATCH_TOKENS
                ? defaultBatchTokens(bundle.manifest().hiddenSize(), embedder.device())
                : batchTokens;
        this.planner = new BatchPlanner(tokens, MAX_BATCH_ROWS);
    }

    /**
     * Padded tokens per micro-batch when {@code llm4es.batch.tokens} is unset. On a CPU, wide
     * models run faster in smaller batches (2,048 tokens against 8,192: 4-16 % faster at hidden
     * 256, 384 and 512 in 12 of 14 rounds), narrow ones in larger (stories260K, 64 wide: 8,192 is
     * 5-12 % faster than 2,048; README, "Batch size"), so a batch keeps padded tokens x hidden near
     * {@link #CPU_BATCH_ACTIVATIONS}, within the measured 2,048-8,192. A GPU keeps the largest.
     */
    public static int defaultBatchTokens(int hiddenSize, Device device) {
        if (device == Device.CUDA) {
            return MAX_DEFAULT_BATCH_TOKENS;
        }
        int fit = Integer.highestOneBit(Math.max(1, CPU_BATCH_ACTIVATIONS / Math.max(1, hiddenSize)));
        return Math.max(MIN_DEFAULT_BATCH_TOKENS, Math.min(MAX_DEFAULT_BATCH_TOKENS, fit));
    }

    /** Padded tokens per micro-batch this model plans with. */
    public int batchTokens() {
        return planner.tokenBudget();
    }

    public ModelBundle bundle() {
        return bundle;
    }

    public ModelManifest manifest() {
        return bundle.manifest();
    }

    public EventSerializer serializer() {
        return serializer;
    }

    public BundleTokenizer tokenizer() {
        return tokenizer;
    }

    public Device device() {
        return embedder.device();
    }

    public String versionTag() {
        return bundle.versionTag();
    }

    /** The model's text for pre-rendered plain event lines (oldest first), cut to its token budget. */
    public SerializedHistory serialize(List<String> linesOldestFirst) {
        return serializer.serialize(
                linesOldestFirst, tokenizer, bundle.manifest().tokenBudget());
    }

    /**
     * The model's text for events (oldest first), cut to its token budget at event boundaries, in
     * {@code rendering} (null: the one the model was trained with).
     */
    public SerializedHistory serializeEvents(List<Event> eventsOldestFirst, String rendering) {
        EventSerializer s = rendering == null ? serializer : serializer.withRendering(rendering);
        return s.serializeEvents(eventsOldestFirst, tokenizer, bundle.manifest().tokenBudget());
    }

    /** Embeds serialized histories in token-budget micro-batches; the result order is the input order. */
    public List<EmbeddingResult> embed(List<SerializedHistory> histories) {
        List<int[]> rows = new ArrayList<>(histories.size());
        for (SerializedHistory h : histories) {
            rows.add(tokenizer.withSpecialTokens(h.tokenIds()));
        }
        float[][] vectors = embedTokenRows(rows);
        List<EmbeddingResult> results = new ArrayList<>(histories.size());
        for (int i = 0; i < histories.size(); i++) {
            SerializedHistory h = histories.get(i);
            results.add(new EmbeddingResult(
                    vectors[i],
                    h.truncated() ? EmbeddingResult.Status.TRUNCATED : EmbeddingResult.Status.OK,
                    versionTag(),
                    h.totalEvents(),
                    rows.get(i).length,
                    h.droppedEvents()));
        }
        return results;
    }

    /** Embeds raw texts as they are (no serializer); a text over the model's max_tokens is refused. */
    public float[][] embedTexts(List<String> texts) {
        List<int[]> rows = new ArrayList<>(texts.size());
        for (String text : texts) {
            int[] ids = tokenizer.withSpecialTokens(tokenizer.encode(text));
            if (ids.length > manifest().maxTokens()) {
                throw new Llm4esException(
                        SqlState.PROGRAM_LIMIT_EXCEEDED,
                        "text of " + ids.length + " tokens exceeds max_tokens "
                                + manifest().maxTokens() + " of " + versionTag());
            }
            rows.add(ids);
        }
        return embedTokenRows(rows);
    }

    /** Rows of token ids (special tokens included), micro-batched by the token budget. */
    public float[][] embedTokenRows(List<int[]> rows) {
        int[] lengths = new int[rows.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = rows.get(i).length;
        }
        float[][] out = new float[rows.size()][];
        for (int[] batch : planner.plan(lengths)) {
            float[][] vectors = embedder.embedBatch(OnnxEmbedder.select(rows, batch));
            for (int i = 0; i < batch.length; i++) {
                out[batch[i]] = vectors[i];
            }
        }
        return out;
    }

    @Override
    public void close() {
        embedder.close();
        tokenizer.close();
    }
}
