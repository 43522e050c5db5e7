package io.llm4es.connectors;

import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.sql.h2.Llm4esH2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Locale;

/**
 * A database URL that must name a database which is already there. H2 and DuckDB create an empty
 * database for any file path they are given, so a mistyped path would be read as a database
 * without tables; a command that only reads asks H2 for {@code IFEXISTS=TRUE} and checks a
 * DuckDB file before opening it.
 */
public final class ExistingDatabase {
    /** H2's error code for "database not found" (its SQLSTATE is the same number, kept). */
    private static final int H2_NOT_FOUND = 90146;

    private ExistingDatabase() {}

    /** The URL to open, refusing to create: H2 file URLs get {@code IFEXISTS=TRUE}. */
    public static String url(String url) throws SQLException {
        if (isH2File(url) && !url.toUpperCase(Locale.ROOT).contains(";IFEXISTS=")) {
            return url + ";IFEXISTS=TRUE";
        }
        String duck = duckDbFile(url);
        if (duck != null && !Files.exists(Path.of(duck))) {
            throw new SQLException(
                    "llm4es: no DuckDB database file " + Path.of(duck).toAbsolutePath() + " (from " + url
                            + "): check the path; this command opens an existing database and does not create one",
                    "08001");
        }
        return url;
    }

    /** H2's "not found" with the path and what to do, its state kept; anything else unchanged. */
    public static SQLException explain(SQLException e, String url) {
        if (isH2File(url) && e.getErrorCode() == H2_NOT_FOUND) {
            return new SQLException(
                    "llm4es: no H2 database at " + url + ": check the path (H2 adds .mv.db to it); "
                            + "this command opens an existing database and does not create one",
                    e.getSQLState(),
                    e.getErrorCode(),
                    e);
        }
        return e;
    }

    static boolean isH2File(String url) {
        if (!url.startsWith(Llm4esH2.PREFIX)) {
            return false;
        }
        String rest = url.substring(Llm4esH2.PREFIX.length()).toLowerCase(Locale.ROOT);
        return !(rest.startsWith("mem:") || rest.startsWith("tcp:") || rest.startsWith("ssl:"));
    }

    /**
     * The file of a DuckDB URL, or null for an in-memory database. DuckDB's driver reads settings
     * after a {@code ;} ({@code jdbc:duckdb:f.duckdb;memory_limit=512MB}); they are not the path.
     */
    static String duckDbFile(String url) {
        if (!url.startsWith(Llm4esDuckDB.PREFIX)) {
            return null;
        }
        String path = url.substring(Llm4esDuckDB.PREFIX.length()).split("[?;]", 2)[0];
        return path.isEmpty() || path.startsWith(":memory:") || path.startsWith("md:") ? null : path;
    }
}
