package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.embed.OrtRuns;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.vector.Vectors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The SQL surface of DESIGN.md, run unchanged in every engine. */
class EngineContractTest {
    static final LocalDateTime T0 = LocalDateTime.of(2024, 3, 1, 9, 0);

    @TempDir
    static Path models;

    static String previousModelsDir;

    @BeforeAll
    static void tinyModels() throws Exception {
        TinyBundles.create(models);
        previousModelsDir = System.getProperty(ModelDirectory.DIR.property());
        System.setProperty(ModelDirectory.DIR.property(), models.toString());
    }

    @AfterAll
    static void restore() {
        if (previousModelsDir == null) {
            System.clearProperty(ModelDirectory.DIR.property());
        } else {
            System.setProperty(ModelDirectory.DIR.property(), previousModelsDir);
        }
    }

    static Transactions.Row row(int user, int hour, String mcc, String amount) {
        LocalDateTime ts = T0.plusHours(hour);
        return new Transactions.Row(user, ts, Transactions.event(ts, "D", mcc, amount));
    }

    /** user 1: six good events; user 2: a malformed event among good ones; user 3: only NULLs. */
    static List<Transactions.Row> mixed() {
        List<Transactions.Row> rows = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows.add(row(1, i * 7, Transactions.MCC[i], (10 + i) + ".50"));
        }
        rows.add(row(2, 1, "5411", "3.20"));
        rows.add(new Transactions.Row(2, T0.plusHours(2), "{\"date\":\"2024-03-01\",\"balance\":1}"));
        rows.add(new Transactions.Row(3, T0, null));
        rows.add(new Transactions.Row(3, null, Transactions.event(T0, "C", "6012", "100")));
        return rows;
    }

    static Map<Integer, float[]> byUser(Connection c, String sql) throws SQLException {
        Map<Integer, float[]> out = new LinkedHashMap<>();
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.put(rs.getInt(1), Engine.floats(rs, 2));
            }
        }
        return out;
    }

    /** Batch composition may move the last bits, never the direction (DESIGN.md: cosine >= 0.99999). */
    static void assertSameEmbedding(float[] expected, float[] actual) {
        assertNotNull(actual);
        assertEquals(expected.length, actual.length);
        double cos = Vectors.cosineSimilarity(expected, actual);
        assertTrue(cos >= 0.99999, "cosine " + cos);
    }

    static SQLException assertState(Connection c, String state, String sql) {
        SQLException e = assertThrows(
                SQLException.class,
                () -> {
                    try (Statement st = c.createStatement();
                            ResultSet rs = st.executeQuery(sql)) {
                        while (rs.next()) {
                            rs.getObject(1);
                        }
                    }
                },
                sql);
        assertEquals(state, e.getSQLState(), sql + " -> " + e.getMessage());
        return e;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void everyErrorCarriesItsSqlState(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            Transactions.create(c, mixed());
            String user1 = " FROM tx WHERE u = 1";
            assertTrue(assertState(c, "42704", "SELECT user_embedding(ev, ts, 'no-such-model')" + user1)
                    .getMessage()
                    .contains("no-such-model"));
            assertState(c, "22023", "SELECT user_embedding(ev, ts) FROM tx WHERE u = 2");
            assertState(c, "22023", "SELECT user_embedding('not json', ts)" + user1);
            assertState(c, "22023", "SELECT user_embedding(ev, ts, '../stories260k')" + user1);
            assertState(c, "22023", "SELECT cosine_similarity(ARRAY[1.0, 2.0], ARRAY[1.0, 2.0, 3.0])");
            assertTrue(assertState(c, "54000", "SELECT user_embedding(ev, ts, '" + TinyBundles.ERROR + "')" + user1)
                    .getMessage()
                    .contains("truncation=error"));
            SQLException ordered =
                    assertState(c, "0A000", "SELECT " + engine.orderedCall("user_embedding", "ev", "ts") + user1);
            assertTrue(ordered.getMessage().contains("user_embedding(event, order_key"), ordered.getMessage());
            SQLException natives =
                    assertState(c, "58000", "SELECT user_embedding(ev, ts, '" + TinyBundles.BROKEN + "')" + user1);
            assertTrue(natives.getMessage().contains("ONNX Runtime cannot load"), natives.getMessage());
            SQLException oom =
                    assertState(c, "53200", "SELECT user_embedding(ev, ts, '" + TinyBundles.OOM + "')" + user1);
            assertTrue(oom.getMessage().contains("out of memory embedding one user"), oom.getMessage());
            // the same truncation is not an error where the model drops old events
            assertNotNull(byUser(c, "SELECT 1, user_embedding(ev, ts, '" + TinyBundles.DROP + "')" + user1)
                    .get(1));
        }
    }

    /** Users of one event each: alone they fit the OOM model's memory, together they do not. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void aBatchOutOfMemoryIsRetriedInHalvesWithTheSameEmbeddings(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            List<Transactions.Row> rows = new ArrayList<>();
            for (int u = 1; u <= 8; u++) {
                rows.add(row(u, u, Transactions.MCC[u % Transactions.MCC.length], u + ".25"));
            }
            Transactions.create(c, rows);
            String sql = "SELECT u, user_embedding(ev, ts, '%s') FROM tx GROUP BY u ORDER BY u";
            Map<Integer, float[]> expected = byUser(c, String.format(sql, "stories260k"));
            List<OrtRuns.Run> runs = OrtRuns.record();
            Map<Integer, float[]> got;
            try {
                got = byUser(c, String.format(sql, TinyBundles.OOM));
            } finally {
                OrtRuns.stop();
            }
            assertEquals(expected.keySet(), got.keySet());
            for (Integer u : expected.keySet()) {
                assertSameEmbedding(expected.get(u), got.get(u));
            }
            if (engine == Engine.H2) {
                // H2 embeds on the caller's thread, so its runs are visible: a failed batch, then smaller ones
                assertTrue(runs.get(0).outOfMemory() && runs.get(0).rows() == 8, runs.toString());
                assertTrue(runs.stream().filter(r -> !r.outOfMemory()).allMatch(r -> r.rows() < 8), runs.toString());
                assertEquals(
                        8,
                        runs.stream()
                                .filter(r -> !r.outOfMemory())
                                .mapToInt(OrtRuns.Run::rows)
                                .sum());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void tryGivesNullOnlyForTheFailingGroup(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            Transactions.create(c, mixed());
            Map<Integer, float[]> tried =
                    byUser(c, "SELECT u, try_user_embedding(ev, ts) FROM tx GROUP BY u ORDER BY u");
            Map<Integer, float[]> strict = byUser(c, "SELECT u, user_embedding(ev, ts) FROM tx WHERE u = 1 GROUP BY u");
            assertEquals(List.of(1, 2, 3), new ArrayList<>(tried.keySet()));
            assertSameEmbedding(strict.get(1), tried.get(1));
            assertNull(tried.get(2), "malformed event");
            assertNull(tried.get(3), "empty group");
            assertNull(byUser(c, "SELECT 1, try_user_embedding(ev, ts, 'no-such-model') FROM tx WHERE u = 1")
                    .get(1));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void resultReportsStatusVersionAndCounts(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            Transactions.create(c, mixed());
            float[] strict = byUser(c, "SELECT 1, user_embedding(ev, ts) FROM tx WHERE u = 1")
                    .get(1);
            Map<Integer, Map<String, Object>> results = new LinkedHashMap<>();
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT u, user_embedding_result(ev, ts) FROM tx GROUP BY u ORDER BY u")) {
                while (rs.next()) {
                    results.put(rs.getInt(1), engine.resultFields(rs, 2));
                }
            }
            Map<String, Object> ok = results.get(1);
            assertEquals("ok", ok.get("status"));
            assertEquals("stories260k:1", ok.get("model_version"));
            assertEquals(6, ((Number) ok.get("events")).intValue());
            assertEquals(0, ((Number) ok.get("dropped_events")).intValue());
            assertTrue(((Number) ok.get("tokens")).intValue() > TinyBundles.MAX_TOKENS);
            assertSameEmbedding(strict, (float[]) ok.get("embedding"));

            Map<String, Object> error = results.get(2);
            assertEquals("error:22023", error.get("status"));
            assertNull(error.get("embedding"));
            assertTrue(String.valueOf(error.get("message")).contains("balance"), String.valueOf(error.get("message")));
            assertEquals(2, ((Number) error.get("events")).intValue(), "both of user 2's events, the bad one included");

            Map<String, Object> empty = results.get(3);
            assertEquals("empty", empty.get("status"));
            assertEquals(0, ((Number) empty.get("events")).intValue());
            assertNull(empty.get("embedding"));

            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT user_embedding_result(ev, ts, '" + TinyBundles.DROP + "') FROM tx WHERE u = 1")) {
                rs.next();
                Map<String, Object> cut = engine.resultFields(rs, 1);
                assertEquals("truncated", cut.get("status"));
                assertEquals(TinyBundles.DROP + ":1", cut.get("model_version"));
                int dropped = ((Number) cut.get("dropped_events")).intValue();
                assertTrue(dropped > 0 && dropped < 6, "dropped " + dropped);
                assertTrue(((Number) cut.get("tokens")).intValue() <= TinyBundles.MAX_TOKENS);
                assertEquals(64, ((float[]) cut.get("embedding")).length);
            }
        }
    }

    /** Users 1 and 5: six events each, over the tiny budget; user 4: one event, within it. */
    static List<Transactions.Row> twoLongOneShort() {
        List<Transactions.Row> rows = new ArrayList<>();
        for (Transactions.Row r : mixed().subList(0, 6)) {
            rows.add(r);
            rows.add(new Transactions.Row(5, r.ts(), r.event()));
        }
        rows.add(row(4, 1, "5411", "3.20"));
        return rows;
    }

    /** DESIGN.md: truncation is never silent — a status, and a JDBC warning (01004) naming model and counts. */
    @ParameterizedTest
    @EnumSource(Engine.class)
    void truncationIsAJdbcWarning(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            Transactions.create(c, twoLongOneShort());
            String model = TinyBundles.DROP;
            int dropped = 0;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT u, user_embedding_result(ev, ts, '" + model + "') FROM tx GROUP BY u")) {
                while (rs.next()) {
                    dropped += ((Number) engine.resultFields(rs, 2).get("dropped_events")).intValue();
                }
                assertTruncationWarning(st.getWarnings(), model, 2, dropped);
            }
            assertTrue(dropped > 0);
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT u, user_embedding(ev, ts, '" + model
                            + "'), user_embedding_result(ev, ts, '" + model + "') FROM tx GROUP BY u")) {
                while (rs.next()) {
                    rs.getObject(2);
                    rs.getObject(3);
                }
                // two aggregates over the same groups: each user counts once
                assertTruncationWarning(st.getWarnings(), model, 2, dropped);
            }
            for (String f : List.of("user_embedding", "try_user_embedding")) {
                try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery(
                                "SELECT u, " + f + "(ev, ts, '" + model + "') FROM tx GROUP BY u ORDER BY u")) {
                    while (rs.next()) {
                        assertNotNull(rs.getObject(2));
                    }
                    assertTruncationWarning(st.getWarnings(), model, 2, dropped);
                    assertTruncationWarning(rs.getWarnings(), model, 2, dropped);
                }
            }
            try (Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery(
                        "SELECT u, user_embedding(ev, ts, '" + model + "') FROM tx " + "WHERE u = 4 GROUP BY u")) {
                    assertTrue(rs.next());
                    assertNull(st.getWarnings(), "one event fits the budget: no warning");
                }
                try (ResultSet rs = st.executeQuery(
                        "SELECT u, user_embedding(ev, ts, '" + model + "') FROM tx " + "WHERE u = 5 GROUP BY u")) {
                    assertTrue(rs.next());
                    assertTruncationWarning(st.getWarnings(), model, 1, dropped / 2);
                }
                st.clearWarnings();
                assertNull(st.getWarnings());
                try (ResultSet rs = st.executeQuery("SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u")) {
                    while (rs.next()) {
                        rs.getObject(2);
                    }
                    assertNull(st.getWarnings(), "a new execution starts without the last one's warnings");
                }
            }
        }
    }

    static void assertTruncationWarning(java.sql.SQLWarning w, String model, int users, int dropped) {
        assertNotNull(w, "no truncation warning");
        assertEquals("01004", w.getSQLState());
        assertTrue(
                w.getMessage().contains("model " + model + ":1 truncated the histories of " + users + " user(s)"),
                w.getMessage());
        assertTrue(w.getMessage().contains("dropping " + dropped + " oldest event(s)"), w.getMessage());
        assertNull(w.getNextWarning(), "one model, one warning");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void nullEventsAndKeysAreSkippedAndAnEmptyGroupIsNull(Engine engine) throws SQLException {
        try (Connection c = engine.open()) {
            List<Transactions.Row> rows = new ArrayList<>(mixed().subList(0, 6));
            Transactions.create(c, rows);
            float[] clean = byUser(c, "SELECT 1, user_embedding(ev, ts) FROM tx WHERE u = 1")
                    .get(1);
            Transactions.insert(
                    c,
                    List.of(
                            new Transactions.Row(1, T0, null),
                            new Transactions.Row(1, null, Transactions.event(T0, "C", "4111", "1")),
                            new Transactions.Row(3, T0, null)));
            Map<Integer, float[]> got = byUser(c, "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u ORDER BY u");
            assertSameEmbedding(clean, got.get(1));
            assertTrue(got.containsKey(3));
            assertNull(got.get(3));
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void vectorHelpers(Engine engine) throws SQLException {
        try (Connection c = engine.open();
                Statement st = c.createStatement()) {
            Transactions.create(c, mixed());
            try (ResultSet rs = st.executeQuery("SELECT cosine_similarity(ARRAY[1.0, 0.0], ARRAY[1.0, 1.0]), "
                    + "to_pgvector_text(ARRAY[1.5, 2.0, -0.25]), vector_dims(ARRAY[1.0, 2.0, 3.0]), "
                    + "l2_normalize(ARRAY[3.0, 4.0]), cosine_similarity(ARRAY[0.0, 0.0], ARRAY[1.0, 1.0])")) {
                rs.next();
                assertEquals(1 / Math.sqrt(2), rs.getDouble(1), 1e-12);
                assertEquals("[1.5,2,-0.25]", rs.getString(2));
                assertEquals(3, rs.getInt(3));
                assertArrayEquals(new float[] {0.6f, 0.8f}, Engine.floats(rs, 4));
                assertNull(rs.getObject(5), "the angle to a zero vector is undefined");
            }
            try (ResultSet rs = st.executeQuery("SELECT vector_dims(e), cosine_similarity(e, l2_normalize(e)), "
                    + "to_pgvector_text(e), e FROM (SELECT user_embedding(ev, ts) AS e FROM tx WHERE u = 1) s")) {
                rs.next();
                assertEquals(64, rs.getInt(1));
                assertEquals(1.0, rs.getDouble(2), 1e-6);
                assertArrayEquals(Engine.floats(rs, 4), Vectors.parse(rs.getString(3)));
            }
        }
    }
}
