package io.llm4es.connectors.spark;

import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;

/**
 * {@code serialize_events(event, order_key [, model_ref [, options]])} → the exact text the model
 * sees; {@code options} {@code {"rendering": "yaml"}} shows it in another rendering.
 */
final class SerializeEventsAggregator extends HistoryAggregator<String> {
    private static final long serialVersionUID = 1L;

    SerializeEventsAggregator(SparkModels models) {
        super(models);
    }

    @Override
    public String finish(EventBuffer buffer) {
        try {
            return GroupHistory.text(buffer.rows, models, buffer.options);
        } catch (RuntimeException e) {
            throw SparkErrors.of(e);
        }
    }

    @Override
    public Encoder<String> outputEncoder() {
        return Encoders.STRING();
    }
}
