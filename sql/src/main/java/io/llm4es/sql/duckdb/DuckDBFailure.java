package io.llm4es.sql.duckdb;

import io.llm4es.udf.aggregate.EmbeddingOutcome;
import io.llm4es.udf.error.SqlState;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An error thrown out of a Java UDF. DuckDB's JDBC driver gives every engine error SQLState null
 * and passes on only the exception's printed stack trace as text, so the SQLSTATE travels in the
 * text ({@code llm4es [42704]: ...}) and the trace is left out to keep the message readable.
 */
final class DuckDBFailure extends RuntimeException {
    private static final Pattern STATE = Pattern.compile("llm4es \\[([0-9A-Z]{5})]: ");

    DuckDBFailure(SqlState state, String message) {
        super("llm4es [" + state.code() + "]: " + message, null, false, false);
    }

    static DuckDBFailure of(RuntimeException e) {
        return new DuckDBFailure(EmbeddingOutcome.stateOf(e), String.valueOf(e.getMessage()));
    }

    @Override
    public String toString() {
        return getMessage();
    }

    /** The SQLSTATE an llm4es UDF put into a DuckDB error message, or null. */
    static String stateIn(SQLException e) {
        Matcher m = STATE.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : null;
    }
}
