package io.llm4es.sql.duckdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.TruncationLog;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.vector.Vectors;
import java.util.List;
import org.duckdb.DuckDBDataChunkReader;
import org.duckdb.DuckDBReadableVector;
import org.duckdb.DuckDBScalarFunction;
import org.duckdb.DuckDBWritableVector;

/**
 * {@code llm4es_*(events VARCHAR, keyed BOOLEAN, model_ref VARCHAR, session VARCHAR) → VARCHAR}: the Java half of
 * the DuckDB embedding macros. Each row is one group's events as a JSON array, collected by the
 * macro with {@code list(...)}. DuckDB hands the function a chunk of up to 2048 groups at once;
 * all of them are collected before the first result is asked for, so UserHistory's
 * cross-group batching embeds the chunk in shared batches.
 *
 * <p>Keyed rows are {@code [{"k": order_key, "e": event}, ...]}, already sorted by the key in
 * DuckDB (native order of any key type); equal keys get one rank, and the group state breaks
 * those ties by the event's text, as in every engine. The keyed list form's macro builds the
 * same rows from two lists (events and their keys). Unkeyed rows are an analyst's
 * {@code list(event ORDER BY ...)}, taken in the given order.
 */
final class EmbedFunction implements DuckDBScalarFunction {
    /** The fields of {@code user_embedding_result}, in order: the STRUCT its macro reads the JSON into. */
    static final String RESULT_STRUCT =
            "{\"embedding\":\"FLOAT[]\",\"status\":\"VARCHAR\",\"model_version\":\"VARCHAR\","
                    + "\"events\":\"INTEGER\",\"tokens\":\"INTEGER\",\"dropped_events\":\"INTEGER\",\"message\":\"VARCHAR\"}";
    // DuckDB's to_json writes NaN and Infinity keys bare; they are read, then refused as every engine refuses them
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
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

    private void embed(
            DuckDBDataChunkReader input,
            DuckDBWritableVector out,
            int rows,
            DuckDBReadableVector events,
            DuckDBReadableVector keyed,
            DuckDBReadableVector models,
            ModelResolver resolver) {
        GroupState[] groups = new GroupState[rows];
        for (int i = 0; i < rows; i++) {
            groups[i] = new GroupState(variant);
            groups[i].resolveWith(resolver);
            if (events.isNull(i)) {
                continue;
            }
            try {
                collect(
                        groups[i],
                        events.getString(i),
                        !keyed.isNull(i) && keyed.getBoolean(i),
                        models.isNull(i) ? null : models.getString(i));
            } catch (RuntimeException e) {
                throw DuckDBFailure.of(e);
            }
        }
        for (int i = 0; i < rows; i++) {
            try {
                write(out, i, groups[i]);
            } catch (RuntimeException e) {
                throw DuckDBFailure.of(e);
            }
        }
    }

    private void write(DuckDBWritableVector out, int row, GroupState group) {
        switch (variant) {
            case STRICT, TRY -> {
                float[] v = group.vector();
                setOrNull(out, row, v == null ? null : Vectors.toPgvectorText(v));
            }
            case RESULT -> out.setString(row, group.outcome().toJson());
            case SERIALIZE -> setOrNull(out, row, group.text());
        }
    }

    private static void setOrNull(DuckDBWritableVector out, int row, String value) {
        if (value == null) {
            out.setNull(row);
        } else {
            out.setString(row, value);
        }
    }

    static void collect(GroupState group, String eventsJson, boolean keyed, String modelRef) {
        JsonNode list;
        try {
            list = JSON.readTree(eventsJson);
        } catch (JsonProcessingException e) {
            group.fail(Llm4esException.invalid("events are not valid JSON: " + e.getOriginalMessage()));
            return;
        }
        if (keyed && list != null && list.isObject() && list.has("keys")) {
            // the macro's answer to a keyed list form whose two lists differ in length
            group.fail(Llm4esException.invalid("the events and their order keys are lists of different lengths ("
                    + list.get("events") + " events, " + list.get("keys") + " keys); each event needs its key at "
                    + "the same position, e.g. f_list(list(event ORDER BY ts), list(ts ORDER BY ts))"));
            return;
        }
        if (list == null || !list.isArray()) {
            // a single event reached the list form: a call without an order key and without list()
            group.fail(new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "an embedding needs ordered events: DuckDB "
                            + "has no ORDER BY inside a macro call; write user_embedding(event, order_key) or "
                            + "user_embedding(list(event ORDER BY order_key))"));
            return;
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
                group.add(null, null, modelRef);
                continue;
            }
            // a VARCHAR event arrives as a JSON string holding the event's JSON text
            group.add(event.isTextual() ? event.asText() : event.toString(), rank, modelRef);
        }
    }
}
