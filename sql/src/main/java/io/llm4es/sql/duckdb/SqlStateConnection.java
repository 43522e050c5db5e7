package io.llm4es.sql.duckdb;

import io.llm4es.sql.SqlStateProxy;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A DuckDB connection (and its statements and result sets) whose SQLExceptions carry the llm4es
 * SQLSTATE: the state an llm4es UDF wrote into DuckDB's error text, or 0A000 when an ordered call
 * {@code user_embedding(event ORDER BY ts)} meets DuckDB's refusal of ORDER BY in a macro call.
 * Everything else passes through unchanged.
 */
final class SqlStateConnection {
    private static final Pattern ORDERED_MACRO_CALL =
            Pattern.compile("Function \"(\\w+)\" is a Macro Function\\. \"DISTINCT\", \"FILTER\", and \"ORDER BY\"");

    private static final Pattern UNSUPPORTED_ARGUMENTS =
            Pattern.compile("Macro (\\w+)\\(\\) does not support the supplied arguments");
    /** The standard state of a statement DuckDB cannot parse (its driver gives none). */
    private static final String SYNTAX_ERROR = "42601";

    private SqlStateConnection() {}

    static Connection wrap(Connection conn, DuckDBSession session) {
        return SqlStateProxy.wrap(
                conn, t -> t instanceof SQLException s ? translate(s) : t, List.of(session::close), session);
    }

    static SQLException translate(SQLException e) {
        if (e.getSQLState() != null) {
            return e;
        }
        String state = DuckDBFailure.stateIn(e);
        if (state != null) {
            return withState(e, e.getMessage(), state);
        }
        Matcher m = ORDERED_MACRO_CALL.matcher(String.valueOf(e.getMessage()));
        if (m.find() && Llm4esDuckDB.EMBEDDING_FUNCTIONS.contains(m.group(1))) {
            String f = m.group(1);
            return withState(
                    e,
                    "llm4es [0A000]: DuckDB has no ORDER BY inside a macro call such as " + f
                            + "(event ORDER BY ts); write " + f
                            + "_list(list(event ORDER BY ts), list(ts ORDER BY ts)) "
                            + "or the portable form " + f + "(event, order_key)",
                    SqlState.FEATURE_NOT_SUPPORTED.code());
        }
        Matcher args = UNSUPPORTED_ARGUMENTS.matcher(String.valueOf(e.getMessage()));
        if (args.find() && Llm4esDuckDB.EMBEDDING_FUNCTIONS.contains(args.group(1))) {
            String f = args.group(1);
            return withState(
                    e,
                    "llm4es [0A000]: DuckDB's " + f + " takes (event, order_key [, model_ref]) or "
                            + "(list(event ORDER BY ts))"
                            + (f.equals("serialize_events")
                                    ? "; its options argument is H2's "
                                            + "only: write serialize_events(event, order_key [, model_ref])"
                                    : "; write " + f + "(event, order_key [, model_ref])"),
                    SqlState.FEATURE_NOT_SUPPORTED.code());
        }
        if (String.valueOf(e.getMessage()).startsWith("Parser Error: ")) {
            return withState(e, e.getMessage(), SYNTAX_ERROR);
        }
        return e;
    }

    private static SQLException withState(SQLException e, String message, String state) {
        SQLException out = new SQLException(message.strip(), state, e.getErrorCode(), e);
        out.setNextException(e.getNextException());
        return out;
    }
}
