package io.llm4es.sql.h2;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Registers the llm4es functions in an H2 database, in schema LLM4ES, and puts that schema on
 * the connection's search path so that analysts can write {@code user_embedding(...)} unqualified.
 */
public final class Llm4esH2 {
    public static final String SCHEMA = "LLM4ES";

    private Llm4esH2() {
    }

    public static void register(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
            aggregate(st, "USER_EMBEDDING", UserEmbeddingAggregate.class);
            aggregate(st, "SERIALIZE_EVENTS", SerializeEventsAggregate.class);
            useSearchPath(connection);
        }
    }

    /** Makes the functions resolvable without the schema prefix on this connection. */
    public static void useSearchPath(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute("SET SCHEMA_SEARCH_PATH " + connection.getSchema() + ", " + SCHEMA);
        }
    }

    private static void aggregate(Statement st, String name, Class<?> impl) throws SQLException {
        st.execute("CREATE AGGREGATE IF NOT EXISTS " + SCHEMA + "." + name + " FOR \"" + impl.getName() + "\"");
    }
}
