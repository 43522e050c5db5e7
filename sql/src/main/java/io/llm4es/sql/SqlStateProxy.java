package io.llm4es.sql;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A JDBC connection, and every statement, result set and metadata object it hands out, whose
 * exceptions pass through an engine's translation: for engines whose drivers lose the SQLSTATE
 * a function raised (DuckDB, Calcite), the translation restores it. Closing the connection also
 * closes the resources given with it.
 */
public final class SqlStateProxy implements InvocationHandler {
    private static final Class<?>[] WRAPPED = {
            CallableStatement.class, PreparedStatement.class, Statement.class, ResultSet.class, DatabaseMetaData.class};

    private final Object target;
    private final UnaryOperator<Throwable> translate;
    private final List<AutoCloseable> closeWith;

    private SqlStateProxy(Object target, UnaryOperator<Throwable> translate, List<AutoCloseable> closeWith) {
        this.target = target;
        this.translate = translate;
        this.closeWith = closeWith;
    }

    public static Connection wrap(Connection conn, UnaryOperator<Throwable> translate, List<AutoCloseable> closeWith) {
        return (Connection) proxy(conn, Connection.class, translate, closeWith);
    }

    private static Object proxy(Object target, Class<?> type, UnaryOperator<Throwable> translate,
                                List<AutoCloseable> closeWith) {
        return Proxy.newProxyInstance(SqlStateProxy.class.getClassLoader(), new Class<?>[] {type},
                new SqlStateProxy(target, translate, closeWith));
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
            throw translate.apply(e.getCause());
        }
        if (target instanceof Connection && method.getName().equals("close")) {
            for (AutoCloseable r : closeWith) {
                r.close();
            }
        }
        if (result != null && !method.getName().equals("unwrap")) {
            for (Class<?> type : WRAPPED) {
                if (type.isAssignableFrom(method.getReturnType())) {
                    return proxy(result, type, translate, List.of());
                }
            }
        }
        return result;
    }
}
