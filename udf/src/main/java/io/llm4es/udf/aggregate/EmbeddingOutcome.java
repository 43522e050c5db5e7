package io.llm4es.udf.aggregate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.Locale;

/**
 * What one group's embedding came to: a result, an empty group, or a failure with its SQLSTATE,
 * and the group's number of events (rows with an event and an order key, the failing one
 * included). {@link GroupState} makes it; {@code user_embedding_result} reports it.
 */
public record EmbeddingOutcome(EmbeddingResult result, RuntimeException failure, String modelVersion, int events) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static EmbeddingOutcome failed(UserHistory history, RuntimeException failure, int events) {
        String version = history.model() == null ? null : history.model().versionTag();
        return new EmbeddingOutcome(null, failure, version, events);
    }

    public static SqlState stateOf(RuntimeException e) {
        return e instanceof Llm4esException l ? l.state() : SqlState.SYSTEM_ERROR;
    }

    /** The failure as the core's exception, so that every binding reports its SQLSTATE. */
    public Llm4esException error() {
        return failure instanceof Llm4esException l
                ? l
                : new Llm4esException(SqlState.SYSTEM_ERROR, String.valueOf(failure.getMessage()), failure);
    }

    /** ok | truncated | empty | error:SQLSTATE */
    public String status() {
        if (failure != null) {
            return "error:" + stateOf(failure).code();
        }
        return result == null ? "empty" : result.status().name().toLowerCase(Locale.ROOT);
    }

    /** {@code user_embedding_result} as a JSON object (H2's result type; DuckDB reads it into a STRUCT). */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        if (result == null) {
            o.putNull("embedding");
        } else {
            ArrayNode arr = o.putArray("embedding");
            for (float v : result.vector()) {
                arr.add(v);
            }
        }
        o.put("status", status());
        o.put("model_version", modelVersion);
        o.put("events", events);
        if (result == null) {
            o.putNull("tokens");
            o.putNull("dropped_events");
        } else {
            o.put("tokens", result.tokens());
            o.put("dropped_events", result.droppedEvents());
        }
        o.put("message", failure == null ? null : failure.getMessage());
        return o.toString();
    }
}
