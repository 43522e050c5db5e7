package io.llm4es.sql.h2;

import io.llm4es.sql.SqlStateProxy;
import io.llm4es.sql.registry.ModelRegistry;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Registers the llm4es functions in an H2 database, in schema LLM4ES, and puts that schema on
 * the connection's search path so that analysts can write {@code user_embedding(...)} unqualified.
 */
public final class Llm4esH2 {
    public static final String SCHEMA = "LLM4ES";
    /** H2's JDBC URLs: {@code jdbc:h2:mem:}, {@code jdbc:h2:tcp:}, or a file path. */
    public static final String PREFIX = "jdbc:h2:";

    private Llm4esH2() {}

    /**
     * A connection to {@code url} with the functions registered, whose statements report
     * truncation as a warning (H2's own {@code getWarnings} is always null).
     */
    public static Connection open(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        try {
            register(c);
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        // H2 runs the aggregates on the caller's thread: the proxy turns their truncations
        // into the statement's warning
        return SqlStateProxy.wrap(c, t -> t, List.of());
    }

    public static void register(Connection connection) throws SQLException {
        try (Statement st = connection.createStatement()) {
            st.execute(registrationSql(connection.getSchema()));
        }
    }

    /**
     * One H2 command (statements joined by ';') that registers the functions if needed, with
     * those of every {@link H2Extension} on the class path, and puts them on the session's search
     * path after {@code defaultSchema}: usable as a pool's connection-init SQL.
     */
    public static String registrationSql(String defaultSchema) {
        List<String> sql = new ArrayList<>(List.of(
                "CREATE SCHEMA IF NOT EXISTS " + SCHEMA,
                aggregate("USER_EMBEDDING", UserEmbeddingAggregate.class),
                aggregate("SERIALIZE_EVENTS", SerializeEventsAggregate.class),
                aggregate("TRY_USER_EMBEDDING", TryUserEmbeddingAggregate.class),
                aggregate("USER_EMBEDDING_RESULT", UserEmbeddingResultAggregate.class),
                function("COSINE_SIMILARITY", "cosineSimilarity"),
                function("L2_NORMALIZE", "l2Normalize"),
                function("VECTOR_DIMS", "vectorDims"),
                function("TO_PGVECTOR_TEXT", "toPgvectorText"),
                ModelRegistry.ddl(SCHEMA)[0],
                ModelRegistry.ddl(SCHEMA)[1],
                procedure("REGISTER_MODEL", H2Registry.class, "registerModel"),
                procedure("SET_ALIAS", H2Registry.class, "setAlias"),
                procedure("DESCRIBE_MODEL", H2Registry.class, "describeModel"),
                procedure("MODEL_VERSION", H2Registry.class, "modelVersion")));
        for (H2Extension extension : ServiceLoader.load(H2Extension.class, Llm4esH2.class.getClassLoader())) {
            sql.addAll(extension.registrationSql(SCHEMA));
        }
        sql.add("SET SCHEMA_SEARCH_PATH " + defaultSchema + ", " + SCHEMA);
        return String.join(";\n", sql);
    }

    /** {@code CREATE ALIAS} of a static method: H2 passes the session's connection first where the method takes one. */
    public static String procedure(String schema, String name, Class<?> impl, String method) {
        return "CREATE ALIAS IF NOT EXISTS " + schema + "." + name + " FOR \"" + impl.getName() + "." + method + "\"";
    }

    private static String procedure(String name, Class<?> impl, String method) {
        return procedure(SCHEMA, name, impl, method);
    }

    private static String function(String name, String method) {
        return "CREATE ALIAS IF NOT EXISTS " + SCHEMA + "." + name + " DETERMINISTIC FOR \""
                + H2VectorFunctions.class.getName() + "." + method + "\"";
    }

    private static String aggregate(String name, Class<?> impl) {
        return "CREATE AGGREGATE IF NOT EXISTS " + SCHEMA + "." + name + " FOR \"" + impl.getName() + "\"";
    }
}
