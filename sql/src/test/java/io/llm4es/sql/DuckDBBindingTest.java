package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.duckdb.Llm4esDuckDB;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
