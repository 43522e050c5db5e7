package io.llm4es.connectors.spark;

import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.expressions.Aggregator;
import scala.Tuple4;

/**
 * The shared part of the four aggregates: Spark feeds {@code (event, order_key, model_ref,
 * options)} rows (absent arguments arrive as NULL) into an {@link EventBuffer}; each variant
 * turns the full buffer into its result in {@link #finish}.
 */
abstract class HistoryAggregator<OUT> extends Aggregator<Tuple4<String, Object, String, String>, EventBuffer, OUT> {
    private static final long serialVersionUID = 1L;
    final SparkModels models;

    HistoryAggregator(SparkModels models) {
        this.models = models;
    }

    @Override
    public EventBuffer zero() {
        return new EventBuffer();
    }

    @Override
    public EventBuffer reduce(EventBuffer buffer, Tuple4<String, Object, String, String> row) {
        return buffer.add(row._1(), row._2(), row._3(), row._4());
    }

    @Override
    public EventBuffer merge(EventBuffer b1, EventBuffer b2) {
        return b1.merge(b2);
    }

    @Override
    public Encoder<EventBuffer> bufferEncoder() {
        return Encoders.javaSerialization(EventBuffer.class);
    }
}
