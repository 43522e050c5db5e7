package io.llm4es.sql;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.sql.h2.Llm4esH2;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** The engines every contract test runs in, and how each hands its values back. */
public enum Engine {
    H2 {
        @Override
        public Connection open() throws SQLException {
            // through Llm4esH2.open: the connection proxy that reports truncation warnings
            return Llm4esH2.open("jdbc:h2:mem:engine" + DATABASES.incrementAndGet());
        }

        @Override
        public String orderedCall(String function, String event, String key) {
            return function + "(" + event + ")";
        }

        @Override
        public Map<String, Object> resultFields(ResultSet rs, int column) throws SQLException {
            String json = rs.getString(column);
            if (json == null) {
                return null;
            }
            try {
                JsonNode n = JSON.readTree(json);
                Map<String, Object> out = new LinkedHashMap<>();
                n.fields()
                        .forEachRemaining(e -> out.put(
                                e.getKey(),
                                e.getValue().isNull()
                                        ? null
                                        : e.getKey().equals("embedding")
                                                ? floats(e.getValue())
                                                : e.getValue().isNumber()
                                                        ? (Object) e.getValue().asInt()
                                                        : e.getValue().asText()));
                return out;
            } catch (java.io.IOException e) {
                throw new SQLException(e);
            }
        }
    },
    DUCKDB {
        @Override
        public Connection open() throws SQLException {
            return Llm4esDuckDB.open("jdbc:duckdb:");
        }

        @Override
        public String orderedCall(String function, String event, String key) {
            return function + "(" + event + " ORDER BY " + key + ")";
        }

        @Override
        public Map<String, Object> resultFields(ResultSet rs, int column) throws SQLException {
            Object o = rs.getObject(column);
            if (o == null) {
                return null;
            }
            Map<String, Object> out = new LinkedHashMap<>(((org.duckdb.DuckDBStruct) o).getMap());
            out.computeIfPresent("embedding", (k, v) -> floats((Array) v));
            return out;
        }
    };

    static final ObjectMapper JSON = new ObjectMapper();
    static final AtomicInteger DATABASES = new AtomicInteger();

    /** A fresh database with the llm4es functions registered (DuckDB: the SQLSTATE-reporting view). */
    public abstract Connection open() throws SQLException;

    /** The call the design card shows, {@code f(event ORDER BY ts)}, as this engine would have to read it. */
    public abstract String orderedCall(String function, String event, String key);

    /** user_embedding_result's fields: embedding (float[]), status, model_version, events, tokens, dropped_events. */
    public abstract Map<String, Object> resultFields(ResultSet rs, int column) throws SQLException;

    /** A REAL/FLOAT array column as float[]; null for SQL NULL. */
    public static float[] floats(ResultSet rs, int column) throws SQLException {
        return floats(rs.getArray(column));
    }

    static float[] floats(Array a) {
        if (a == null) {
            return null;
        }
        try {
            Object[] values = (Object[]) a.getArray();
            float[] out = new float[values.length];
            for (int i = 0; i < values.length; i++) {
                out[i] = ((Number) values[i]).floatValue();
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = arr.get(i).floatValue();
        }
        return out;
    }
}
