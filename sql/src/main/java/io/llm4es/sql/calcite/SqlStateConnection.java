package io.llm4es.sql.calcite;

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
import java.sql.Statement;
import java.util.List;

/**
 * A Calcite connection (and its statements and result sets) whose SQLExceptions carry the
 * llm4es SQLSTATE: Calcite wraps an exception thrown by a function in its own SQLException,
 * without a state ("Error while executing SQL ..."), so the state is taken from the
 * Llm4esException in the cause chain. Closing the connection also closes its file sources.
 */
final class SqlStateConnection implements InvocationHandler {
    private static final Class<?>[] WRAPPED = {
            CallableStatement.class, PreparedStatement.class, Statement.class, ResultSet.class, DatabaseMetaData.class};

    private final Object target;
    private final List<AutoCloseable> closeWith;

    private SqlStateConnection(Object target, List<AutoCloseable> closeWith) {
        this.target = target;
        this.closeWith = closeWith;
    }

    static Connection wrap(Connection conn, List<AutoCloseable> closeWith) {
        return (Connection) proxy(conn, Connection.class, closeWith);
    }

    private static Object proxy(Object target, Class<?> type, List<AutoCloseable> closeWith) {
        return Proxy.newProxyInstance(SqlStateConnection.class.getClassLoader(), new Class<?>[] {type},
                new SqlStateConnection(target, closeWith));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getName().equals("unwrap") && args[0] instanceof Class<?> c && c.isInstance(target)) {
            return target;
        }
        Object result;
        try {
            result = method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw translate(e.getCause());
        }
        if (target instanceof Connection && method.getName().equals("close")) {
            closeResources();
        }
        if (result != null && !method.getName().equals("unwrap")) {
            for (Class<?> type : WRAPPED) {
                if (type.isAssignableFrom(method.getReturnType())) {
                    return proxy(result, type, List.of());
                }
            }
        }
        return result;
    }

    private void closeResources() throws Exception {
        for (AutoCloseable r : closeWith) {
            r.close();
        }
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
        return t;
    }
}
