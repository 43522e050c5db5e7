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
    public static final int DEFAULT_BATCH_TOKENS = 8192;
    public static final int MAX_BATCH_ROWS = 256;

    private final ModelBundle bundle;
    private final EventSerializer serializer;
    private final BundleTokenizer tokenizer;
    private final OnnxEmbedder embedder;
    private final BatchPlanner planner;

    public EmbeddingModel(ModelBundle bundle, Device device, int threads, int batchTokens) {
        this.bundle = bundle;
        this.serializer = new EventSerializer(bundle.manifest().serializer());
        this.tokenizer = new BundleTokenizer(bundle);
        this.embedder = new OnnxEmbedder(bundle, device, threads);
        this.planner = new BatchPlanner(batchTokens, MAX_BATCH_ROWS);
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
