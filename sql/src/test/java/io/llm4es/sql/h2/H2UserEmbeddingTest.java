package io.llm4es.sql.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.aggregate.BatchSizes;
import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.ModelCache;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.testing.TestBundles;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2UserEmbeddingTest {
    static final String EVENT = "JSON_OBJECT('date': d, 'type': typ, 'mcc': mcc, 'amount': amount)";
    static int database;
    Connection conn;

    @BeforeEach
    void open() throws SQLException {
        conn = DriverManager.getConnection("jdbc:h2:mem:t" + (database++));
        Llm4esH2.register(conn);
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
        }
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    /** rows: u, day of 2024, type, mcc, amount */
    void insert(List<Object[]> rows) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("INSERT INTO tx VALUES (?, ?, ?, ?, ?)")) {
            for (Object[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    ps.setObject(i + 1, r[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static List<Object[]> users(int n, int maxEvents, long seed) {
        Random rnd = new Random(seed);
        int[] mcc = {5411, 5812, 5541, 6011, 4900, 7832};
        List<Object[]> rows = new ArrayList<>();
        for (int u = 1; u <= n; u++) {
            int events = 1 + rnd.nextInt(maxEvents);
            for (int e = 0; e < events; e++) {
                rows.add(new Object[] {
                    u,
                    java.sql.Date.valueOf(java.time.LocalDate.of(2024, 1, 1).plusDays(rnd.nextInt(300))),
                    rnd.nextInt(4) == 0 ? "C" : "D",
                    mcc[rnd.nextInt(mcc.length)],
                    new java.math.BigDecimal(rnd.nextInt(100000)).movePointLeft(2)
                });
            }
        }
        return rows;
    }

    Map<Integer, float[]> embeddings(String sql) throws SQLException {
        Map<Integer, float[]> out = new LinkedHashMap<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                Array a = rs.getArray(2);
                out.put(rs.getInt(1), a == null ? null : floats((Object[]) a.getArray()));
            }
        }
        return out;
    }

    static float[] floats(Object[] boxed) {
        float[] v = new float[boxed.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) boxed[i]).floatValue();
        }
        return v;
    }

    String scalar(String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void embeddingIsTheModelsEmbeddingOfTheSerializedText() throws SQLException {
        insert(List.of(
                new Object[] {1, java.sql.Date.valueOf("2024-01-02"), "D", 5411, new java.math.BigDecimal("12.50")},
                new Object[] {1, java.sql.Date.valueOf("2024-01-01"), "C", 6012, new java.math.BigDecimal("1000")}));
        String text = scalar("SELECT serialize_events(" + EVENT + ", d) FROM tx");
        assertEquals("""
                date|type|merchant category|amount
                2024-01-01, credit, Salary and Transfers In, 1000.00
                2024-01-02, debit, Grocery Stores, Supermarkets, 12.50""", text);
        float[] sql = embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u")
                .get(1);
        EmbeddingModel model = ModelCache.byName("stories260k");
        float[] direct = model.embedTexts(List.of(text))[0];
        assertEquals(64, sql.length);
        assertTrue(cosine(sql, direct) >= 0.99999, "cosine " + cosine(sql, direct));
    }

    @Test
    void rowOrderDoesNotMatterAndTiesAreBrokenByEventText() throws SQLException {
        List<Object[]> rows = users(30, 12, 1);
        rows.add(new Object[] {1, java.sql.Date.valueOf("2024-02-02"), "D", 5411, new java.math.BigDecimal("1.00")});
        rows.add(new Object[] {1, java.sql.Date.valueOf("2024-02-02"), "C", 5411, new java.math.BigDecimal("2.00")});
        insert(rows);
        String q = "SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u ORDER BY u";
        Map<Integer, float[]> first = embeddings(q);
        String text = scalar("SELECT serialize_events(" + EVENT + ", d) FROM tx WHERE u = 1");
        try (Statement st = conn.createStatement()) {
            st.execute("DELETE FROM tx");
        }
        Collections.shuffle(rows, new Random(99));
        insert(rows);
        Map<Integer, float[]> again = embeddings(q);
        assertEquals(text, scalar("SELECT serialize_events(" + EVENT + ", d) FROM tx WHERE u = 1"));
        for (int u : first.keySet()) {
            assertArrayEquals(first.get(u), again.get(u), "user " + u);
        }
    }

    @Test
    void batchedAcrossGroupsEqualsOneGroupAtATime() throws SQLException {
        insert(users(120, 40, 2));
        Map<Integer, float[]> all = embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u");
        assertEquals(120, all.size());
        for (int u : new int[] {1, 7, 60, 119}) {
            float[] alone = embeddings(
                            "SELECT u, user_embedding(" + EVENT + ", d) FROM tx WHERE u = " + u + " GROUP BY u")
                    .get(u);
            assertTrue(cosine(alone, all.get(u)) >= 0.99999, "user " + u);
        }
    }

    @Test
    void nullEventsAndKeysAreSkippedAndAnEmptyGroupIsNull() throws SQLException {
        insert(List.of(
                new Object[] {1, java.sql.Date.valueOf("2024-01-02"), "D", 5411, new java.math.BigDecimal("1")},
                new Object[] {1, null, "D", 5812, new java.math.BigDecimal("2")},
                new Object[] {2, null, "C", 5411, new java.math.BigDecimal("3")}));
        Map<Integer, float[]> e =
                embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u ORDER BY u");
        assertNull(e.get(2));
        assertEquals(
                1,
                scalar("SELECT serialize_events(" + EVENT + ", d) FROM tx WHERE u = 1")
                                .split("\n")
                                .length
                        - 1);
        assertNull(scalar("SELECT serialize_events(CAST(NULL AS JSON), d) FROM tx"));
        assertNull(scalar("SELECT CAST(user_embedding(" + EVENT + ", d) AS VARCHAR) FROM tx WHERE u = 99"));
    }

    @Test
    void errorsCarryTheirSqlState() throws SQLException {
        insert(users(3, 3, 3));
        assertState("42704", "SELECT user_embedding(" + EVENT + ", d, 'no-such-model') FROM tx");
        assertState("22023", "SELECT user_embedding(" + EVENT + ", d, '../../etc') FROM tx");
        assertState("22023", "SELECT user_embedding('not json', d) FROM tx");
        assertState("22023", "SELECT user_embedding(JSON_OBJECT('date': d, 'balance': 1), d) FROM tx");
        assertState("22023", "SELECT user_embedding(JSON_OBJECT('amount': 'ten'), d) FROM tx");
        assertState("22023", "SELECT user_embedding(" + EVENT + ", d, CASE WHEN u = 1 THEN 'stories260k' END) FROM tx");
        assertState("0A000", "SELECT user_embedding(" + EVENT + ") FROM tx");
    }

    @Test
    void modelsAreFoundByNameInTheConfiguredDirectory(@TempDir Path models) throws SQLException {
        TestBundles.copy(ModelBundle.open(new ModelDirectory(models).find("stories260k")), models.resolve("txn-llm"));
        String previous = System.setProperty(ModelDirectory.DIR.property(), models.toString());
        try {
            insert(users(2, 5, 4));
            Map<Integer, float[]> named =
                    embeddings("SELECT u, user_embedding(" + EVENT + ", d, 'txn-llm') FROM tx GROUP BY u");
            Map<Integer, float[]> bundled = embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u");
            assertArrayEquals(bundled.get(1), named.get(1));
        } finally {
            if (previous == null) {
                System.clearProperty(ModelDirectory.DIR.property());
            } else {
                System.setProperty(ModelDirectory.DIR.property(), previous);
            }
        }
    }

    @Test
    void embeddingsLandInARealArrayColumn() throws SQLException {
        insert(users(5, 6, 5));
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE emb(u INT PRIMARY KEY, e REAL ARRAY)");
            st.execute("INSERT INTO emb SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u");
            // the portable spelling for clients that read result metadata (see README: H2 notes)
            try (ResultSet rs =
                    st.executeQuery("SELECT CAST(user_embedding(" + EVENT + ", d) AS REAL ARRAY) FROM tx")) {
                assertEquals("REAL ARRAY", rs.getMetaData().getColumnTypeName(1));
            }
        }
        assertEquals("5", scalar("SELECT COUNT(*) FROM emb WHERE CARDINALITY(e) = 64"));
    }

    /**
     * H2 gives a user aggregate a bare ARRAY type (no element type) and no API to name one: two
     * results do not compare, and a large result spilled to H2's temporary store cannot be read
     * back. The README's spelling with CAST ... AS REAL ARRAY does both, here past
     * MAX_MEMORY_ROWS in a database on disk (H2 spills nothing in memory). A result this small
     * stays in the temporary store's memory pages; reading pages back from its file, where the
     * bare type fails, takes tens of thousands of rows, too many to embed in a unit test.
     */
    @Test
    void aSpilledResultReadsBackWithTheCastToRealArray(@TempDir Path dir) throws SQLException {
        // H2 spills a large result only in a database on disk
        conn.close();
        conn = DriverManager.getConnection("jdbc:h2:" + dir.resolve("spill"));
        Llm4esH2.register(conn);
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
            st.execute("SET MAX_MEMORY_ROWS 100");
        }
        insert(users(1500, 2, 8));
        String cast = "SELECT u, CAST(%s(" + EVENT + ", d) AS REAL ARRAY) FROM tx GROUP BY u";
        Map<Integer, float[]> strict = embeddings(String.format(cast, "user_embedding"));
        Map<Integer, float[]> tried = embeddings(String.format(cast, "try_user_embedding"));
        assertEquals(1500, strict.size());
        assertEquals(1500, tried.size());
        for (int u = 1; u <= 1500; u++) {
            assertEquals(64, strict.get(u).length, "user " + u);
            assertArrayEquals(strict.get(u), tried.get(u), "user " + u);
        }
        int results = 0;
        try (Statement st = conn.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT u, user_embedding_result(" + EVENT + ", d) FROM tx GROUP BY u")) {
            while (rs.next()) {
                assertTrue(rs.getString(2).contains("\"status\":\"ok\""), rs.getString(2));
                results++;
            }
        }
        assertEquals(1500, results);
        assertThrows(
                SQLException.class,
                () -> scalar("SELECT user_embedding(" + EVENT + ", d) = user_embedding(" + EVENT
                        + ", d) FROM tx WHERE u = 1"),
                "H2 compares bare ARRAYs: the CAST can go");
        assertEquals(
                "TRUE",
                scalar("SELECT CAST(user_embedding(" + EVENT + ", d) AS REAL ARRAY) = " + "CAST(user_embedding(" + EVENT
                        + ", d) AS REAL ARRAY) FROM tx WHERE u = 1"));
    }

    /** H2 prepares a query over CSVREAD again when it runs, while the statement is already current. */
    @Test
    void anEmbeddingOverCsvReadIsTypedWhenTheQueryIsPreparedAgain(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("events.csv");
        java.nio.file.Files.writeString(
                csv,
                "u,d,typ,mcc,amount\n1,2024-01-02,D,5411,12.50\n1,2024-01-03,C,5812,3.10\n2,2024-02-01,D,6011,40.00\n");
        String source = "CSVREAD('" + csv + "', NULL, 'charset=UTF-8')";
        try (Statement st = conn.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT u, user_embedding(JSON_OBJECT('date': d, 'type': typ, 'mcc': mcc, "
                                + "'amount': CAST(amount AS DOUBLE)), d) AS e FROM " + source
                                + " GROUP BY u ORDER BY u")) {
            assertEquals("REAL ARRAY", rs.getMetaData().getColumnTypeName(2));
            int rows = 0;
            while (rs.next()) {
                assertEquals(64, ((Object[]) rs.getArray(2).getArray()).length);
                rows++;
            }
            assertEquals(2, rows);
        }
    }

    /**
     * The query as written, no CAST, past MAX_MEMORY_ROWS in a database on disk: H2 spills the
     * result to its temporary store and reads it back from the file, which needs the element type
     * H2 does not give a user aggregate ({@link H2ArrayResults}). Rows reach the file once the
     * store's unsaved pages pass a few megabytes, so each row carries a 16 KB filler column: a
     * thousand users are enough, where embeddings alone would take tens of thousands.
     */
    @Test
    void aSpilledResultReadsBackAsWrittenFromTheTemporaryFile(@TempDir Path dir) throws SQLException {
        conn.close();
        conn = DriverManager.getConnection("jdbc:h2:" + dir.resolve("spill"));
        Llm4esH2.register(conn);
        int users = 1000;
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
            st.execute("SET MAX_MEMORY_ROWS 50");
        }
        insert(users(users, 3, 9));
        String query = "SELECT u, %s(" + EVENT + ", d) AS e, REPEAT('x', 16384) AS filler FROM tx GROUP BY u";
        Map<String, Map<Integer, String>> read = new LinkedHashMap<>();
        Map<String, String> queries = new LinkedHashMap<>();
        for (String function : List.of("user_embedding", "try_user_embedding", "user_embedding_result")) {
            queries.put(function, String.format(query, function));
        }
        // a sorted result spills to another kind of temporary store
        queries.put("ordered", String.format(query, "user_embedding") + " ORDER BY u DESC");
        for (Map.Entry<String, String> q : queries.entrySet()) {
            String function = q.getKey();
            Map<Integer, String> rows = new LinkedHashMap<>();
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery(q.getValue())) {
                if (!function.equals("user_embedding_result")) {
                    assertEquals("REAL ARRAY", rs.getMetaData().getColumnTypeName(2), function);
                }
                while (rs.next()) {
                    Object e = rs.getObject(2);
                    String text =
                            e instanceof Array a ? java.util.Arrays.toString((Object[]) a.getArray()) : rs.getString(2);
                    assertEquals(16384, rs.getString(3).length());
                    assertNull(rows.put(rs.getInt(1), text), "user " + rs.getInt(1) + " twice");
                }
            }
            assertEquals(users, rows.size(), function);
            read.put(function, rows);
        }
        for (int u = 1; u <= users; u++) {
            String strict = read.get("user_embedding").get(u);
            assertEquals(strict, read.get("try_user_embedding").get(u), "user " + u);
            assertEquals(strict, read.get("ordered").get(u), "user " + u);
            assertTrue(read.get("user_embedding_result").get(u).contains("\"status\":\"ok\""), "user " + u);
        }
        assertEquals(64, read.get("user_embedding").get(1).split(",").length);
    }

    /**
     * With an index on the group key H2 groups in key order and asks for each group's result
     * before it reads the next group's rows (Select.LazyResultGroupSorted), so every user is
     * embedded alone; grouping over a derived table is hashed and batches across users.
     */
    @Test
    void aSortedGroupByEmbedsOneUserAtATimeAndADerivedTableBatches() throws SQLException {
        insert(users(60, 8, 6));
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE INDEX tx_u ON tx(u)");
        }
        List<Integer> sorted = BatchSizes.record();
        Map<Integer, float[]> bySortedGroups;
        try {
            bySortedGroups = embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM tx GROUP BY u");
        } finally {
            BatchSizes.stop();
        }
        assertEquals(Collections.nCopies(60, 1), sorted);
        List<Integer> hashed = BatchSizes.record();
        Map<Integer, float[]> byHashedGroups;
        try {
            byHashedGroups =
                    embeddings("SELECT u, user_embedding(" + EVENT + ", d) FROM (SELECT * FROM tx) t GROUP BY u");
        } finally {
            BatchSizes.stop();
        }
        assertEquals(List.of(60), hashed);
        for (int u : bySortedGroups.keySet()) {
            assertTrue(cosine(bySortedGroups.get(u), byHashedGroups.get(u)) >= 0.99999, "user " + u);
        }
    }

    void assertState(String state, String sql) {
        SQLException e = assertThrows(SQLException.class, () -> scalar(sql), sql);
        assertEquals(state, e.getSQLState(), sql + " -> " + e.getMessage());
        assertTrue(e.getMessage().contains("llm4es"), e.getMessage());
    }

    static double cosine(float[] a, float[] b) {
        return io.llm4es.udf.vector.Vectors.cosineSimilarity(a, b);
    }
}
