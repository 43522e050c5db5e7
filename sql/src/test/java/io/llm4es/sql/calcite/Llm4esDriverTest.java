package io.llm4es.sql.calcite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.Engine;
import io.llm4es.sql.TinyBundles;
import io.llm4es.sql.Transactions;
import io.llm4es.udf.aggregate.BatchSizes;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.vector.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The jdbc:llm4es: driver through plain DriverManager, the way DBeaver uses it. */
class Llm4esDriverTest {
    static final int USERS = 40;

    @TempDir
    static Path dir;

    static String url;
    static Connection conn;
    /** user → embedding computed by the H2 binding over the same rows */
    static Map<Integer, float[]> expected;

    static Map<Integer, String> expectedText;

    @BeforeAll
    static void sources() throws Exception {
        List<Transactions.Row> rows = new ArrayList<>(Transactions.random(USERS, 12, 11));
        // a tie of the key, listed so that the event JSON sorts opposite to the rendered text
        LocalDateTime tie = LocalDateTime.of(2024, 6, 1, 12, 0);
        rows.add(new Transactions.Row(1, tie, Transactions.event(tie, "D", "5411", "7.50")));
        rows.add(new Transactions.Row(1, tie, Transactions.event(tie, "D", "5812", "7.50")));
        url = CalciteSources.create(dir, rows);
        conn = DriverManager.getConnection(url);
        try (Connection h2 = Engine.H2.open()) {
            Transactions.create(h2, rows);
            expected = embeddings(h2, "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u");
            expectedText = new LinkedHashMap<>();
            try (Statement st = h2.createStatement();
                    ResultSet rs = st.executeQuery("SELECT u, serialize_events(ev, ts) FROM tx GROUP BY u")) {
                while (rs.next()) {
                    expectedText.put(rs.getInt(1), rs.getString(2));
                }
            }
        }
    }

    @AfterAll
    static void close() throws SQLException {
        conn.close();
    }

    static Map<Integer, float[]> embeddings(Connection c, String sql) throws SQLException {
        Map<Integer, float[]> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getInt(1), Engine.floats(rs, 2));
            }
        }
        return out;
    }

    static void assertSameAsH2(Map<Integer, float[]> got) {
        assertEquals(expected.keySet(), got.keySet());
        for (int u : expected.keySet()) {
            double cos = Vectors.cosineSimilarity(expected.get(u), got.get(u));
            assertTrue(cos >= 0.99999, "user " + u + ": cosine " + cos);
        }
    }

    @Test
    void theDriverIsFoundByUrlAndNamesItself() throws SQLException {
        assertTrue(DriverManager.getDriver(url) instanceof Llm4esDriver);
        assertTrue(conn.getMetaData().getDriverName().startsWith("llm4es"));
        try (Connection c = DriverManager.getConnection(url + ";schema=bank");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COUNT(DISTINCT u) FROM tx")) {
            rs.next();
            assertEquals(USERS, rs.getInt(1), "schema=bank makes it the default schema");
        }
    }

    @Test
    void metadataListsTheTablesAndColumnsOfEverySource() throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        List<String> schemas = new ArrayList<>();
        try (ResultSet rs = md.getSchemas()) {
            while (rs.next()) {
                schemas.add(rs.getString("TABLE_SCHEM"));
            }
        }
        assertTrue(schemas.containsAll(List.of("bank", "files", "shop")), schemas.toString());
        assertEquals(List.of("TX"), names(md.getTables(null, "bank", "%", null), "TABLE_NAME"));
        assertEquals(List.of("cards", "tx"), names(md.getTables(null, "files", "%", null), "TABLE_NAME"));
        assertEquals(List.of("tx"), names(md.getTables(null, "shop", "%", null), "TABLE_NAME"));
        assertEquals(List.of("U", "TS", "EV"), names(md.getColumns(null, "bank", "TX", "%"), "COLUMN_NAME"));
        assertEquals(List.of("u", "ts", "ev"), names(md.getColumns(null, "files", "tx", "%"), "COLUMN_NAME"));
        try (ResultSet rs = md.getColumns(null, "files", "tx", "ts")) {
            rs.next();
            assertEquals(Types.TIMESTAMP, rs.getInt("DATA_TYPE"), "DuckDB detects the CSV column's type");
        }
    }

    static List<String> names(ResultSet rs, String column) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                out.add(rs.getString(column));
            }
        }
        return out;
    }

    @Test
    void groupByOverAnH2SourceMatchesTheH2BindingInBatchesOfManyUsers() throws SQLException {
        List<Integer> batches = BatchSizes.record();
        try {
            assertSameAsH2(embeddings(conn, "SELECT u, user_embedding(ev, ts) FROM bank.tx GROUP BY u ORDER BY u"));
        } finally {
            BatchSizes.stop();
        }
        assertEquals(USERS, batches.stream().mapToInt(Integer::intValue).sum(), batches.toString());
        assertEquals(1, batches.size(), "one batch for all the query's groups: " + batches);
    }

    @Test
    void groupByOverACsvDirectoryAndADuckDbFileMatchesTheH2Binding() throws SQLException {
        assertSameAsH2(embeddings(conn, "SELECT u, user_embedding(ev, ts) FROM files.tx GROUP BY u"));
        assertSameAsH2(embeddings(conn, "SELECT u, user_embedding(ev, ts) FROM shop.tx GROUP BY u"));
    }

    @Test
    void orderedFormWithinGroupMatchesThePortableForm() throws SQLException {
        // ties of ts are broken by the rendered text in both forms, whatever the later keys say
        assertSameAsH2(embeddings(
                conn, "SELECT u, user_embedding(ev) WITHIN GROUP (ORDER BY ts, ev) FROM bank.tx GROUP BY u"));
        assertSameAsH2(
                embeddings(conn, "SELECT u, user_embedding(ev) WITHIN GROUP (ORDER BY ts) FROM files.tx GROUP BY u"));
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT serialize_events(ev) WITHIN GROUP (ORDER BY ts, ev) FROM bank.tx WHERE u = 1")) {
            rs.next();
            assertEquals(expectedText.get(1), rs.getString(1));
            assertTrue(rs.getString(1).indexOf("Eating") < rs.getString(1).indexOf("Grocery"), rs.getString(1));
        }
    }

    @Test
    void eventsBuiltWithJsonObjectGiveTheH2TextAndEmbeddings() throws SQLException {
        String event = "JSON_OBJECT('date' VALUE CAST(CAST(ts AS DATE) AS VARCHAR), 'type' VALUE typ, "
                + "'mcc' VALUE mcc, 'amount' VALUE amount)";
        Map<Integer, String> texts = new LinkedHashMap<>();
        try (Statement st = conn.createStatement();
                ResultSet rs =
                        st.executeQuery("SELECT u, serialize_events(" + event + ", ts) FROM files.cards GROUP BY u")) {
            while (rs.next()) {
                texts.put(rs.getInt(1), rs.getString(2));
            }
        }
        assertEquals(expectedText, texts);
        assertSameAsH2(embeddings(conn, "SELECT u, user_embedding(" + event + ", ts) FROM files.cards GROUP BY u"));
    }

    /**
     * The README's headline query, {@code JSON_OBJECT('date': ts, ...)}, on the column types a
     * source really has: an H2 DATE column, a TIMESTAMP from a CSV file, a DATE cast in SQL.
     * Calcite holds those as numbers; the event must carry ISO text, as in H2.
     */
    @Test
    void jsonObjectOfDateAndTimestampColumnsGivesTheH2Text() throws SQLException {
        String h2 = "jdbc:h2:" + dir.resolve("dated");
        try (Connection c = DriverManager.getConnection(h2);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE cards(u INT, d DATE, ts TIMESTAMP, typ VARCHAR(1), mcc VARCHAR(4), "
                    + "amount DECIMAL(12, 2)) AS SELECT CAST(u AS INT), CAST(CAST(ts AS TIMESTAMP) AS DATE), "
                    + "CAST(ts AS TIMESTAMP), typ, mcc, CAST(amount AS DECIMAL(12, 2)) FROM CSVREAD('"
                    + dir.resolve("files").resolve("cards.csv") + "')");
        }
        String fields = "'type': typ, 'mcc': mcc, 'amount': amount)";
        try (Connection c = DriverManager.getConnection(url + ";schema.dated='" + h2 + ";IFEXISTS=TRUE'")) {
            assertEquals(
                    expectedText,
                    texts(
                            c,
                            "SELECT u, serialize_events(JSON_OBJECT('date': d, " + fields
                                    + ", ts) FROM dated.cards GROUP BY u"),
                    "H2 DATE column");
            assertEquals(
                    expectedText,
                    texts(
                            c,
                            "SELECT u, serialize_events(JSON_OBJECT('date': ts, " + fields
                                    + ", ts) FROM dated.cards GROUP BY u"),
                    "H2 TIMESTAMP column");
            assertSameAsH2(embeddings(
                    c,
                    "SELECT u, user_embedding(JSON_OBJECT('date': d, " + fields + ", ts) FROM dated.cards GROUP BY u"));
        }
        assertEquals(
                expectedText,
                texts(
                        conn,
                        "SELECT u, serialize_events(JSON_OBJECT('date': ts, " + fields
                                + ", ts) FROM files.cards GROUP BY u"),
                "CSV TIMESTAMP column");
        assertEquals(
                expectedText,
                texts(
                        conn,
                        "SELECT u, serialize_events(JSON_OBJECT('date': CAST(ts AS DATE), " + fields
                                + ", ts) FROM files.cards GROUP BY u"),
                "DATE cast in SQL");
    }

    static Map<Integer, String> texts(Connection c, String sql) throws SQLException {
        Map<Integer, String> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getInt(1), rs.getString(2));
            }
        }
        return out;
    }

    @Test
    void embeddingsAreRealArraysAndTheVectorHelpersWork() throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT e, vector_dims(e), cosine_similarity(e, l2_normalize(e)), to_pgvector_text(e) "
                                + "FROM (SELECT user_embedding(ev, ts) AS e FROM bank.tx WHERE u = 1)")) {
            assertEquals(Types.ARRAY, rs.getMetaData().getColumnType(1));
            assertEquals("REAL ARRAY", rs.getMetaData().getColumnTypeName(1));
            rs.next();
            assertEquals(Types.REAL, rs.getArray(1).getBaseType());
            float[] e = Engine.floats(rs, 1);
            assertEquals(64, rs.getInt(2));
            assertEquals(1.0, rs.getDouble(3), 1e-6);
            assertArrayEquals(e, Vectors.parse(rs.getString(4)));
        }
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT cosine_similarity(ARRAY[1.0, 0.0], ARRAY[1.0, 1.0]), to_pgvector_text(ARRAY[1.5, 2.0, -0.25]), "
                                + "l2_normalize(ARRAY[3.0, 4.0]), cosine_similarity(ARRAY[0.0, 0.0], ARRAY[1.0, 1.0])")) {
            rs.next();
            assertEquals(1 / Math.sqrt(2), rs.getDouble(1), 1e-12);
            assertEquals("[1.5,2,-0.25]", rs.getString(2));
            assertArrayEquals(new float[] {0.6f, 0.8f}, Engine.floats(rs, 3));
            assertNull(rs.getObject(4));
        }
    }

    @Test
    void variantsReportFailuresAsNullOrStatus() throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT try_user_embedding(ev, ts), try_user_embedding('not json', ts), "
                        + "JSON_VALUE(user_embedding_result(ev, ts), '$.status'), "
                        + "JSON_VALUE(user_embedding_result(ev, ts, 'no-such-model'), '$.status'), "
                        + "JSON_VALUE(user_embedding_result(ev, ts), '$.model_version'), "
                        + "JSON_VALUE(user_embedding_result(CAST(NULL AS VARCHAR), ts), '$.status') "
                        + "FROM bank.tx WHERE u = 1")) {
            rs.next();
            assertNotNull(rs.getArray(1));
            assertNull(rs.getObject(2));
            assertEquals("ok", rs.getString(3));
            assertEquals("error:42704", rs.getString(4));
            assertEquals("stories260k:1", rs.getString(5));
            assertEquals("empty", rs.getString(6));
        }
    }

    @Test
    void errorsCarryTheirSqlStateToTheJdbcClient() {
        assertState("42704", "SELECT user_embedding(ev, ts, 'no-such-model') FROM bank.tx");
        assertState("22023", "SELECT user_embedding('not json', ts) FROM bank.tx");
        assertState("22023", "SELECT user_embedding(ev, ts, '../stories260k') FROM files.tx");
        assertState("22023", "SELECT cosine_similarity(ARRAY[1.0, 2.0], ARRAY[1.0, 2.0, 3.0])");
        assertState("0A000", "SELECT user_embedding(ev) FROM bank.tx");
        assertState("0A000", "SELECT user_embedding(ev, ts) WITHIN GROUP (ORDER BY ts) FROM bank.tx");
    }

    @Test
    void budgetNativeAndMemoryFailuresAre54000_58000_53200(@TempDir Path models) throws Exception {
        TinyBundles.create(models);
        String previous = System.setProperty(ModelDirectory.DIR.property(), models.toString());
        try {
            assertState("54000", "SELECT user_embedding(ev, ts, '" + TinyBundles.ERROR + "') FROM bank.tx GROUP BY u");
            assertState("58000", "SELECT user_embedding(ev, ts, '" + TinyBundles.BROKEN + "') FROM shop.tx GROUP BY u");
            // every user's 12 events are over the OOM model's memory even alone
            assertState("53200", "SELECT user_embedding(ev, ts, '" + TinyBundles.OOM + "') FROM files.tx GROUP BY u");
        } finally {
            if (previous == null) {
                System.clearProperty(ModelDirectory.DIR.property());
            } else {
                System.setProperty(ModelDirectory.DIR.property(), previous);
            }
        }
    }

    void assertState(String state, String sql) {
        SQLException e = assertThrows(
                SQLException.class,
                () -> {
                    try (Statement st = conn.createStatement();
                            ResultSet rs = st.executeQuery(sql)) {
                        while (rs.next()) {
                            rs.getObject(1);
                        }
                    }
                },
                sql);
        assertEquals(state, e.getSQLState(), sql + " -> " + e.getMessage());
        assertTrue(e.getMessage().startsWith("llm4es: "), e.getMessage());
    }
}
