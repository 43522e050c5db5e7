package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.sql.Connection;
import java.sql.SQLException;
import org.h2.api.Aggregate;
import org.h2.value.Value;

/**
 * The H2 side of the llm4es aggregates: H2 creates one instance per group and calls
 * {@link #add} with the row's arguments {@code (event, order_key [, model_ref])}. What a variant
 * does with them is {@link GroupState}'s; this class converts H2's values.
 */
abstract class H2Aggregate implements Aggregate {
    protected final GroupState group;

    H2Aggregate(Variant variant) {
        this.group = new GroupState(variant);
    }

    @Override
    public int getInternalType(int[] inputTypes) throws SQLException {
        if (inputTypes.length == 1) {
            // H2's parser refuses ORDER BY inside a user aggregate's call, so there is no ordered form
            throw new Llm4esException(
                            SqlState.FEATURE_NOT_SUPPORTED,
                            "H2 has no ordered form " + name() + "(event ORDER BY ts); write the portable form "
                                    + name() + "(event, order_key [, model_ref])")
                    .toSqlException();
        }
        if (inputTypes.length < 2 || inputTypes.length > maxArguments()) {
            throw Llm4esException.invalid(
                            name() + " takes " + signature() + ", got " + inputTypes.length + " argument(s)")
                    .toSqlException();
        }
        return resultType();
    }

    /** Model references resolve through this database's registry, once per statement. */
    @Override
    public void init(Connection conn) throws SQLException {
        if (resultType() == Value.ARRAY) {
            H2ArrayResults.nameElementType(conn, getClass());
        }
        group.resolveWith(H2StatementModels.of(conn));
    }

    @Override
    public void add(Object value) throws SQLException {
        Object[] args = (Object[]) value;
        try {
            addRow(args);
        } catch (RuntimeException e) {
            throw sqlException(e);
        }
    }

    void addRow(Object[] args) {
        group.add(args[0], args[1], args.length > 2 && args[2] != null ? args[2].toString() : null);
    }

    @Override
    public Object getResult() throws SQLException {
        try {
            return result();
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

    abstract String name();

    int maxArguments() {
        return 3;
    }

    String signature() {
        return "(event, order_key [, model_ref])";
    }

    abstract int resultType();

    abstract Object result();
}
