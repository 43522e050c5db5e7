package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Aggregate;

/**
 * The H2 side of the llm4es aggregates: H2 creates one instance per group and calls
 * {@link #add} with the row's arguments {@code (event, order_key [, model_ref])}.
 */
abstract class H2Aggregate implements Aggregate {
    protected final UserHistory history = newHistory();
    // set only by lenient variants: once a row fails, the group's outcome is known
    private RuntimeException failure;

    @Override
    public int getInternalType(int[] inputTypes) throws SQLException {
        if (inputTypes.length == 1) {
            // H2's parser refuses ORDER BY inside a user aggregate's call, so there is no ordered form
            throw new Llm4esException(SqlState.FEATURE_NOT_SUPPORTED, "H2 has no ordered form " + name()
                    + "(event ORDER BY ts); write the portable form " + name() + "(event, order_key [, model_ref])")
                    .toSqlException();
        }
        if (inputTypes.length < 2 || inputTypes.length > maxArguments()) {
            throw Llm4esException.invalid(name() + " takes " + signature() + ", got "
                    + inputTypes.length + " argument(s)").toSqlException();
        }
        return resultType();
    }

    /** Model references resolve through this database's registry, once per statement. */
    @Override
    public void init(Connection conn) throws SQLException {
        history.resolveWith(H2StatementModels.of(conn));
    }

    @Override
    public void add(Object value) throws SQLException {
        if (failure != null) {
            return;
        }
        Object[] args = (Object[]) value;
        try {
            history.add(args[0], args[1], args.length > 2 && args[2] != null ? args[2].toString() : null);
        } catch (RuntimeException e) {
            if (!lenient()) {
                throw sqlException(e);
            }
            failure = e;
        }
    }

    @Override
    public Object getResult() throws SQLException {
        try {
            return failure != null ? failedResult(failure) : result();
        } catch (RuntimeException e) {
            throw sqlException(e);
        }
    }

    private static SQLException sqlException(RuntimeException e) {
        if (e instanceof Llm4esException l) {
            return l.toSqlException();
        }
        throw e;
    }

    UserHistory newHistory() {
        return new UserHistory();
    }

    abstract String name();

    int maxArguments() {
        return 3;
    }

    String signature() {
        return "(event, order_key [, model_ref])";
    }

    abstract int resultType();

    abstract Object result();

    /** Lenient variants turn a failure into their result instead of an error. */
    boolean lenient() {
        return false;
    }

    Object failedResult(RuntimeException failure) {
        throw failure;
    }
}
