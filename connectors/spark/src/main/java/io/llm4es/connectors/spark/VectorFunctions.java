package io.llm4es.connectors.spark;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.vector.Vectors;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The vector helpers as Spark UDFs. Spark hands an array over as a Seq of Float, Double or
 * BigDecimal (whatever the column holds); NULL in gives NULL out, as in every engine.
 */
final class VectorFunctions {
    private VectorFunctions() {}

    static void register(SparkSession spark) {
        spark.udf()
                .register(
                        "cosine_similarity",
                        (UDF2<Object, Object, Double>) (a, b) -> a == null || b == null
                                ? null
                                : call(() -> Vectors.cosineSimilarity(vector(a), vector(b))),
                        DataTypes.DoubleType);
        spark.udf()
                .register(
                        "l2_normalize",
                        (UDF1<Object, float[]>) v -> v == null ? null : call(() -> Vectors.l2Normalize(vector(v))),
                        SparkTypes.EMBEDDING);
        spark.udf()
                .register(
                        "vector_dims",
                        (UDF1<Object, Integer>) v -> v == null ? null : call(() -> Vectors.dims(vector(v))),
                        DataTypes.IntegerType);
        spark.udf()
                .register(
                        "to_pgvector_text",
                        (UDF1<Object, String>) v -> v == null ? null : call(() -> Vectors.toPgvectorText(vector(v))),
                        DataTypes.StringType);
    }

    private static float[] vector(Object value) {
        if (value instanceof Seq<?> seq) {
            return Vectors.fromObjects(CollectionConverters.asJava(seq).toArray());
        }
        throw Llm4esException.invalid(
                "expected an array of numbers, got " + value.getClass().getSimpleName());
    }

    private interface Body<T> {
        T get();
    }

    private static <T> T call(Body<T> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            throw SparkErrors.of(e);
        }
    }
}
