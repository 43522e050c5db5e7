package io.llm4es.connectors.spark;

import io.llm4es.udf.aggregate.EmbeddingOutcome;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * {@code user_embedding_result(event, order_key [, model_ref])} → STRUCT {@code <embedding,
 * status, model_version, events, tokens, dropped_events, message>}, the fields DuckDB's STRUCT
 * and H2's JSON have; never an error.
 */
final class UserEmbeddingResultAggregator extends HistoryAggregator<Row> {
    private static final long serialVersionUID = 1L;

    UserEmbeddingResultAggregator(SparkModels models) {
        super(models);
    }

    @Override
    public Row finish(EventBuffer buffer) {
        EmbeddingOutcome o = GroupHistory.embed(buffer.rows, models);
        boolean has = o.result() != null;
        return RowFactory.create(
                has ? SparkTypes.boxed(o.result().vector()) : null,
                o.status(),
                o.modelVersion(),
                o.events(),
                has ? o.result().tokens() : null,
                has ? o.result().droppedEvents() : null,
                o.failure() == null ? null : o.failure().getMessage());
    }

    @Override
    public Encoder<Row> outputEncoder() {
        return Encoders.row(SparkTypes.EMBEDDING_RESULT);
    }
}
