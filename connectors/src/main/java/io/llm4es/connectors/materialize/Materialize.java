package io.llm4es.connectors.materialize;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;

/** The two ways in: between two databases given by URL (the CLI), and within one H2 database (the procedure). */
public final class Materialize {
    private Materialize() {
    }

    /** Source and target through HikariCP pools (one connection each: the job is sequential). */
    public static MaterializeReport between(String sourceUrl, String sourceSql, String targetUrl, String table,
                                            String modelRef, MaterializeOptions options, PrintStream progress)
            throws SQLException {
        try (HikariDataSource sourcePool = pool(sourceUrl, "llm4es-source");
             HikariDataSource targetPool = pool(targetUrl, "llm4es-target");
             Connection source = sourcePool.getConnection();
             Connection target = targetPool.getConnection()) {
            // PostgreSQL streams a result only outside auto-commit
            source.setAutoCommit(false);
            try {
                return new MaterializeJob(source, target, progress).run(sourceSql, table, modelRef, options);
            } finally {
                source.rollback();
            }
        }
    }

    /**
     * Within the database of {@code session} (an H2 procedure's connection): read and written on
     * the session itself, each batch committed as it is written (which also commits what the
     * caller had pending, as any H2 procedure that commits does).
     */
    public static MaterializeReport within(Connection session, String sourceSql, String table, String modelRef,
                                           MaterializeOptions options) throws SQLException {
        boolean autoCommit = session.getAutoCommit();
        try {
            return new MaterializeJob(session, session, System.err).run(sourceSql, table, modelRef, options);
        } finally {
            session.setAutoCommit(autoCommit);
        }
    }

    private static HikariDataSource pool(String url, String name) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(1);
        config.setPoolName(name);
        return new HikariDataSource(config);
    }
}
