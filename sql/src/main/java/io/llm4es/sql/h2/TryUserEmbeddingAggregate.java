package io.llm4es.sql.h2;

import io.llm4es.sql.EmbeddingOutcome;
import org.h2.value.Value;

/** {@code try_user_embedding(event, order_key [, model_ref])}: as user_embedding, but NULL instead of an error. */
public final class TryUserEmbeddingAggregate extends H2Aggregate {
    @Override
    String name() {
        return "try_user_embedding";
    }

    @Override
    int resultType() {
        return Value.ARRAY;
    }

    @Override
    boolean lenient() {
        return true;
    }

    @Override
    Object result() {
        EmbeddingOutcome o = EmbeddingOutcome.of(history);
        return o.result() == null ? null : H2Values.boxed(o.result().vector());
    }

    @Override
    Object failedResult(RuntimeException failure) {
        return null;
    }
}
