package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.vector.Vectors;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model found by name in spark.llm4es.models.dir, and in an archive shipped with the job. */
class ModelLocationsTest {
    static final Path BUNDLED =
            Path.of("..", "..", "udf", "src", "main", "resources", "io", "llm4es", "models", "stories260k");
    static SparkSession spark;
    static float[] builtin;

    @BeforeAll
    static void setUp() {
        spark = LocalSpark.session();
        SyntheticEvents.of(3, 5, 9).toSpark(spark).createOrReplaceTempView("tx");
        builtin = embedding("stories260k");
    }

    static float[] embedding(String model) {
        List<Row> rows = spark.sql("SELECT user_embedding(event, ts, '" + model + "') FROM tx WHERE user_id = 2")
                .collectAsList();
        return SyntheticEvents.floats(rows.get(0).getList(0));
    }

    @Test
    void configuredModelsDirectory(@TempDir Path dir) throws Exception {
        copy(BUNDLED, Files.createDirectories(dir.resolve("txn-copy")));
        spark.conf().set(SparkModels.DIR_CONF, dir.toString());
        try {
            Llm4esSpark.register(spark);
            assertTrue(Vectors.cosineSimilarity(builtin, embedding("txn-copy")) >= 0.99999);
        } finally {
            spark.conf().unset(SparkModels.DIR_CONF);
            Llm4esSpark.register(spark);
        }
        SparkSqlFunctionsTest.spark = spark;
        SparkSqlFunctionsTest.assertError("42704", "SELECT user_embedding(event, ts, 'txn-copy') FROM tx");
    }

    @Test
    void archiveShippedWithTheJob(@TempDir Path dir) throws Exception {
        Path zip = dir.resolve("models.zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            try (var files = Files.list(BUNDLED)) {
                for (Path f : files.toList()) {
                    out.putNextEntry(new ZipEntry("txn-shipped/" + f.getFileName()));
                    Files.copy(f, (OutputStream) out);
                    out.closeEntry();
                }
            }
        }
        spark.sparkContext().addArchive(zip.toUri() + "#" + SparkModels.SHIPPED_FOLDER);
        assertTrue(Vectors.cosineSimilarity(builtin, embedding("txn-shipped")) >= 0.99999);
    }

    private static void copy(Path from, Path to) throws Exception {
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
