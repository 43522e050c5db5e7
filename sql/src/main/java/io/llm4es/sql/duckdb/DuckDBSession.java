package io.llm4es.sql.duckdb;

import io.llm4es.sql.SqlStateProxy;
import io.llm4es.sql.StatementScope;
import io.llm4es.sql.registry.RegistryResolver;
import io.llm4es.sql.registry.RegistrySnapshot;
import io.llm4es.udf.aggregate.TruncationLog;
import io.llm4es.udf.embed.ModelResolver;
import java.lang.ref.WeakReference;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a DuckDB UDF knows of the connection that called it. A UDF runs on a DuckDB worker thread
 * and sees only its arguments, so each connection's TEMP macros pass a constant token naming
 * its session; the session holds the scope of the statement now running on the connection,
 * begun by the connection proxy before DuckDB runs the statement: a snapshot of the registry
 * tables (read on the calling thread, so aliases resolve once per statement) and the statement's
 * truncations, which the UDF adds when it finishes a chunk.
 */
final class DuckDBSession implements SqlStateProxy.Session {
    static final String SCHEMA = "llm4es";
    private static final AtomicLong TOKENS = new AtomicLong();
    private static final Map<String, DuckDBSession> BY_TOKEN = new ConcurrentHashMap<>();
    private static final Map<Connection, DuckDBSession> BY_CONNECTION = new WeakHashMap<>();
    private static final ModelResolver NO_STATEMENT = new RegistryResolver(RegistrySnapshot.EMPTY);

    final String token = "s" + TOKENS.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
    // weak: the session is the value of a weak map keyed by this connection
    private final WeakReference<Connection> conn;
    private volatile StatementScope current;
    private volatile boolean registryPresent;

    private DuckDBSession(Connection conn) {
        this.conn = new WeakReference<>(conn);
    }

    /** A new session for a raw DuckDB connection (replacing one registered before). */
    static DuckDBSession create(Connection raw) {
        DuckDBSession s = new DuckDBSession(raw);
        BY_TOKEN.put(s.token, s);
        synchronized (BY_CONNECTION) {
            DuckDBSession old = BY_CONNECTION.put(raw, s);
            if (old != null) {
                BY_TOKEN.remove(old.token);
            }
        }
        return s;
    }

    static DuckDBSession of(Connection raw) {
        synchronized (BY_CONNECTION) {
            return BY_CONNECTION.get(raw);
        }
    }

    static DuckDBSession byToken(String token) {
        return token == null ? null : BY_TOKEN.get(token);
    }

    void close() {
        BY_TOKEN.remove(token);
        synchronized (BY_CONNECTION) {
            Connection c = conn.get();
            if (c != null) {
                BY_CONNECTION.remove(c, this);
            }
        }
    }

    /**
     * Reading the registry costs about as much as a small statement, so it is read before the
     * statement only where its text calls a function that takes a model reference. Elsewhere
     * (no such call, a batch, a view that hides the call) it is read when a UDF first needs it,
     * through a second connection to the same database, and kept for the rest of the statement.
     */
    @Override
    public StatementScope begin(String sql) throws SQLException {
        RegistryResolver.Lookup registry = sql == null || !callsEmbedding(sql) ? new LateSnapshot() : snapshot();
        StatementScope scope = new StatementScope(new RegistryResolver(registry));
        current = scope;
        return scope;
    }

    static boolean callsEmbedding(String sql) {
        String lower = sql.toLowerCase(java.util.Locale.ROOT);
        return lower.contains("user_embedding") || lower.contains("serialize_events") || lower.contains("llm4es_");
    }

    /** The registry as a UDF first asks for it, read on a duplicate of the connection. */
    private final class LateSnapshot implements RegistryResolver.Lookup {
        private RegistrySnapshot snapshot;

        @Override
        public synchronized io.llm4es.sql.registry.RegisteredModel lookup(io.llm4es.udf.model.ModelRef ref)
                throws SQLException {
            if (snapshot == null) {
                Connection c = conn.get();
                if (c == null) {
                    snapshot = RegistrySnapshot.EMPTY;
                } else {
                    try (Connection dup =
                            c.unwrap(org.duckdb.DuckDBConnection.class).duplicate()) {
                        snapshot = snapshot(dup);
                    }
                }
            }
            return snapshot.lookup(ref);
        }
    }

    /** The resolver of the statement running now; outside a proxied statement, the models directory only. */
    ModelResolver resolver() {
        StatementScope s = current;
        return s == null ? NO_STATEMENT : s.resolver();
    }

    /** Hands this worker thread's truncations to the statement running now. */
    void report(List<TruncationLog.Entry> truncations) {
        StatementScope s = current;
        if (s != null) {
            s.addTruncations(truncations);
        }
    }

    private RegistrySnapshot snapshot() throws SQLException {
        Connection conn = this.conn.get();
        return conn == null ? RegistrySnapshot.EMPTY : snapshot(conn);
    }

    private RegistrySnapshot snapshot(Connection conn) throws SQLException {
        if (!registryPresent) {
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = '" + SCHEMA
                                    + "' AND table_name IN ('models', 'model_aliases') AND database_name = current_database()")) {
                registryPresent = rs.next() && rs.getInt(1) == 2;
            }
            if (!registryPresent) {
                return RegistrySnapshot.EMPTY;
            }
        }
        return RegistrySnapshot.read(conn, SCHEMA);
    }
}
