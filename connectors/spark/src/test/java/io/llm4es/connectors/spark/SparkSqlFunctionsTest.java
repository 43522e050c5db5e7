package io.llm4es.connectors.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.udf.vector.Vectors;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The SQL surface in Spark SQL (local[2]) against the same queries in H2. */
class SparkSqlFunctionsTest {
    static SparkSession spark;
    static Connection h2;
    static final SyntheticEvents DATA = SyntheticEvents.of(24, 8, 7);

    @BeforeAll
    static void setUp() throws Exception {
        spark = LocalSpark.session();
        DATA.toSpark(spark).createOrReplaceTempView("tx");
        h2 = Llm4esH2.open("jdbc:h2:mem:spark-sql-functions");
        DATA.toH2(h2);
    }

    @AfterAll
    static void tearDown() throws Exception {
        h2.close();
    }

    @Test
    void userEmbeddingEqualsH2sForEveryUser() throws Exception {
        Map<Integer, float[]> expected = SyntheticEvents.h2Embeddings(h2);
        List<Row> rows = spark.sql("SELECT user_id, user_embedding(event, ts) AS emb FROM tx GROUP BY user_id")
                .collectAsList();
        assertEquals(expected.size(), rows.size());
        for (Row r : rows) {
            float[] v = SyntheticEvents.floats(r.getList(1));
            assertTrue(Vectors.cosineSimilarity(expected.get(r.getInt(0)), v) >= 0.99999, "user " + r.getInt(0));
        }
    }

    @Test
    void serializeEventsIsH2sTextWithModelAndOptions() throws Exception {
        Map<Integer, String> expected = new HashMap<>();
        try (Statement st = h2.createStatement();
                ResultSet rs = st.executeQuery("SELECT user_id, serialize_events(event, ts, 'stories260k', "
                        + "'{\"rendering\": \"yaml\"}') FROM tx GROUP BY user_id")) {
            while (rs.next()) {
                expected.put(rs.getInt(1), rs.getString(2));
            }
        }
        for (Row r : spark.sql(
                        "SELECT user_id, serialize_events(event, ts, 'stories260k', '{\"rendering\": \"yaml\"}') "
                                + "FROM tx GROUP BY user_id")
                .collectAsList()) {
            assertEquals(expected.get(r.getInt(0)), r.getString(1));
        }
    }

    @Test
    void nullEventsAndKeysAreSkippedAndAnEmptyGroupIsNull() {
        Row r = spark.sql("SELECT user_embedding(e, k), try_user_embedding(e, k), serialize_events(e, k), "
                        + "user_embedding_result(e, k).status FROM VALUES (CAST(NULL AS STRING), 1), ('{\"mcc\": 1}', NULL) "
                        + "AS t(e, k)")
                .first();
        assertNull(r.get(0));
        assertNull(r.get(1));
        assertNull(r.get(2));
        assertEquals("empty", r.getString(3));
        Row withNulls = spark.sql("SELECT user_embedding(event, ts) FROM (SELECT event, ts FROM tx WHERE user_id = 3 "
                        + "UNION ALL SELECT NULL, DATE'2024-01-01' UNION ALL SELECT '{\"mcc\": 1}', NULL)")
                .first();
        Row plain = spark.sql("SELECT user_embedding(event, ts) FROM tx WHERE user_id = 3")
                .first();
        assertTrue(Vectors.cosineSimilarity(
                        SyntheticEvents.floats(plain.getList(0)), SyntheticEvents.floats(withNulls.getList(0)))
                >= 0.99999);
    }

    @Test
    void orderKeysOfEveryKindOrderAsInH2() throws Exception {
        // numbers order as numbers (10 after 9), not as text
        String spark10 = spark.sql("SELECT serialize_events(e, k) FROM VALUES ('{\"mcc\": 9}', 9), "
                        + "('{\"mcc\": 10}', 10) AS t(e, k)")
                .first()
                .getString(0);
        try (Statement st = h2.createStatement();
                ResultSet rs = st.executeQuery("SELECT serialize_events(e, k) FROM (VALUES ('{\"mcc\": 9}', 9), "
                        + "('{\"mcc\": 10}', 10)) AS t(e, k)")) {
            rs.next();
            assertEquals(rs.getString(1), spark10);
        }
        for (String key : List.of(
                "CAST(k AS BIGINT)",
                "CAST(k AS DOUBLE)",
                "CAST(k AS DECIMAL(10,2))",
                "TIMESTAMP'2024-01-01 00:00:00' + make_interval(0, 0, 0, k)",
                "CAST(k + 10 AS STRING)")) {
            assertEquals(
                    spark10,
                    spark.sql("SELECT serialize_events(e, " + key + ") FROM VALUES ('{\"mcc\": 9}', 9), "
                                    + "('{\"mcc\": 10}', 10) AS t(e, k)")
                            .first()
                            .getString(0),
                    key);
        }
    }

    @Test
    void errorsCarryTheirSqlstate() {
        assertError("42704", "SELECT user_embedding(event, ts, 'no-such-model') FROM tx");
        assertError("22023", "SELECT user_embedding(event, ts, '../etc') FROM tx");
        assertError("22023", "SELECT user_embedding('not json', 1)");
        assertError("0A000", "SELECT user_embedding(event) FROM tx");
        assertError("22023", "SELECT user_embedding(event, ts, 'stories260k', '{}') FROM tx");
        assertError("22023", "SELECT user_embedding(event, array(1)) FROM tx");
        assertError("22023", "SELECT serialize_events(event, ts, 'stories260k', 'not json') FROM tx");
        assertError("22023", "SELECT cosine_similarity(array(1.0, 2.0), array(1.0))");
        Row lenient = spark.sql("SELECT try_user_embedding(event, ts, 'no-such-model'), "
                        + "user_embedding_result(event, ts, 'no-such-model') FROM tx")
                .first();
        assertNull(lenient.get(0));
        Row result = lenient.getStruct(1);
        assertEquals("error:42704", result.getAs("status"));
        assertTrue(result.<String>getAs("message").contains("no-such-model"));
    }

    @Test
    void resultReportsVersionCountsAndStatus() throws Exception {
        Row r = spark.sql("SELECT user_embedding_result(event, ts) AS r, count(*) AS n FROM tx WHERE user_id = 5")
                .first();
        Row result = r.getStruct(0);
        assertEquals("ok", result.getAs("status"));
        assertNotNull(result.getAs("model_version"));
        assertEquals(r.getLong(1), ((Number) result.getAs("events")).longValue());
        assertTrue(result.<Integer>getAs("tokens") > 0);
        assertEquals(
                SyntheticEvents.h2Embeddings(h2).get(5).length,
                result.getList(0).size());
    }

    @Test
    void vectorHelpersEqualH2s() throws Exception {
        Row r = spark.sql("SELECT cosine_similarity(array(1.0, 2.0, 3.0), array(3.0, 2.0, 1.0)), "
                        + "l2_normalize(array(3.0, 4.0)), vector_dims(array(1.0, 2.0, 3.0)), to_pgvector_text(array(1.5, 2.0, -0.25)), "
                        + "cosine_similarity(NULL, array(1.0)), vector_dims(NULL)")
                .first();
        try (Statement st = h2.createStatement();
                ResultSet rs = st.executeQuery("SELECT cosine_similarity(ARRAY[1.0, 2.0, 3.0], ARRAY[3.0, 2.0, 1.0]), "
                        + "l2_normalize(ARRAY[3.0, 4.0]), vector_dims(ARRAY[1.0, 2.0, 3.0]), "
                        + "to_pgvector_text(ARRAY[1.5, 2.0, -0.25])")) {
            rs.next();
            assertEquals(rs.getDouble(1), r.getDouble(0));
            Object[] norm = (Object[]) rs.getArray(2).getArray();
            assertEquals(((Number) norm[0]).floatValue(), ((Number) r.getList(1).get(0)).floatValue());
            assertEquals(((Number) norm[1]).floatValue(), ((Number) r.getList(1).get(1)).floatValue());
            assertEquals(rs.getInt(3), r.getInt(2));
            assertEquals(rs.getString(4), r.getString(3));
        }
        assertTrue(r.isNullAt(4));
        assertTrue(r.isNullAt(5));
    }

    static void assertError(String sqlState, String sql) {
        Exception e = assertThrows(Exception.class, () -> spark.sql(sql).collectAsList(), sql);
        assertTrue(String.valueOf(e.getMessage()).contains("[" + sqlState + "] llm4es:"), sql + " → " + e.getMessage());
        assertTrue(sqlStateInChain(e, sqlState), sql + ": no Llm4esSparkException with " + sqlState + " in the causes");
    }

    private static boolean sqlStateInChain(Throwable t, String sqlState) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof Llm4esSparkException s && sqlState.equals(s.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
