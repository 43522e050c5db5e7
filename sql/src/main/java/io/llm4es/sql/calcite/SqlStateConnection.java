package io.llm4es.sql.calcite;

import io.llm4es.sql.SqlStateProxy;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Calcite connection (and its statements and result sets) whose SQLExceptions carry the
 * llm4es SQLSTATE: Calcite wraps an exception thrown by a function in its own SQLException,
 * without a state ("Error while executing SQL ..."), so the state is taken from the
 * Llm4esException in the cause chain. Closing the connection also closes its file sources.
 */
final class SqlStateConnection {
    private static final Pattern NO_SIGNATURE = Pattern.compile("No match found for function signature "
            + "(USER_EMBEDDING|TRY_USER_EMBEDDING|USER_EMBEDDING_RESULT|SERIALIZE_EVENTS)\\(");

    private SqlStateConnection() {}

    static Connection wrap(Connection conn, List<AutoCloseable> closeWith, SqlStateProxy.Session session) {
        return SqlStateProxy.wrap(conn, SqlStateConnection::translate, closeWith, session);
    }

    /**
     * The Llm4esException behind a Calcite error, as the SQLException it stands for (planning,
     * which folds constant calls, can throw it bare).
     */
    static Throwable translate(Throwable t) {
        if (t instanceof SQLException s && s.getSQLState() != null) {
            return t;
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof Llm4esException l) {
                SQLException out = l.toSqlException();
                if (c != t) {
                    out.addSuppressed(t);
                }
                return out;
            }
        }
        Matcher m = NO_SIGNATURE.matcher(String.valueOf(t.getMessage()));
        if (m.find()) {
            String f = m.group(1).toLowerCase(java.util.Locale.ROOT);
            SQLException out = new Llm4esException(
                            SqlState.FEATURE_NOT_SUPPORTED,
                            "the Calcite driver's " + f
                                    + " takes (event, order_key [, model_ref]) or (event) WITHIN GROUP (ORDER BY ...)"
                                    + (f.equals("serialize_events")
                                            ? "; its options argument is H2's only: write "
                                                    + "serialize_events(event, order_key [, model_ref])"
                                            : ""))
                    .toSqlException();
            out.addSuppressed(t);
            return out;
        }
        return t;
    }
}
