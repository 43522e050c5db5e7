package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.Variant;
import org.h2.value.Value;

/** {@code user_embedding(event, order_key [, model_ref])} → REAL ARRAY, NULL for an empty group. */
public final class UserEmbeddingAggregate extends H2Aggregate {
    public UserEmbeddingAggregate() {
        super(Variant.STRICT);
    }

    @Override
    String name() {
        return "user_embedding";
    }

    @Override
    int resultType() {
        return Value.ARRAY;
    }

    @Override
    Object result() {
        return H2Values.boxed(group.vector());
    }
}
