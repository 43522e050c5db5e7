package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.udf.vector.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bulk job in local[2]: every user once, H2's vectors, replaced outputs. */
class BulkEmbeddingJobTest {
    static final SyntheticEvents DATA = SyntheticEvents.of(120, 10, 11);
    static Map<Integer, float[]> h2;
    static SparkSession spark;

    @BeforeAll
    static void h2Side() throws Exception {
        spark = LocalSpark.session();
        try (Connection c = Llm4esH2.open("jdbc:h2:mem:bulk-expected")) {
            DATA.toH2(c);
            h2 = SyntheticEvents.h2Embeddings(c);
        }
    }

    /** Checks every user is there once with H2's vector; returns the rows. */
    static List<Row> assertSameAsH2(List<Row> rows, Map<Integer, float[]> expected) {
        Set<Integer> seen = new HashSet<>();
        for (Row r : rows) {
            int user = r.getInt(r.fieldIndex("user_id"));
            assertTrue(seen.add(user), "user " + user + " written twice");
            float[] v = SyntheticEvents.floats(r.getList(r.fieldIndex("embedding")));
            double cos = Vectors.cosineSimilarity(expected.get(user), v);
            assertTrue(cos >= 0.99999, "user " + user + ": cosine " + cos);
            assertTrue(List.of("ok", "truncated").contains(r.<String>getAs("status")));
        }
        assertEquals(expected.keySet(), seen);
        return rows;
    }

    @Test
    void embeddingsEqualH2sInSmallAndLargeWindows() {
        for (int window : new int[] {64, BulkOptions.DEFAULT_WINDOW_TOKENS}) {
            BulkOptions o = BulkOptions.defaults().withPartitions(3).withWindowTokens(window);
            assertSameAsH2(BulkEmbeddingJob.embed(DATA.toSpark(spark), o).collectAsList(), h2);
        }
    }

    @Test
    void commandLineWritesParquetAndJdbcAndARerunReplaces(@TempDir Path dir) throws Exception {
        Path input = dir.resolve("events.parquet");
        DATA.toSpark(spark).write().parquet(input.toString());
        String url = "jdbc:h2:mem:bulk-target;DB_CLOSE_DELAY=-1";
        try (Connection keep = DriverManager.getConnection(url)) {
            String[] args = {
                "--input",
                input.toString(),
                "--model",
                "stories260k",
                "--partitions",
                "4",
                "--output",
                dir.resolve("embeddings.parquet").toString(),
                "--jdbc-url",
                url,
                "--jdbc-table",
                "user_embeddings"
            };
            for (int run = 0; run < 2; run++) {
                // Spark creates the table with quoted lower-case column names
                long users = BulkEmbeddingJob.run(spark, BulkOptions.parse(args));
                assertEquals(h2.size(), users);
                assertSameAsH2(
                        spark.read()
                                .parquet(dir.resolve("embeddings.parquet").toString())
                                .collectAsList(),
                        h2);
                try (Statement st = keep.createStatement();
                        ResultSet rs =
                                st.executeQuery("SELECT COUNT(*), COUNT(DISTINCT \"user_id\") FROM user_embeddings")) {
                    rs.next();
                    assertEquals(h2.size(), rs.getInt(1), "run " + run);
                    assertEquals(h2.size(), rs.getInt(2));
                }
            }
            try (Statement st = keep.createStatement();
                    ResultSet rs = st.executeQuery("SELECT \"embedding\" FROM user_embeddings WHERE \"user_id\" = 1")) {
                rs.next();
                assertTrue(Vectors.cosineSimilarity(h2.get(1), Vectors.parse(rs.getString(1))) >= 0.99999);
            }
        }
    }

    @Test
    void badOptionsAreRefusedWithTheirSqlstate() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(
                io.llm4es.udf.error.Llm4esException.class, () -> BulkOptions.parse(new String[] {"--input", "x"}));
        assertEquals("22023", e.state().code());
        var unknown = org.junit.jupiter.api.Assertions.assertThrows(
                Exception.class,
                () -> BulkEmbeddingJob.embed(
                                DATA.toSpark(spark), BulkOptions.defaults().withModel("no-such-model"))
                        .collectAsList());
        assertTrue(unknown.getMessage().contains("[42704] llm4es:"), unknown.getMessage());
    }
}
