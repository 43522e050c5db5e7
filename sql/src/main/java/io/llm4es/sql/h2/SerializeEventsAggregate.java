package io.llm4es.sql.h2;

import io.llm4es.udf.serialize.SerializedHistory;
import org.h2.value.Value;

/** {@code serialize_events(event, order_key [, model_ref])} → the exact text the model sees. */
public final class SerializeEventsAggregate extends H2Aggregate {
    @Override
    String name() {
        return "serialize_events";
    }

    @Override
    int resultType() {
        return Value.VARCHAR;
    }

    @Override
    Object result() {
        SerializedHistory h = history.serialize();
        return h == null ? null : h.text();
    }
}
