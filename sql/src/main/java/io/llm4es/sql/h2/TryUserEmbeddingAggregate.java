package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.Variant;
import org.h2.value.Value;

/** {@code try_user_embedding(event, order_key [, model_ref])}: as user_embedding, but NULL instead of an error. */
public final class TryUserEmbeddingAggregate extends H2Aggregate {
    public TryUserEmbeddingAggregate() {
        super(Variant.TRY);
    }

    @Override
    String name() {
        return "try_user_embedding";
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
