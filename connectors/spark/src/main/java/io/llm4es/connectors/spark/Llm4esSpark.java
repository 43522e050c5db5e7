package io.llm4es.connectors.spark;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;

/**
 * The llm4es SQL surface in Spark SQL, registered for one session by
 * {@code Llm4esSpark.register(spark)}: the aggregates {@code user_embedding},
 * {@code try_user_embedding}, {@code user_embedding_result}, {@code serialize_events} and the
 * vector helpers, with the arguments, NULL rules and errors of H2, DuckDB and Calcite. Models are
 * found by {@link SparkModels}; each executor JVM loads a model once.
 */
public final class Llm4esSpark {
    private static final String HISTORY = "(event, order_key [, model_ref])";

    private Llm4esSpark() {}

    public static void register(SparkSession spark) {
        SparkModels models = new SparkModels(spark.conf().get(SparkModels.DIR_CONF, null));
        FunctionRegistry registry = ((org.apache.spark.sql.classic.SparkSession) spark)
                .sessionState()
                .functionRegistry();
        for (AggregateFunction f : aggregates()) {
            f.register(spark, registry, models);
        }
        VectorFunctions.register(spark);
    }

    private static List<AggregateFunction> aggregates() {
        return List.of(
                new AggregateFunction("user_embedding", 3, HISTORY, m -> new UserEmbeddingAggregator(m, false)),
                new AggregateFunction("try_user_embedding", 3, HISTORY, m -> new UserEmbeddingAggregator(m, true)),
                new AggregateFunction("user_embedding_result", 3, HISTORY, UserEmbeddingResultAggregator::new),
                new AggregateFunction(
                        "serialize_events",
                        4,
                        "(event, order_key [, model_ref [, options]])",
                        SerializeEventsAggregator::new));
    }
}
