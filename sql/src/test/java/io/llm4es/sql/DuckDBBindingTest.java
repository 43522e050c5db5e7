package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.duckdb.Llm4esDuckDB;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What only DuckDB has: the list form, STRUCT results, and SQLSTATEs carried in the message. */
class DuckDBBindingTest {
    static final String KEYED = "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u ORDER BY u";

    @Test
    void orderedListFormEqualsTheKeyedForm() throws SQLException {
        try (Connection c = Engine.DUCKDB.open()) {
            Transactions.create(c, Transactions.random(30, 10, 11));
            Map<Integer, float[]> keyed = EngineContractTest.byUser(c, KEYED);
            Map<Integer, float[]> listed = EngineContractTest.byUser(
                    c, "SELECT u, user_embedding(list(ev ORDER BY ts, ev)) FROM tx GROUP BY u ORDER BY u");
            Map<Integer, float[]> withModel = EngineContractTest.byUser(
                    c,
                    "SELECT u, user_embedding_list(list(ev ORDER BY ts, ev), 'stories260k') FROM tx GROUP BY u ORDER BY u");
            assertEquals(30, keyed.size());
            for (Integer u : keyed.keySet()) {
                EngineContractTest.assertSameEmbedding(keyed.get(u), listed.get(u));
                EngineContractTest.assertSameEmbedding(keyed.get(u), withModel.get(u));
            }
            // the list form takes the order it is given: reversing the history changes the embedding
            float[] reversed = EngineContractTest.byUser(
                            c, "SELECT u, user_embedding(list(ev ORDER BY ts DESC)) FROM tx WHERE u = 1 GROUP BY u")
                    .get(1);
            assertTrue(io.llm4es.udf.vector.Vectors.cosineSimilarity(keyed.get(1), reversed) < 0.99999);
        }
    }

    static final String PAIRED = "list(ev ORDER BY ts), list(ts ORDER BY ts)";

    /**
     * User 1: 60 events over the 512-token budget, two per instant, each pair inserted opposite to
     * its rendered order; both users have a row without ts and one without event.
     */
    static List<Transactions.Row> tiesAndNulls() {
        List<Transactions.Row> rows = new ArrayList<>();
        LocalDateTime t = LocalDateTime.of(2024, 3, 1, 9, 0);
        for (int i = 0; i < 30; i++) {
            LocalDateTime ts = t.plusHours(i * 7);
            rows.add(new Transactions.Row(1, ts, Transactions.event(ts, "D", Transactions.MCC[i % 6], i + ".25")));
            rows.add(new Transactions.Row(1, ts, Transactions.event(ts, "C", "6011", "100")));
        }
        rows.add(new Transactions.Row(2, t, Transactions.event(t, "D", "5812", "3.10")));
        rows.add(new Transactions.Row(2, t, Transactions.event(t, "C", "4900", "8")));
        for (int u = 1; u <= 2; u++) {
            rows.add(new Transactions.Row(u, null, Transactions.event(t.plusYears(1), "D", "7832", "1")));
            rows.add(new Transactions.Row(u, t.minusDays(1), null));
        }
        return rows;
    }

    static Map<String, Object> result(Connection c, String call, int user) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + call + " FROM tx WHERE u = " + user)) {
            rs.next();
            return Engine.DUCKDB.resultFields(rs, 1);
        }
    }

    /** The statement's warnings as text, after reading every row. */
    static String warnings(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rs.getObject(2);
            }
            assertNotNull(st.getWarnings(), sql);
            StringBuilder out = new StringBuilder();
            for (java.sql.SQLWarning w = st.getWarnings(); w != null; w = w.getNextWarning()) {
                out.append(w.getSQLState()).append(' ').append(w.getMessage()).append('\n');
            }
            return out.toString();
        }
    }

    @Test
    void keyedListFormIsThePortableFormBitForBitWithTiesNullKeysAndTruncation() throws SQLException {
        try (Connection c = Engine.DUCKDB.open()) {
            Transactions.create(c, tiesAndNulls());
            for (int u = 1; u <= 2; u++) {
                // one user per statement: the same batch in both forms, so the same bits
                Map<Integer, float[]> portable = EngineContractTest.byUser(
                        c, "SELECT u, user_embedding(ev, ts) FROM tx WHERE u = " + u + " GROUP BY u");
                for (String call : List.of(
                        "user_embedding_list(" + PAIRED + ")",
                        "user_embedding_list(" + PAIRED + ", 'stories260k')",
                        "try_user_embedding_list(" + PAIRED + ")")) {
                    Map<Integer, float[]> listed = EngineContractTest.byUser(
                            c, "SELECT u, " + call + " FROM tx WHERE u = " + u + " GROUP BY u");
                    assertArrayEquals(portable.get(u), listed.get(u), call + ", user " + u);
                }
                Map<String, Object> keyed = result(c, "user_embedding_result(ev, ts)", u);
                Map<String, Object> paired = result(c, "user_embedding_result_list(" + PAIRED + ")", u);
                assertArrayEquals((float[]) keyed.remove("embedding"), (float[]) paired.remove("embedding"));
                assertEquals(keyed, paired, "user " + u);
                try (Statement st = c.createStatement();
                        ResultSet a = st.executeQuery("SELECT serialize_events(ev, ts) FROM tx WHERE u = " + u)) {
                    a.next();
                    String text = a.getString(1);
                    try (Statement st2 = c.createStatement();
                            ResultSet b = st2.executeQuery(
                                    "SELECT serialize_events_list(" + PAIRED + ") FROM tx WHERE u = " + u)) {
                        b.next();
                        assertEquals(text, b.getString(1));
                    }
                }
            }
            Map<String, Object> long1 = result(c, "user_embedding_result(ev, ts)", 1);
            assertEquals("truncated", long1.get("status"));
            assertEquals(60, long1.get("events"), "the rows without ts or event are not events");
            assertTrue((Integer) long1.get("dropped_events") > 0, long1.toString());
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT bool_and(same), count(*) FROM (SELECT u, user_embedding(ev, ts) "
                                    + "= user_embedding_list(" + PAIRED + ") AS same FROM tx GROUP BY u)")) {
                rs.next();
                assertTrue(rs.getBoolean(1), "both forms in one statement, every user");
                assertEquals(2, rs.getInt(2));
            }
            assertEquals(
                    warnings(c, "SELECT u, user_embedding(ev, ts) FROM tx GROUP BY u"),
                    warnings(c, "SELECT u, user_embedding_list(" + PAIRED + ") FROM tx GROUP BY u"));
        }
    }

    @Test
    void keylessListFormTakesTheListAsGivenAndIsDeterministic() throws SQLException {
        try (Connection c = Engine.DUCKDB.open()) {
            Transactions.create(c, tiesAndNulls());
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE hist AS SELECT u, list(ev ORDER BY ts) AS evs FROM tx GROUP BY u");
            }
            String sql = "SELECT u, user_embedding(evs) FROM hist ORDER BY u";
            Map<Integer, float[]> first = EngineContractTest.byUser(c, sql);
            assertArrayEquals(first.get(1), EngineContractTest.byUser(c, sql).get(1), "the same list, the same bits");
            // it cannot see the keys: NULL elements are skipped, the row without ts is kept (sorted last)
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT (user_embedding_result(evs)).events FROM hist WHERE u = 2")) {
                rs.next();
                assertEquals(3, rs.getInt(1));
            }
        }
    }

    @Test
    void keyedListFormWithListsOfUnequalLengthIs22023() throws SQLException {
        try (Connection c = Engine.DUCKDB.open()) {
            Transactions.create(c, tiesAndNulls());
            String unequal = "list(ev ORDER BY ts), list(ts ORDER BY ts) FILTER (WHERE ts IS NOT NULL)";
            SQLException e = EngineContractTest.assertState(
                    c, "22023", "SELECT user_embedding_list(" + unequal + ") FROM tx GROUP BY u");
            assertTrue(e.getMessage().contains("different lengths"), e.getMessage());
            EngineContractTest.assertState(
                    c, "22023", "SELECT serialize_events_list(" + unequal + ", 'stories260k') FROM tx GROUP BY u");
            Map<String, Object> r = result(c, "user_embedding_result_list(" + unequal + ")", 2);
            assertEquals("error:22023", r.get("status"));
            assertTrue(
                    String.valueOf(r.get("message")).contains("(4 events, 3 keys)"), String.valueOf(r.get("message")));
            try (Statement st = c.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT try_user_embedding_list(" + unequal + ") FROM tx WHERE u = 1")) {
                rs.next();
                assertNull(rs.getObject(1));
            }
        }
    }

    @Test
    void oneUserAloneEqualsTheSameUserInAChunkOfMany() throws SQLException {
        try (Connection c = Engine.DUCKDB.open()) {
            Transactions.create(c, Transactions.random(120, 6, 5));
            Map<Integer, float[]> all = EngineContractTest.byUser(c, KEYED);
            assertEquals(120, all.size());
            for (int u : new int[] {1, 60, 120}) {
                float[] alone = EngineContractTest.byUser(
                                c, "SELECT u, user_embedding(ev, ts) FROM tx WHERE u = " + u + " GROUP BY u")
                        .get(u);
                EngineContractTest.assertSameEmbedding(alone, all.get(u));
            }
        }
    }

    @Test
    void resultTypesAreDuckDBTypes() throws SQLException {
        try (Connection c = Engine.DUCKDB.open();
                Statement st = c.createStatement()) {
            Transactions.create(c, Transactions.random(1, 3, 1));
            try (ResultSet rs =
                    st.executeQuery("SELECT typeof(user_embedding(ev, ts)), typeof(try_user_embedding(ev, ts)), "
                            + "typeof(user_embedding_result(ev, ts)), typeof(l2_normalize([1.0, 2.0])) FROM tx")) {
                rs.next();
                assertEquals("FLOAT[]", rs.getString(1));
                assertEquals("FLOAT[]", rs.getString(2));
                assertEquals(
                        "STRUCT(embedding FLOAT[], status VARCHAR, model_version VARCHAR, events INTEGER, "
                                + "tokens INTEGER, dropped_events INTEGER, message VARCHAR)",
                        rs.getString(3));
                assertEquals("FLOAT[]", rs.getString(4));
            }
            try (ResultSet rs = st.executeQuery("SELECT (user_embedding_result(ev, ts)).status, "
                    + "cosine_similarity('[1, 0]', [0.0, 2.0]) FROM tx")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
                assertEquals(0.0, rs.getDouble(2));
            }
        }
    }

    @Test
    void aPlainConnectionCarriesTheSqlStateOnlyInTheMessage() throws SQLException {
        try (Connection raw = DriverManager.getConnection("jdbc:duckdb:")) {
            Llm4esDuckDB.register(raw);
            Transactions.create(raw, Transactions.random(1, 3, 1));
            String sql = "SELECT user_embedding(ev, ts, 'no-such-model') FROM tx";
            SQLException e =
                    assertThrows(SQLException.class, () -> raw.createStatement().executeQuery(sql));
            assertNull(e.getSQLState(), "DuckDB's driver sets no SQLState; if it starts to, drop the wrapper");
            assertTrue(e.getMessage().contains("llm4es [42704]: model 'no-such-model' does not exist"), e.getMessage());
            assertEquals(
                    "42704",
                    assertThrows(
                                    SQLException.class,
                                    () -> Llm4esDuckDB.withSqlStates(raw)
                                            .createStatement()
                                            .executeQuery(sql))
                            .getSQLState());
            assertEquals(
                    "42704",
                    assertThrows(
                                    SQLException.class,
                                    () -> Llm4esDuckDB.withSqlStates(raw)
                                            .prepareStatement(sql)
                                            .executeQuery())
                            .getSQLState());
        }
    }

    @Test
    void functionsAreRegisteredPerConnectionAndNeverStoredInTheFile(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws SQLException {
        String url = "jdbc:duckdb:" + dir.resolve("t.duckdb");
        try (Connection c = Llm4esDuckDB.open(url);
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE kept AS SELECT vector_dims([1.0, 2.0]) AS d");
        }
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM duckdb_functions() WHERE function_name IN "
                    + "('user_embedding', 'vector_dims') AND NOT internal")) {
                rs.next();
                assertEquals(0, rs.getInt(1));
            }
            try (ResultSet rs = st.executeQuery("SELECT d FROM kept")) {
                rs.next();
                assertEquals(2, rs.getInt(1));
            }
        }
    }
}
