package io.llm4es.sql.calcite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.Engine;
import io.llm4es.sql.LocalPostgres;
import io.llm4es.sql.Transactions;
import io.llm4es.udf.vector.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source kinds Llm4esDriverTest does not cover: a Parquet directory and a real PostgreSQL server. */
class ParquetAndPostgresSourcesTest {
    static final List<Transactions.Row> ROWS = Transactions.random(12, 10, 5);
    static Map<Integer, float[]> expected;

    @BeforeAll
    static void h2Reference() throws Exception {
        try (Connection h2 = Engine.H2.open()) {
            Transactions.create(h2, ROWS);
            expected = Llm4esDriverTest.embeddings(h2, "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u");
        }
    }

    static void assertSameAsH2(Map<Integer, float[]> got) {
        assertEquals(expected.keySet(), got.keySet());
        for (int u : expected.keySet()) {
            double cos = Vectors.cosineSimilarity(expected.get(u), got.get(u));
            assertTrue(cos >= 0.99999, "user " + u + ": cosine " + cos);
        }
    }

    @Test
    void aParquetDirectoryIsASchema(@TempDir Path dir) throws Exception {
        Path files = Files.createDirectories(dir.resolve("pq"));
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Statement st = duck.createStatement()) {
            Transactions.create(duck, ROWS);
            st.execute("COPY tx TO '" + files.resolve("tx.parquet") + "' (FORMAT parquet)");
        }
        try (Connection c = DriverManager.getConnection(Llm4esDriver.PREFIX + "schema.pq=files:" + files)) {
            assertSameAsH2(Llm4esDriverTest.embeddings(c, "SELECT u, user_embedding(ev, ts) FROM pq.tx GROUP BY u"));
        }
    }

    @Test
    void aPostgreSqlDatabaseIsASchema() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start()) {
            try (Connection c = DriverManager.getConnection(pg.url())) {
                Transactions.create(c, ROWS);
            }
            String url = Llm4esDriver.PREFIX + "schema.pg='" + pg.url() + "';schema.pg.schema=public";
            try (Connection c = DriverManager.getConnection(url)) {
                assertSameAsH2(
                        Llm4esDriverTest.embeddings(c, "SELECT u, user_embedding(ev, ts) FROM pg.tx GROUP BY u"));
            }
        }
    }
}
