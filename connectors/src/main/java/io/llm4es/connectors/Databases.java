package io.llm4es.connectors;

import io.llm4es.sql.calcite.Llm4esDriver;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Opens a JDBC connection on which the llm4es functions are registered, for the engines that have a binding. */
public final class Databases {
    private Databases() {}

    public static Connection open(String url) throws SQLException {
        if (url.startsWith(Llm4esH2.PREFIX)) {
            return Llm4esH2.open(url);
        }
        if (url.startsWith(Llm4esDuckDB.PREFIX)) {
            return Llm4esDuckDB.open(url);
        }
        if (url.startsWith(Llm4esDriver.PREFIX)) {
            return DriverManager.getConnection(url);
        }
        throw new Llm4esException(
                        SqlState.FEATURE_NOT_SUPPORTED,
                        "no llm4es binding for " + url + " (engines: jdbc:h2:, jdbc:duckdb:, jdbc:llm4es:)")
                .toSqlException();
    }

    /** As {@link #open}, for a database that must exist: a mistyped file path is an error, not a new database. */
    public static Connection openExisting(String url) throws SQLException {
        try {
            return open(ExistingDatabase.url(url));
        } catch (SQLException e) {
            throw ExistingDatabase.explain(e, url);
        }
    }
}
