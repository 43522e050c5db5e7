package io.llm4es.connectors.materialize;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.llm4es.connectors.ExistingDatabase;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;

/** The two ways in: between two databases given by URL (the CLI), and within one H2 database (the procedure). */
public final class Materialize {
    /**
     * The storage format of a DuckDB file a job creates: the Java driver (2.0) writes a format
     * that the Python duckdb of the day (1.5.x, which reads 64..68) cannot open; v1.5.0's (68) is
     * read by both, so a notebook can open what the CLI wrote. An existing file keeps its own.
     */
    static final String DUCKDB_STORAGE_VERSION = "v1.5.0";

    private Materialize() {}

    /**
     * Source and target through HikariCP pools (one connection each: the job is sequential). The
     * source must exist (a mistyped H2 or DuckDB path is an error); the target is created if needed.
     */
    public static MaterializeReport between(
            String sourceUrl,
            String sourceSql,
            String targetUrl,
            String table,
            String modelRef,
            MaterializeOptions options,
            PrintStream progress)
            throws SQLException {
        try (HikariDataSource sourcePool = pool(ExistingDatabase.url(sourceUrl), "llm4es-source");
                HikariDataSource targetPool = pool(targetUrl, "llm4es-target");
                Connection source = sourcePool.getConnection();
                Connection target = targetPool.getConnection()) {
            // PostgreSQL streams a result only outside auto-commit (other sources, such as the
            // jdbc:llm4es: driver, may have no transactions at all)
            boolean streamInTransaction = sourceUrl.startsWith("jdbc:postgresql:");
            if (streamInTransaction) {
                source.setAutoCommit(false);
            }
            try {
                return new MaterializeJob(source, target, progress).run(sourceSql, table, modelRef, options);
            } finally {
                if (streamInTransaction) {
                    source.rollback();
                }
            }
        } catch (SQLException e) {
            throw ExistingDatabase.explain(e, sourceUrl);
        }
    }

    /**
     * Within the database of {@code session} (an H2 procedure's connection): read and written on
     * the session itself, each batch committed as it is written (which also commits what the
     * caller had pending, as any H2 procedure that commits does).
     */
    public static MaterializeReport within(
            Connection session, String sourceSql, String table, String modelRef, MaterializeOptions options)
            throws SQLException {
        boolean autoCommit = session.getAutoCommit();
        try {
            return new MaterializeJob(session, session, System.err).run(sourceSql, table, modelRef, options);
        } finally {
            session.setAutoCommit(autoCommit);
        }
    }

    private static HikariDataSource pool(String url, String name) throws SQLException {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(1);
        config.setPoolName(name);
        if (url.startsWith(Llm4esDuckDB.PREFIX)) {
            config.addDataSourceProperty("storage_compatibility_version", DUCKDB_STORAGE_VERSION);
        }
        try {
            return new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            // the driver's own error (state and message), not Hikari's wrapper
            if (e.getCause() instanceof SQLException s) {
                throw s;
            }
            throw e;
        }
    }
}
