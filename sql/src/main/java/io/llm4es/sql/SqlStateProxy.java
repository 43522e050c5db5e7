package io.llm4es.sql;

import io.llm4es.udf.aggregate.TruncationLog;
import io.llm4es.udf.error.Llm4esException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A JDBC connection, and every statement, result set and metadata object it hands out, whose
 * exceptions pass through an engine's translation: for engines whose drivers lose the SQLSTATE
 * a function raised (DuckDB, Calcite), the translation restores it. Closing the connection also
 * closes the resources given with it.
 *
 * <p>Each execution of a statement ({@code execute*}) begins a {@link StatementScope} through the
 * connection's {@link Session}: the statement's model resolution (once per statement) and its
 * truncations. While any method of the statement or of its result sets runs, the scope is the
 * thread's {@link StatementScope#current()}, and the truncations the calling thread logged
 * ({@link TruncationLog}) are added to it; {@code getWarnings()} of the statement and of its
 * result sets returns them as SQLSTATE 01004 warnings ahead of the driver's own.
 */
public final class SqlStateProxy implements InvocationHandler {
    /** What a connection does when one of its statements starts executing. */
    @FunctionalInterface
    public interface Session {
        /** Truncation warnings only; the binding resolves models by itself. */
        Session PLAIN = sql -> new StatementScope(null);

        /** {@code sql}: the statement's text where the proxy knows it (null for a batch of several). */
        StatementScope begin(String sql) throws SQLException;
    }

    private static final int RESERVE_BYTES = 4 << 20;

    private static final Class<?>[] WRAPPED = {
        CallableStatement.class, PreparedStatement.class, Statement.class, ResultSet.class, DatabaseMetaData.class
    };

    /** The current execution of one statement, shared by the statement and its result sets. */
    private static final class Execution {
        /** the text a PreparedStatement was prepared with */
        final String preparedSql;

        StatementScope scope;

        Execution(String preparedSql) {
            this.preparedSql = preparedSql;
        }
    }

    private final Object target;
    private final UnaryOperator<Throwable> translate;
    private final List<AutoCloseable> closeWith;
    private final Session session;
    private final Execution execution;

    private SqlStateProxy(
            Object target,
            UnaryOperator<Throwable> translate,
            List<AutoCloseable> closeWith,
            Session session,
            Execution execution) {
        this.target = target;
        this.translate = translate;
        this.closeWith = closeWith;
        this.session = session;
        this.execution = execution;
    }

    public static Connection wrap(Connection conn, UnaryOperator<Throwable> translate, List<AutoCloseable> closeWith) {
        return wrap(conn, translate, closeWith, Session.PLAIN);
    }

    public static Connection wrap(
            Connection conn, UnaryOperator<Throwable> translate, List<AutoCloseable> closeWith, Session session) {
        return (Connection) proxy(conn, Connection.class, translate, closeWith, session, null);
    }

    private static Object proxy(
            Object target,
            Class<?> type,
            UnaryOperator<Throwable> translate,
            List<AutoCloseable> closeWith,
            Session session,
            Execution execution) {
        return Proxy.newProxyInstance(
                SqlStateProxy.class.getClassLoader(),
                new Class<?>[] {type},
                new SqlStateProxy(target, translate, closeWith, session, execution));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("unwrap") && args[0] instanceof Class<?> c && c.isInstance(target)) {
            return target;
        }
        if (execution != null && name.equals("getWarnings") && method.getParameterCount() == 0) {
            return warnings(method);
        }
        if (execution != null && name.equals("clearWarnings") && method.getParameterCount() == 0) {
            execution.scope = execution.scope == null ? null : new StatementScope(execution.scope.resolver());
            try {
                method.invoke(target);
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof SQLFeatureNotSupportedException)) {
                    throw translate.apply(e.getCause());
                }
            }
            return null;
        }
        if (execution != null && target instanceof Statement && name.startsWith("execute")) {
            rearm();
            TruncationLog.drain(); // what this thread logged outside any statement is no part of this one
            try {
                String sql = args != null && args.length > 0 && args[0] instanceof String text
                        ? text
                        : name.contains("Batch") ? null : execution.preparedSql;
                execution.scope = session.begin(sql);
            } catch (RuntimeException e) {
                throw translate.apply(e);
            }
        }
        Object result = call(method, args);
        if (target instanceof Connection && name.equals("close")) {
            for (AutoCloseable r : closeWith) {
                r.close();
            }
        }
        if (result != null && !name.equals("unwrap")) {
            for (Class<?> type : WRAPPED) {
                if (type.isAssignableFrom(method.getReturnType())) {
                    Execution shared = Statement.class.isAssignableFrom(type)
                            ? new Execution(
                                    target instanceof Connection
                                                    && args != null
                                                    && args.length > 0
                                                    && args[0] instanceof String sql
                                            ? sql
                                            : null)
                            : type == ResultSet.class ? execution : null;
                    return proxy(result, type, translate, List.of(), session, shared);
                }
            }
        }
        return result;
    }

    private Object call(Method method, Object[] args) throws Throwable {
        StatementScope scope = execution == null ? null : execution.scope;
        StatementScope previous = scope == null ? null : StatementScope.enter(scope);
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            OutOfMemoryError oom = outOfMemory(e.getCause());
            if (oom != null) {
                throw releasing(oom);
            }
            throw translate.apply(e.getCause());
        } catch (OutOfMemoryError e) {
            throw releasing(e); // the heap was too full even to wrap the engine's error
        } finally {
            if (scope != null) {
                scope.addTruncations(TruncationLog.drain());
                StatementScope.leave(previous);
            }
        }
    }

    /**
     * Heap kept back for the error path: when the heap runs out inside the engine, the engine (H2's
     * query cache, for one) can still hold the statement's groups until its connection closes, so
     * without this even the 53200 could not be built. Taken again at the next execution.
     */
    private static volatile byte[] reserve = new byte[RESERVE_BYTES];

    private static void rearm() {
        if (reserve == null) {
            try {
                reserve = new byte[RESERVE_BYTES];
            } catch (OutOfMemoryError stillFull) {
                // the next execution tries again
            }
        }
    }

    private static OutOfMemoryError outOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError oom) {
                return oom;
            }
            if (c instanceof SQLException || c instanceof Llm4esException) {
                return null; // already a state (llm4es's own 53200 keeps its message)
            }
        }
        return null;
    }

    /**
     * 53200 for a heap that ran out inside the engine's own code (H2's and Calcite's operators
     * let an OutOfMemoryError through): the engine still holds the statement's groups, so the
     * statement or result set is closed first, which lets the heap go and the JVM go on.
     */
    private SQLException releasing(OutOfMemoryError oom) {
        reserve = null; // room to close and to build the error while the engine still holds the groups
        if (target instanceof AutoCloseable resource && !(target instanceof Connection)) {
            try {
                resource.close();
            } catch (Exception | OutOfMemoryError ignored) {
                // closing is best effort: the error below is what the caller needs
            }
        }
        return Llm4esException.outOfMemory("running the statement (it was closed to free the heap)", oom)
                .toSqlException();
    }

    /** llm4es's warnings of the current execution, then the driver's own. */
    private SQLWarning warnings(Method getWarnings) throws Throwable {
        SQLWarning own;
        try {
            own = (SQLWarning) getWarnings.invoke(target);
        } catch (InvocationTargetException e) {
            if (!(e.getCause() instanceof SQLFeatureNotSupportedException)) {
                throw translate.apply(e.getCause());
            }
            own = null; // DuckDB's result sets have no warnings of their own
        }
        SQLWarning ours = execution.scope == null ? null : execution.scope.warning();
        if (ours == null) {
            return own;
        }
        if (own != null) {
            SQLWarning last = ours;
            while (last.getNextWarning() != null) {
                last = last.getNextWarning();
            }
            last.setNextWarning(own);
        }
        return ours;
    }
}
