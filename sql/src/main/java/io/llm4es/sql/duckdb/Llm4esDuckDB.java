package io.llm4es.sql.duckdb;

import io.llm4es.sql.registry.ModelRegistry;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.embed.InferenceSlots;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBFunctions;

/**
 * Registers the llm4es functions in DuckDB. DuckDB's Java API has scalar UDFs but no aggregates,
 * so each aggregate is a macro: {@code list(...)} collects a group's events inside DuckDB and a
 * Java UDF embeds a whole chunk of groups at once. The macros are TEMP (this connection's, never
 * written into a database file, so read-only files work); the Java UDFs behind them
 * ({@code llm4es_*}) belong to the database instance and may be registered again.
 *
 * <p>DuckDB reports every error with SQLState null; {@link #withSqlStates} wraps a connection so
 * that llm4es errors carry their SQLSTATE as in every other engine.
 */
public final class Llm4esDuckDB {
    /** DuckDB's JDBC URLs: {@code jdbc:duckdb:} alone is an in-memory database. */
    public static final String PREFIX = "jdbc:duckdb:";

    /** The aggregate-like functions; each has the keyed, list and list-with-model forms. */
    static final List<String> EMBEDDING_FUNCTIONS =
            List.of("user_embedding", "try_user_embedding", "user_embedding_result", "serialize_events");

    private Llm4esDuckDB() {}

    /** Opens {@code jdbc:duckdb:...}, registers the functions and reports llm4es SQLSTATEs. */
    public static Connection open(String url) throws SQLException {
        Connection conn = DriverManager.getConnection(url);
        try {
            register(conn);
        } catch (SQLException | RuntimeException e) {
            conn.close();
            throw e;
        }
        return withSqlStates(conn);
    }

    /**
     * A view of {@code conn} whose SQLExceptions carry the llm4es SQLSTATE (see
     * {@link SqlStateConnection}), whose statements resolve registry references once per statement
     * and report truncation as a JDBC warning (01004). {@code conn} must have been registered.
     */
    public static Connection withSqlStates(Connection conn) throws SQLException {
        DuckDBConnection raw = conn.unwrap(DuckDBConnection.class);
        DuckDBSession session = DuckDBSession.of(raw);
        if (session == null) {
            throw new SQLException("llm4es: register the connection (Llm4esDuckDB.register) before wrapping it");
        }
        return SqlStateConnection.wrap(conn, session);
    }

    /**
     * Registers the bundle at {@code path} in this database's registry ({@code llm4es.models});
     * the Java side of H2's {@code CALL register_model(name, path)}, which DuckDB cannot offer as
     * SQL (a UDF cannot write to the database that runs it). Returns {@code name:version}.
     */
    public static String registerModel(Connection conn, String name, String path) throws SQLException {
        return ModelRegistry.registerModel(conn, DuckDBSession.SCHEMA, name, path);
    }

    /** Points {@code name@alias} at a registered version: H2's {@code CALL set_alias(name, alias, version)}. */
    public static void setAlias(Connection conn, String name, String alias, String version) throws SQLException {
        ModelRegistry.setAlias(conn, DuckDBSession.SCHEMA, name, alias, version);
    }

    /**
     * Sets the database instance's {@code threads} to the inference slots (cores / ONNX Runtime
     * threads by default). DuckDB threads beyond the slots only wait for one, and while a worker runs
     * the UDF the statement's own thread can keep a core busy inside DuckDB (measured on 2 cores:
     * 1.54x H2's CPU, the same vectors; README "Speed"). The setting is the whole instance's, so
     * llm4es never sets it by itself: call this where the instance serves embedding queries, as the
     * CLI's {@code query} does.
     */
    public static void fitThreadsToInference(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SET threads = " + InferenceSlots.limit());
        }
    }

    /**
     * Registers the UDFs and this connection's macros. Serialized within the JVM: DuckDB refuses
     * concurrent catalog writes, and pools open connections from many threads at once.
     */
    public static void register(Connection connection) throws SQLException {
        synchronized (Llm4esDuckDB.class) {
            registerNow(connection);
        }
    }

    private static void registerNow(Connection connection) throws SQLException {
        DuckDBConnection conn = connection.unwrap(DuckDBConnection.class);
        udf(conn, "llm4es_embed", Variant.STRICT);
        udf(conn, "llm4es_try_embed", Variant.TRY);
        udf(conn, "llm4es_embed_result", Variant.RESULT);
        udf(conn, "llm4es_serialize", Variant.SERIALIZE);
        VectorFunctions.register(conn);
        DuckDBSession session = DuckDBSession.create(conn);
        try (Statement st = conn.createStatement()) {
            if (writable(st)) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + DuckDBSession.SCHEMA);
                for (String ddl : ModelRegistry.ddl(DuckDBSession.SCHEMA)) {
                    st.execute(ddl);
                }
            }
            for (String sql : macros(session.token)) {
                st.execute(sql);
            }
        }
    }

    /** Whether the connection's current database can take the registry tables (not a read-only file). */
    private static boolean writable(Statement st) throws SQLException {
        try (ResultSet rs = st.executeQuery(
                "SELECT NOT readonly FROM duckdb_databases() WHERE database_name = current_database()")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** The macros of one connection: {@code session} is the token its UDF calls carry (see {@link DuckDBSession}). */
    static List<String> macros(String session) {
        String struct = "'" + EmbedFunction.RESULT_STRUCT + "'";
        String token = "'" + session + "'";
        return List.of(
                embeddingMacro("user_embedding", "llm4es_embed", "(%s)::FLOAT[]", token),
                embeddingMacro("try_user_embedding", "llm4es_try_embed", "(%s)::FLOAT[]", token),
                embeddingMacro("user_embedding_result", "llm4es_embed_result", "from_json(%s, " + struct + ")", token),
                embeddingMacro("serialize_events", "llm4es_serialize", "%s", token),
                "CREATE OR REPLACE TEMP MACRO cosine_similarity(a, b) AS llm4es_cosine_similarity(a::VARCHAR, b::VARCHAR)",
                "CREATE OR REPLACE TEMP MACRO l2_normalize(v) AS llm4es_l2_normalize(v::VARCHAR)::FLOAT[]",
                "CREATE OR REPLACE TEMP MACRO vector_dims(v) AS llm4es_vector_dims(v::VARCHAR)",
                "CREATE OR REPLACE TEMP MACRO to_pgvector_text(v) AS llm4es_to_pgvector_text(v::VARCHAR)");
    }

    /**
     * {@code name(event, order_key)}, {@code name(event, order_key, model_ref)}; the list forms
     * {@code name(events)}, {@code name_list(events)} and {@code name_list(events, model_ref)}; and
     * the keyed list forms {@code name_list(events, order_keys)} and
     * {@code name_list(events, order_keys, model_ref)}. DuckDB resolves macro overloads by argument
     * count only (a typed parameter does not help: an aggregate argument has no type yet when the
     * overload is chosen), so the list forms need a name of their own, and {@code name_list}'s
     * second argument is order keys if it is a list and a model reference otherwise.
     */
    private static String embeddingMacro(String name, String udf, String wrap, String token) {
        // [order_key]: sorts as the key does, and a constant key (DuckDB refuses ORDER BY 'literal') still sorts
        String keyed = "to_json(list({'k': order_key, 'e': event} ORDER BY [order_key]) "
                + "FILTER (WHERE event IS NOT NULL AND order_key IS NOT NULL))::VARCHAR, true";
        // one model per group, as in every engine: a reference that varies by row is refused, not sampled
        String oneModel = "CASE WHEN min(model_ref) IS DISTINCT FROM max(model_ref) THEN error('llm4es [22023]: one "
                + "group uses two models (' || min(model_ref) || ' and ' || max(model_ref) || '); the model reference "
                + "must be the same for every row of a group') ELSE min(model_ref) END";
        String listed = "to_json(events)::VARCHAR, false";
        String isKeys = "(typeof(keys_or_model) LIKE '%]')";
        String keysOrModel = "CASE WHEN " + isKeys + " THEN " + zipped("events", "keys_or_model")
                + " ELSE to_json(events)::VARCHAR END, " + isKeys;
        String modelUnlessKeys = "CASE WHEN " + isKeys + " THEN NULL ELSE keys_or_model::VARCHAR END";
        return "CREATE OR REPLACE TEMP MACRO " + name
                + "(event, order_key) AS " + call(wrap, udf, keyed, "NULL", token)
                + ", (event, order_key, model_ref) AS " + call(wrap, udf, keyed, oneModel, token)
                + ", (events) AS " + call(wrap, udf, listed, "NULL", token) + ";\n"
                + "CREATE OR REPLACE TEMP MACRO " + name + "_list"
                + "(events) AS " + call(wrap, udf, listed, "NULL", token)
                + ", (events, keys_or_model) AS " + call(wrap, udf, keysOrModel, modelUnlessKeys, token)
                + ", (events, order_keys, model_ref) AS "
                + call(wrap, udf, zipped("events", "order_keys") + ", true", "model_ref", token);
    }

    /**
     * Two lists paired by position, as the keyed form's JSON: DuckDB drops the pairs with a NULL
     * event or key and sorts the rest by the key in its own type order, exactly as the keyed form's
     * {@code list(... ORDER BY [order_key]) FILTER (...)}, so both forms hand the UDF the same
     * events and ranks. Lists of unequal length become {@code {"events": n, "keys": m}}, which the
     * UDF reports as the group's error (a lenient variant keeps its rule instead of a raised error).
     */
    private static String zipped(String events, String keys) {
        return "CASE WHEN len(" + events + ") IS DISTINCT FROM len(" + keys + ") THEN to_json({'events': len("
                + events + "), 'keys': len(" + keys + ")})::VARCHAR ELSE to_json(list_transform(list_sort("
                + "list_filter(list_transform(range(1, len(" + events + ") + 1), lambda llm4es_i: {'k': " + keys
                + "[llm4es_i], 'i': llm4es_i}), lambda llm4es_p: llm4es_p.k IS NOT NULL AND " + events
                + "[llm4es_p.i] IS NOT NULL)), lambda llm4es_p: {'k': llm4es_p.k, 'e': " + events
                + "[llm4es_p.i]}))::VARCHAR END";
    }

    private static String call(String wrap, String udf, String args, String model, String token) {
        return String.format(wrap, udf + "(" + args + ", " + model + "::VARCHAR, " + token + ")");
    }

    private static void udf(DuckDBConnection conn, String name, Variant variant) throws SQLException {
        try (var b = DuckDBFunctions.scalarFunction()) {
            b.withName(name)
                    .withParameters(
                            DuckDBColumnType.VARCHAR,
                            DuckDBColumnType.BOOLEAN,
                            DuckDBColumnType.VARCHAR,
                            DuckDBColumnType.VARCHAR)
                    .withReturnType(DuckDBColumnType.VARCHAR)
                    .withVectorizedFunction(new EmbedFunction(variant))
                    .register(conn);
        }
    }
}
