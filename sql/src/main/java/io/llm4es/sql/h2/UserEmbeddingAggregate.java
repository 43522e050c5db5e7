package io.llm4es.sql.h2;

import io.llm4es.udf.embed.EmbeddingResult;
import org.h2.value.Value;

/** {@code user_embedding(event, order_key [, model_ref])} → REAL ARRAY, NULL for an empty group. */
public final class UserEmbeddingAggregate extends H2Aggregate {
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
        EmbeddingResult r = history.embedding();
        return r == null ? null : H2Values.boxed(r.vector());
    }
}
