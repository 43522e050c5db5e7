package io.llm4es.sql.h2;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import org.h2.command.Command;
import org.h2.command.CommandContainer;
import org.h2.command.query.Query;
import org.h2.command.query.Select;
import org.h2.command.query.SelectUnion;
import org.h2.engine.SessionLocal;
import org.h2.expression.Expression;
import org.h2.expression.aggregate.AbstractAggregate;
import org.h2.expression.aggregate.JavaAggregate;
import org.h2.jdbc.JdbcConnection;
import org.h2.schema.UserAggregate;
import org.h2.value.TypeInfo;
import org.h2.value.Value;

/**
 * Names REAL as the element type of an embedding column in the statement being run. H2 types a
 * user aggregate by a bare type code, an ARRAY without element type, and a result of such a
 * column that H2 spills past MAX_MEMORY_ROWS cannot be read back from its temporary file (H2
 * casts every element to the column's missing element type). H2 has no API to name it, so the
 * type is set on the statement's own select list when its first group starts, before any row of
 * the result exists. Reflective, hence tied to H2's internals: {@code H2UserEmbeddingTest} reads a
 * spilled result back and fails if an H2 upgrade breaks this.
 */
final class H2ArrayResults {
    static final TypeInfo REAL_ARRAY = TypeInfo.getTypeInfo(Value.ARRAY, -1L, 0, TypeInfo.TYPE_REAL);

    private static final Field PREPARED = field(CommandContainer.class, "prepared");
    private static final Field USER_AGGREGATE = field(JavaAggregate.class, "userAggregate");
    private static final Field TYPE = field(AbstractAggregate.class, "type");

    private H2ArrayResults() {}

    /** Types the select-list columns of {@code aggregate}'s class in the running statement. */
    static void nameElementType(Connection conn, Class<?> aggregate) throws SQLException {
        if (PREPARED == null || USER_AGGREGATE == null || TYPE == null) {
            return;
        }
        SessionLocal session = (SessionLocal) conn.unwrap(JdbcConnection.class).getSession();
        Command command = session.getCurrentCommand();
        if (command instanceof CommandContainer container && read(PREPARED, container) instanceof Query query) {
            retype(query, aggregate.getName());
        }
    }

    private static void retype(Query query, String className) {
        if (query instanceof SelectUnion union) {
            retype(union.getLeft(), className);
            retype(union.getRight(), className);
        } else if (query instanceof Select select) {
            for (Expression column : select.getExpressions()) {
                // a call H2 is still optimizing (a command prepared again as it runs, e.g. over
                // CSVREAD) has no type yet: its first group at run time comes back here
                if (column.getNonAliasExpression() instanceof JavaAggregate call
                        && call.getType() != null
                        && call.getType().getValueType() == Value.ARRAY
                        && call.getType().getExtTypeInfo() == null
                        && read(USER_AGGREGATE, call) instanceof UserAggregate function
                        && className.equals(function.getJavaClassName())) {
                    write(TYPE, call, REAL_ARRAY);
                }
            }
        }
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Object read(Field f, Object owner) {
        try {
            return f.get(owner);
        } catch (IllegalAccessException e) {
            return null;
        }
    }

    private static void write(Field f, Object owner, Object value) {
        try {
            f.set(owner, value);
        } catch (IllegalAccessException e) {
            // left as H2 typed it: the spill test shows the loss
        }
    }
}
