package io.llm4es.sql.h2;

import io.llm4es.sql.registry.ModelRegistry;
import io.llm4es.sql.registry.RegistryResolver;
import io.llm4es.udf.embed.ModelResolver;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;

/**
 * One {@link RegistryResolver} per running H2 statement, so every group (and every
 * {@code model_version} call) of a statement sees the aliases as they were when the statement
 * first resolved them. A statement is recognized by its session, its command object and the
 * command's start time: a prepared statement run twice is two statements. H2 clears the
 * session's current command when a nested query (such as the registry lookup itself) ends, so a
 * call that finds none belongs to the statement seen last.
 */
final class H2StatementModels {
    private record Scope(Object command, Object started, RegistryResolver resolver) {}

    private static final Map<SessionLocal, Scope> SCOPES = new WeakHashMap<>();

    private H2StatementModels() {}

    static ModelResolver of(Connection conn) throws SQLException {
        SessionLocal session = (SessionLocal) conn.unwrap(JdbcConnection.class).getSession();
        Object command = session.getCurrentCommand();
        Object started = session.getCommandStartOrEnd();
        synchronized (SCOPES) {
            Scope scope = SCOPES.get(session);
            boolean sameStatement = scope != null
                    && (command == null || scope.command() == command && Objects.equals(scope.started(), started));
            if (!sameStatement) {
                scope = new Scope(command, started, new RegistryResolver(new ModelRegistry(conn, Llm4esH2.SCHEMA)));
                SCOPES.put(session, scope);
            }
            return scope.resolver();
        }
    }
}
