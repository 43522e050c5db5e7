package io.llm4es.connectors.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * A benchmark, not a test: N synthetic users x 10 events through the bulk job in local[2], on the
 * same data that {@code java -jar llm4es.jar materialize} reads from H2.
 * {@code prepare N DIR} writes DIR/events.parquet and the H2 database DIR/source;
 * {@code spark N DIR [master]} runs the job and prints users/s and tokens/s;
 * {@code cluster N DIR 1,2} runs it on a standalone cluster ({@link StandaloneCluster}) of 1, then
 * 2 workers of one core, one executor each ({@code spark.executor.memory} 2g, one ONNX Runtime
 * thread), and checks that every user came back exactly once.
 */
public final class SparkBulkBenchmark {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[1]);
        Path dir = Path.of(args[2]).toAbsolutePath();
        if (args[0].equals("prepare")) {
            prepare(n, dir);
        } else if (args[0].equals("cluster")) {
            for (String workers : args[3].split(",")) {
                cluster(n, dir, Integer.parseInt(workers));
            }
        } else {
            run(dir, args.length > 3 ? args[3] : "local[2]");
        }
    }

    static void prepare(int n, Path dir) throws Exception {
        Files.createDirectories(dir);
        Class.forName("org.h2.Driver");
        Random rnd = new Random(42);
        int[] mcc = {5411, 5812, 5541, 6011, 4900, 7832};
        SparkSession spark = SparkSession.builder()
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        try (Connection h2 = DriverManager.getConnection("jdbc:h2:" + dir.resolve("source"))) {
            try (Statement st = h2.createStatement()) {
                st.execute("CREATE TABLE tx(user_id INT, ts DATE, event VARCHAR)");
            }
            List<Row> rows = new ArrayList<>();
            try (PreparedStatement ps = h2.prepareStatement("INSERT INTO tx VALUES (?, ?, ?)")) {
                for (int u = 1; u <= n; u++) {
                    for (int e = 0; e < 10; e++) {
                        LocalDate d = LocalDate.of(2024, 1, 1).plusDays(rnd.nextInt(300));
                        String json = "{\"date\":\"" + d + "\",\"type\":\"" + (rnd.nextInt(4) == 0 ? "C" : "D")
                                + "\",\"mcc\":" + mcc[rnd.nextInt(mcc.length)] + ",\"amount\":"
                                + new java.math.BigDecimal(rnd.nextInt(100000)).movePointLeft(2) + "}";
                        ps.setInt(1, u);
                        ps.setDate(2, java.sql.Date.valueOf(d));
                        ps.setString(3, json);
                        ps.addBatch();
                        rows.add(RowFactory.create(u, java.sql.Date.valueOf(d), json));
                    }
                    if (u % 1000 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            spark.createDataFrame(rows, SyntheticEvents.SCHEMA)
                    .write()
                    .mode("overwrite")
                    .parquet(dir.resolve("events.parquet").toString());
        } finally {
            spark.stop();
        }
    }

    static void run(Path dir, String master) {
        SparkSession spark = SparkSession.builder()
                .master(master)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        try {
            measure(spark, dir, master);
        } finally {
            spark.stop();
        }
    }

    static void cluster(int n, Path dir, int workers) throws Exception {
        try (StandaloneCluster cluster =
                new StandaloneCluster(Files.createTempDirectory(dir, "cluster-" + workers + "-"), workers, "2560m")) {
            // one ONNX Runtime thread per one-core executor (SparkConf reads spark.* system properties)
            System.setProperty("spark.executorEnv.LLM4ES_THREADS", "1");
            SparkSession spark = cluster.session("llm4es-cluster-benchmark", "2g");
            try {
                long users = measure(spark, dir, workers + " worker(s) of 1 core");
                long distinct = spark.read()
                        .parquet(dir.resolve("spark-embeddings.parquet").toString())
                        .select("user_id")
                        .distinct()
                        .count();
                if (users != n || distinct != n) {
                    throw new AssertionError(n + " users in, " + users + " rows and " + distinct + " distinct out");
                }
            } finally {
                spark.stop();
            }
        }
    }

    static long measure(SparkSession spark, Path dir, String where) {
        long t0 = System.nanoTime();
        long users = BulkEmbeddingJob.run(spark, BulkOptions.parse(new String[] {
            "--input",
            dir.resolve("events.parquet").toString(),
            "--partitions",
            "8",
            "--output",
            dir.resolve("spark-embeddings.parquet").toString()
        }));
        double s = (System.nanoTime() - t0) / 1e9;
        long tokens = spark.read()
                .parquet(dir.resolve("spark-embeddings.parquet").toString())
                .selectExpr("sum(tokens)")
                .first()
                .getLong(0);
        System.out.printf(
                "spark %s: %d users, %d tokens in %.1f s: %.0f users/s, %.0f tokens/s%n",
                where, users, tokens, s, users / s, tokens / s);
        return users;
    }
}
