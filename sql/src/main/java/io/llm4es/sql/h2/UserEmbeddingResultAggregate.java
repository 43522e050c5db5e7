package io.llm4es.sql.h2;

import io.llm4es.sql.EmbeddingOutcome;
import org.h2.value.Value;

/**
 * {@code user_embedding_result(event, order_key [, model_ref])} → JSON object {@code {embedding,
 * status, model_version, events, tokens, dropped_events, message}}; never an error. JSON, not a
 * ROW: an H2 user aggregate declares its result as a bare type code, so a ROW (or an ARRAY)
 * comes without its field (element) types.
 */
public final class UserEmbeddingResultAggregate extends H2Aggregate {
    @Override
    String name() {
        return "user_embedding_result";
    }

    @Override
    int resultType() {
        return Value.JSON;
    }

    @Override
    boolean lenient() {
        return true;
    }

    @Override
    Object result() {
        return H2Values.json(EmbeddingOutcome.of(history).toJson());
    }

    @Override
    Object failedResult(RuntimeException failure) {
        return H2Values.json(EmbeddingOutcome.failed(history, failure).toJson());
    }
}
