package io.llm4es.sql.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.llm4es.sql.EmbeddingOutcome;
import io.llm4es.udf.aggregate.TruncationLog;
import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.embed.ModelResolver;
import java.util.List;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.vector.Vectors;
import org.duckdb.DuckDBDataChunkReader;
import org.duckdb.DuckDBReadableVector;
import org.duckdb.DuckDBScalarFunction;
import org.duckdb.DuckDBWritableVector;

/**
 * {@code llm4es_*(events VARCHAR, keyed BOOLEAN, model_ref VARCHAR, session VARCHAR) → VARCHAR}: the Java half of
 * the DuckDB embedding macros. Each row is one group's events as a JSON array, collected by the
 * macro with {@code list(...)}. DuckDB hands the function a chunk of up to 2048 groups at once;
 * all of them are collected before the first result is asked for, so {@link UserHistory}'s
 * cross-group batching embeds the chunk in shared batches.
 *
 * <p>Keyed rows are {@code [{"k": order_key, "e": event}, ...]}, already sorted by the key in
 * DuckDB (native order of any key type); equal keys get one rank, and {@link UserHistory} breaks
 * those ties by the event's text, as in every engine. Unkeyed rows are an analyst's
 * {@code list(event ORDER BY ...)}, taken in the given order.
 */
final class EmbedFunction implements DuckDBScalarFunction {
    enum Variant {
        /** user_embedding: the vector as text, cast to FLOAT[] by the macro; errors are errors. */
        STRICT,
        /** try_user_embedding: NULL instead of an error. */
        TRY,
        /** user_embedding_result: JSON, read into a STRUCT by the macro. */
        RESULT,
        /** serialize_events: the text the model sees. */
        SERIALIZE
    }

    // DuckDB's to_json writes NaN and Infinity keys bare; they are read, then refused as every engine refuses them
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private final Variant variant;

    EmbedFunction(Variant variant) {
        this.variant = variant;
    }

    @Override
    public void apply(DuckDBDataChunkReader input, DuckDBWritableVector out) {
        int rows = (int) input.rowCount();
        DuckDBReadableVector events = input.vector(0);
        DuckDBReadableVector keyed = input.vector(1);
        DuckDBReadableVector models = input.vector(2);
        DuckDBReadableVector sessions = input.vector(3);
        DuckDBSession session = rows == 0 || sessions.isNull(0) ? null : DuckDBSession.byToken(sessions.getString(0));
        ModelResolver resolver = session == null ? ModelResolver.DIRECTORY : session.resolver();
        TruncationLog.drain(); // this worker thread's log now holds only this chunk's truncations
        try {
            embed(input, out, rows, events, keyed, models, resolver);
        } catch (OutOfMemoryError e) {
            // the chunk's histories are garbage now; DuckDB would otherwise print the error with its trace
            throw DuckDBFailure.of(Llm4esException.outOfMemory("collecting a chunk of " + rows + " groups", e));
        } finally {
            List<TruncationLog.Entry> truncations = TruncationLog.drain();
            if (session != null) {
                session.report(truncations);
            }
        }
    }

    private void embed(DuckDBDataChunkReader input, DuckDBWritableVector out, int rows, DuckDBReadableVector events,
                       DuckDBReadableVector keyed, DuckDBReadableVector models, ModelResolver resolver) {
        UserHistory[] histories = new UserHistory[rows];
        RuntimeException[] failures = new RuntimeException[rows];
        for (int i = 0; i < rows; i++) {
            if (events.isNull(i)) {
                continue;
            }
            histories[i] = variant == Variant.SERIALIZE ? UserHistory.forText() : new UserHistory();
            histories[i].resolveWith(resolver);
            try {
                collect(histories[i], events.getString(i), !keyed.isNull(i) && keyed.getBoolean(i),
                        models.isNull(i) ? null : models.getString(i));
            } catch (RuntimeException e) {
                if (variant == Variant.STRICT || variant == Variant.SERIALIZE) {
                    throw DuckDBFailure.of(e);
                }
                failures[i] = e;
            }
        }
        for (int i = 0; i < rows; i++) {
            write(out, i, histories[i], failures[i]);
        }
    }

    private void write(DuckDBWritableVector out, int row, UserHistory history, RuntimeException failure) {
        if (variant == Variant.SERIALIZE) {
            SerializedHistory text = history == null ? null : serialize(history);
            setOrNull(out, row, text == null ? null : text.text());
            return;
        }
        EmbeddingOutcome outcome;
        if (history == null) {
            outcome = new EmbeddingOutcome(null, null, null, 0);
        } else if (failure != null) {
            outcome = EmbeddingOutcome.failed(history, failure);
        } else {
            outcome = EmbeddingOutcome.of(history);
        }
        switch (variant) {
            case STRICT -> {
                if (outcome.failure() != null) {
                    throw DuckDBFailure.of(outcome.failure());
                }
                setOrNull(out, row, outcome.result() == null ? null : Vectors.toPgvectorText(outcome.result().vector()));
            }
            case TRY -> setOrNull(out, row, outcome.result() == null ? null
                    : Vectors.toPgvectorText(outcome.result().vector()));
            case RESULT -> out.setString(row, outcome.toJson());
            default -> throw new IllegalStateException(variant.name());
        }
    }

    private static SerializedHistory serialize(UserHistory history) {
        try {
            return history.serialize();
        } catch (RuntimeException e) {
            throw DuckDBFailure.of(e);
        }
    }

    private static void setOrNull(DuckDBWritableVector out, int row, String value) {
        if (value == null) {
            out.setNull(row);
        } else {
            out.setString(row, value);
        }
    }

    static void collect(UserHistory history, String eventsJson, boolean keyed, String modelRef) {
        JsonNode list;
        try {
            list = JSON.readTree(eventsJson);
        } catch (JsonProcessingException e) {
            throw Llm4esException.invalid("events are not valid JSON: " + e.getOriginalMessage());
        }
        if (list == null || !list.isArray()) {
            // a single event reached the list form: a call without an order key and without list()
            throw new Llm4esException(SqlState.FEATURE_NOT_SUPPORTED, "an embedding needs ordered events: DuckDB has "
                    + "no ORDER BY inside a macro call; write user_embedding(event, order_key) or "
                    + "user_embedding(list(event ORDER BY order_key))");
        }
        long rank = 0;
        String previousKey = null;
        for (JsonNode item : list) {
            JsonNode event = keyed ? item.get("e") : item;
            if (keyed) {
                if (item.get("k").isFloatingPointNumber()) {
                    OrderKey.of(item.get("k").doubleValue());
                }
                String key = item.get("k").toString();
                if (!key.equals(previousKey)) {
                    rank++;
                    previousKey = key;
                }
            } else {
                rank++;
            }
            if (event == null || event.isNull()) {
                history.add(null, null, modelRef);
                continue;
            }
            // a VARCHAR event arrives as a JSON string holding the event's JSON text
            history.add(event.isTextual() ? event.asText() : event.toString(), rank, modelRef);
        }
    }
}
