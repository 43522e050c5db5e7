package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.error.Llm4esException;
import java.sql.SQLException;
import org.h2.api.Aggregate;

/**
 * The H2 side of the llm4es aggregates: H2 creates one instance per group and calls
 * {@link #add} with the row's arguments {@code (event, order_key [, model_ref])}.
 */
abstract class H2Aggregate implements Aggregate {
    protected final UserHistory history = new UserHistory();

    @Override
    public int getInternalType(int[] inputTypes) throws SQLException {
        if (inputTypes.length < 2 || inputTypes.length > 3) {
            throw Llm4esException.invalid(name() + " takes (event, order_key [, model_ref]), got "
                    + inputTypes.length + " argument(s)").toSqlException();
        }
        return resultType();
    }

    @Override
    public void add(Object value) throws SQLException {
        Object[] args = (Object[]) value;
        try {
            history.add(args[0], args[1], args.length > 2 && args[2] != null ? args[2].toString() : null);
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    @Override
    public Object getResult() throws SQLException {
        try {
            return result();
        } catch (Llm4esException e) {
            throw e.toSqlException();
        }
    }

    abstract String name();

    abstract int resultType();

    abstract Object result();
}
