package io.llm4es.connectors.spark;

import static org.apache.spark.sql.functions.col;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.vector.Vectors;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The batched bulk path: one embedding per user, computed where the user's events are. Users are
 * hash-partitioned, each partition is sorted by user and order key and streamed through
 * {@link UserBatches}, so many users share one call to the model and memory stays bounded. The
 * outputs are replaced on every run, and Spark's commit protocol keeps a retried task's rows
 * once, so a rerun or a lost executor never duplicates a user.
 *
 * <pre>spark-submit --class io.llm4es.connectors.spark.BulkEmbeddingJob llm4es-spark.jar --input ... --output ...</pre>
 */
public final class BulkEmbeddingJob {
    private BulkEmbeddingJob() {}

    /** Columns user_id (the input's type), embedding, status (ok | truncated | empty), model_version, events, tokens, dropped_events. */
    public static Dataset<Row> embed(Dataset<Row> events, BulkOptions options) {
        SparkSession spark = events.sparkSession();
        SparkModels models = new SparkModels(spark.conf().get(SparkModels.DIR_CONF, null));
        Dataset<Row> in = events.select(
                col(options.userColumn()).as("user_id"),
                col(options.eventColumn()).cast(DataTypes.StringType).as("event"),
                col(options.orderColumn()).as("order_key"));
        Dataset<Row> byUser = options.partitions() > 0
                ? in.repartition(options.partitions(), col("user_id"))
                : in.repartition(col("user_id"));
        Dataset<Row> sorted = byUser.sortWithinPartitions(col("user_id"), col("order_key"));
        String modelRef = options.model();
        int window = options.windowTokens();
        MapPartitionsFunction<Row, Row> embedPartition = rows -> new UserBatches(rows, models, modelRef, window);
        return sorted.mapPartitions(
                embedPartition,
                Encoders.row(outputSchema(in.schema().apply("user_id").dataType())));
    }

    static StructType outputSchema(org.apache.spark.sql.types.DataType userType) {
        return new StructType()
                .add("user_id", userType, true)
                .add("embedding", SparkTypes.EMBEDDING, true)
                .add("status", DataTypes.StringType, false)
                .add("model_version", DataTypes.StringType, true)
                .add("events", DataTypes.IntegerType, false)
                .add("tokens", DataTypes.IntegerType, true)
                .add("dropped_events", DataTypes.IntegerType, true);
    }

    /** Reads {@code options.input()}, embeds, writes Parquet and/or the JDBC table; returns the users written. */
    public static long run(SparkSession spark, BulkOptions options) {
        Dataset<Row> events = "table".equals(options.format())
                ? spark.table(options.input())
                : spark.read()
                        .format(options.format())
                        .option("header", "true")
                        .option("inferSchema", "true")
                        .load(options.input());
        Dataset<Row> embedded = embed(events, options);
        if (options.output() != null) {
            embedded.write().mode(SaveMode.Overwrite).parquet(options.output());
        }
        if (options.jdbcUrl() != null) {
            // JDBC has no portable float array; pgvector (and any text column) reads this form
            UDF1<scala.collection.Seq<Object>, String> text = v -> v == null
                    ? null
                    : Vectors.toPgvectorText(Vectors.fromObjects(
                            scala.jdk.javaapi.CollectionConverters.asJava(v).toArray()));
            Dataset<Row> source = options.output() != null ? spark.read().parquet(options.output()) : embedded;
            source.withColumn(
                            "embedding",
                            functions.udf(text, DataTypes.StringType).apply(col("embedding")))
                    .write()
                    .mode(SaveMode.Overwrite)
                    .option("truncate", "true")
                    .jdbc(options.jdbcUrl(), options.jdbcTable(), options.jdbcProperties());
        }
        return options.output() != null ? spark.read().parquet(options.output()).count() : -1;
    }

    public static void main(String[] args) {
        BulkOptions options;
        try {
            options = BulkOptions.parse(args);
        } catch (Llm4esException e) {
            System.err.println("llm4es: [" + e.state().code() + "] " + e.getMessage());
            System.exit(2);
            return;
        }
        SparkSession spark =
                SparkSession.builder().appName("llm4es bulk embeddings").getOrCreate();
        try {
            long users = run(spark, options);
            System.out.println("llm4es: embedded " + (users < 0 ? "all" : String.valueOf(users)) + " users"
                    + (options.output() != null ? " into " + options.output() : "")
                    + (options.jdbcTable() != null ? " and table " + options.jdbcTable() : ""));
        } finally {
            spark.stop();
        }
    }
}
