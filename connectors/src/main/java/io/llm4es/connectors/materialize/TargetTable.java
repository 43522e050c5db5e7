package io.llm4es.connectors.materialize;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.vector.Vectors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The table embeddings are written to, keyed by (user_id, model_version), and its
 * {@code <table>_errors} companion. Only the embedding column differs between engines: H2
 * {@code REAL ARRAY}, DuckDB {@code FLOAT[]}, PostgreSQL pgvector's {@code vector(dim)} when the
 * extension can be installed, else {@code real[]}. The user key keeps the source's type where it
 * is an integer (SMALLINT, INTEGER, BIGINT), so the table joins with the source without casts;
 * any other key is text.
 */
final class TargetTable {
    private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    enum Column {
        H2("REAL ARRAY", "?"),
        DUCKDB("FLOAT[]", "CAST(? AS FLOAT[])"),
        PG_VECTOR("vector(%d)", "CAST(? AS vector)"),
        PG_REAL_ARRAY("real[]", "?");

        final String type;
        final String parameter;

        Column(String type, String parameter) {
            this.type = type;
            this.parameter = parameter;
        }
    }

    final String name;
    final String errors;
    final Column column;
    /** whether user_id is an integer column (else text) */
    private boolean integerKey;

    private TargetTable(String name, Column column) {
        this.name = name;
        this.errors = name + "_errors";
        this.column = column;
    }

    /**
     * Creates the tables if needed, the user key of the source's type ({@code keyType}, a
     * {@link Types} code); an existing table keeps the column types it has.
     */
    static TargetTable prepare(Connection conn, String table, int dim, int keyType) throws SQLException {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw Llm4esException.invalid("target table '" + table + "' is not [schema.]identifier");
        }
        TargetTable t = new TargetTable(table, columnFor(conn, table));
        String key = switch (keyType) {
            case Types.TINYINT, Types.SMALLINT -> "SMALLINT";
            case Types.INTEGER -> "INTEGER";
            case Types.BIGINT -> "BIGINT";
            default -> "VARCHAR(256)";
        };
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + t.name + " (user_id " + key + " NOT NULL, "
                    + "model_version VARCHAR(257) NOT NULL, embedding " + String.format(t.column.type, dim)
                    + " NOT NULL, "
                    + "status VARCHAR(16) NOT NULL, events INT NOT NULL, tokens INT NOT NULL, dropped_events INT NOT NULL, "
                    + "text_sha256 CHAR(64) NOT NULL, model_sha256 CHAR(64) NOT NULL, "
                    + "computed_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (user_id, model_version))");
            st.execute("CREATE TABLE IF NOT EXISTS " + t.errors + " (user_id " + key + " NOT NULL, "
                    + "model_version VARCHAR(257) NOT NULL, sqlstate CHAR(5) NOT NULL, message VARCHAR(4000) NOT NULL, "
                    + "failed_at TIMESTAMP WITH TIME ZONE NOT NULL, PRIMARY KEY (user_id, model_version))");
            try (ResultSet rs = st.executeQuery("SELECT user_id FROM " + t.name + " WHERE 1 = 0")) {
                int type = rs.getMetaData().getColumnType(1);
                t.integerKey = type == Types.SMALLINT || type == Types.INTEGER || type == Types.BIGINT;
            }
        }
        conn.commit();
        return t;
    }

    /** A user id (as the corpus writes it) as a parameter of the user_id column's type. */
    void bindUser(PreparedStatement ps, int index, String user) throws SQLException {
        if (integerKey) {
            ps.setLong(index, Long.parseLong(user));
        } else {
            ps.setString(index, user);
        }
    }

    private static Column columnFor(Connection conn, String table) throws SQLException {
        String product = conn.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
        if (product.contains("h2")) {
            return Column.H2;
        }
        if (product.contains("duckdb")) {
            return Column.DUCKDB;
        }
        if (product.contains("postgresql")) {
            return postgresColumn(conn, table);
        }
        throw new Llm4esException(
                SqlState.FEATURE_NOT_SUPPORTED,
                "cannot materialize into " + product + " (targets: H2, DuckDB, PostgreSQL)");
    }

    private static Column postgresColumn(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT udt_name FROM information_schema.columns "
                        + "WHERE column_name = 'embedding' AND table_name = ? AND table_schema = COALESCE(?, current_schema())")) {
            String[] parts = table.toLowerCase(java.util.Locale.ROOT).split("\\.");
            ps.setString(1, parts[parts.length - 1]);
            ps.setString(2, parts.length == 2 ? parts[0] : null);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return "vector".equals(rs.getString(1)) ? Column.PG_VECTOR : Column.PG_REAL_ARRAY;
                }
            }
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")) {
            if (!rs.next()) {
                conn.commit();
                return Column.PG_REAL_ARRAY;
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS vector");
            conn.commit();
            return Column.PG_VECTOR;
        } catch (SQLException e) {
            // available but not installable by this user: the portable column
            conn.rollback();
            return Column.PG_REAL_ARRAY;
        }
    }

    /** (text sha256, model sha256) of those of {@code users} already written for {@code modelVersion}. */
    Map<String, String> fingerprints(Connection conn, String modelVersion, List<String> users) throws SQLException {
        Map<String, String> out = new HashMap<>();
        String in = String.join(", ", java.util.Collections.nCopies(users.size(), "?"));
        try (PreparedStatement ps = conn.prepareStatement("SELECT user_id, text_sha256, model_sha256 FROM " + name
                + " WHERE model_version = ? AND user_id IN (" + in + ")")) {
            ps.setString(1, modelVersion);
            for (int i = 0; i < users.size(); i++) {
                bindUser(ps, i + 2, users.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(
                            rs.getString(1),
                            rs.getString(2).trim() + "/" + rs.getString(3).trim());
                }
            }
        }
        return out;
    }

    String insertSql() {
        return "INSERT INTO " + name + " (user_id, model_version, embedding, status, events, tokens, dropped_events, "
                + "text_sha256, model_sha256, computed_at) VALUES (?, ?, " + column.parameter
                + ", ?, ?, ?, ?, ?, ?, CURRENT_TIMESTAMP)";
    }

    void bindEmbedding(Connection conn, PreparedStatement ps, int index, float[] v) throws SQLException {
        switch (column) {
            case H2, PG_REAL_ARRAY -> {
                Float[] boxed = new Float[v.length];
                for (int i = 0; i < v.length; i++) {
                    boxed[i] = v[i];
                }
                ps.setArray(index, conn.createArrayOf(column == Column.H2 ? "REAL" : "float4", boxed));
            }
            case DUCKDB, PG_VECTOR -> ps.setString(index, Vectors.toPgvectorText(v));
        }
    }
}
