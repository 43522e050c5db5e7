package io.llm4es.sql.h2;

import io.llm4es.sql.registry.ModelRegistry;
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
            st.execute(registrationSql(connection.getSchema()));
        }
    }

    /**
     * One H2 command (statements joined by ';') that registers the functions if needed and puts
     * them on the session's search path after {@code defaultSchema}: usable as a pool's
     * connection-init SQL.
     */
    public static String registrationSql(String defaultSchema) {
        return String.join(";\n",
                "CREATE SCHEMA IF NOT EXISTS " + SCHEMA,
                aggregate("USER_EMBEDDING", UserEmbeddingAggregate.class),
                aggregate("SERIALIZE_EVENTS", SerializeEventsAggregate.class),
                aggregate("TRY_USER_EMBEDDING", TryUserEmbeddingAggregate.class),
                aggregate("USER_EMBEDDING_RESULT", UserEmbeddingResultAggregate.class),
                function("COSINE_SIMILARITY", "cosineSimilarity"),
                function("L2_NORMALIZE", "l2Normalize"),
                function("VECTOR_DIMS", "vectorDims"),
                function("TO_PGVECTOR_TEXT", "toPgvectorText"),
                "CREATE ALIAS IF NOT EXISTS " + SCHEMA + ".EXPORT_TRAINING_TEXT FOR \""
                        + H2Procedures.class.getName() + ".exportTrainingText\"",
                ModelRegistry.ddl(SCHEMA)[0],
                ModelRegistry.ddl(SCHEMA)[1],
                procedure("REGISTER_MODEL", H2Registry.class, "registerModel"),
                procedure("SET_ALIAS", H2Registry.class, "setAlias"),
                procedure("DESCRIBE_MODEL", H2Registry.class, "describeModel"),
                procedure("MODEL_VERSION", H2Registry.class, "modelVersion"),
                procedure("MATERIALIZE_EMBEDDINGS", H2Procedures.class, "materializeEmbeddings"),
                "SET SCHEMA_SEARCH_PATH " + defaultSchema + ", " + SCHEMA);
    }

    private static String procedure(String name, Class<?> impl, String method) {
        return "CREATE ALIAS IF NOT EXISTS " + SCHEMA + "." + name + " FOR \"" + impl.getName() + "." + method + "\"";
    }

    private static String function(String name, String method) {
        return "CREATE ALIAS IF NOT EXISTS " + SCHEMA + "." + name + " DETERMINISTIC FOR \""
                + H2VectorFunctions.class.getName() + "." + method + "\"";
    }

    private static String aggregate(String name, Class<?> impl) {
        return "CREATE AGGREGATE IF NOT EXISTS " + SCHEMA + "." + name + " FOR \"" + impl.getName() + "\"";
    }
}
