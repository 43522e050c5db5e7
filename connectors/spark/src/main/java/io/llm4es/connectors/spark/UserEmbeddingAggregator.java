package io.llm4es.connectors.spark;

import io.llm4es.udf.aggregate.EmbeddingOutcome;
import org.apache.spark.sql.Encoder;

/**
 * {@code user_embedding(event, order_key [, model_ref])} → ARRAY&lt;FLOAT&gt;; and, lenient,
 * {@code try_user_embedding}: NULL instead of an error. An empty group gives NULL.
 */
final class UserEmbeddingAggregator extends HistoryAggregator<float[]> {
    private static final long serialVersionUID = 1L;
    private final boolean lenient;

    UserEmbeddingAggregator(SparkModels models, boolean lenient) {
        super(models);
        this.lenient = lenient;
    }

    @Override
    public float[] finish(EventBuffer buffer) {
        EmbeddingOutcome o = GroupHistory.embed(buffer.rows, models);
        if (o.failure() != null) {
            if (lenient) {
                return null;
            }
            throw SparkErrors.of(o.error());
        }
        return o.result() == null ? null : o.result().vector();
    }

    @Override
    public Encoder<float[]> outputEncoder() {
        return SparkTypes.floatArrayEncoder();
    }
}
