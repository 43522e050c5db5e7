package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.Variant;
import org.h2.value.Value;

/**
 * {@code user_embedding_result(event, order_key [, model_ref])} → JSON object {@code {embedding,
 * status, model_version, events, tokens, dropped_events, message}}; never an error. JSON, not a
 * ROW: an H2 user aggregate declares its result as a bare type code, so a ROW (or an ARRAY)
 * comes without its field (element) types.
 */
public final class UserEmbeddingResultAggregate extends H2Aggregate {
    public UserEmbeddingResultAggregate() {
        super(Variant.RESULT);
    }

    @Override
    String name() {
        return "user_embedding_result";
    }

    @Override
    int resultType() {
        return Value.JSON;
    }

    @Override
    Object result() {
        return H2Values.json(group.outcome().toJson());
    }
}
