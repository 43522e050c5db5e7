package io.llm4es.sql.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.Transactions;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.duckdb.DuckDBColumnType;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBFunctions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model registry in DuckDB: tables in schema llm4es, the Java API, the three reference forms, per-statement resolution. */
public class DuckDBRegistryTest {
    @TempDir
    static Path bundles;

    static Path v1;
    static Path v2;
    Connection conn;

    @BeforeAll
    static void bundles() throws Exception {
        v1 = RegistryBundles.write(bundles.resolve("reg-v1"), "reg", "1", 0);
        v2 = RegistryBundles.write(bundles.resolve("reg-v2"), "reg", "2", 0);
    }

    @BeforeEach
    void open() throws SQLException {
        conn = Llm4esDuckDB.open("jdbc:duckdb:");
        Transactions.create(conn, Transactions.random(5, 4, 3));
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    @Test
    void referencesResolveByNameVersionAndAlias() throws SQLException {
        assertEquals("reg:1", Llm4esDuckDB.registerModel(conn, "reg", v1.toString()));
        assertEquals("reg:2", Llm4esDuckDB.registerModel(conn, "reg", v2.toString()));
        Llm4esDuckDB.setAlias(conn, "reg", "prod", "1");
        assertEquals(List.of("reg:1"), versions("reg@prod"));
        assertEquals(List.of("reg:1"), versions("reg:1"));
        assertEquals(List.of("reg:2"), versions("reg"), "a bare name is the newest registration");
        // an alias is a row: plain SQL moves it, and the next statement sees the move
        exec("UPDATE llm4es.model_aliases SET version = '2' WHERE name = 'reg' AND alias = 'prod'");
        assertEquals(List.of("reg:2"), versions("reg@prod"));
        assertEquals(2L, ((Number) scalar("SELECT count(*) FROM llm4es.models WHERE name = 'reg'")).longValue());
        // names the registry does not know still come from the models directory, with their version checked
        assertEquals(1, versions("stories260k").size());
        assertEquals("42704", state("SELECT user_embedding(ev, ts, 'stories260k:999') FROM tx GROUP BY u"));
    }

    @Test
    void unknownVersionsAndAliasesAre42704() throws SQLException {
        Llm4esDuckDB.registerModel(conn, "reg", v1.toString());
        assertEquals("42704", state("SELECT user_embedding(ev, ts, 'reg@nope') FROM tx GROUP BY u"));
        assertEquals("42704", state("SELECT user_embedding(ev, ts, 'reg:9') FROM tx GROUP BY u"));
        assertEquals(
                "42704",
                state("SELECT user_embedding_list(list(ev ORDER BY ts), 'stories260k@prod') FROM tx GROUP BY u"));
        assertEquals(
                "42704",
                assertThrows(SQLException.class, () -> Llm4esDuckDB.setAlias(conn, "reg", "prod", "9"))
                        .getSQLState());
    }

    /** Each execution takes the registry as it is then: a prepared statement run again sees a moved alias. */
    @Test
    void aliasesResolveOncePerExecution() throws SQLException {
        Llm4esDuckDB.registerModel(conn, "reg", v1.toString());
        Llm4esDuckDB.registerModel(conn, "reg", v2.toString());
        Llm4esDuckDB.setAlias(conn, "reg", "prod", "1");
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT (user_embedding_result(ev, ts, 'reg@prod')).model_version FROM tx GROUP BY u")) {
            assertEquals(List.of("reg:1"), distinct(ps.executeQuery()));
            Llm4esDuckDB.setAlias(conn, "reg", "prod", "2");
            assertEquals(List.of("reg:2"), distinct(ps.executeQuery()));
        }
        // a view hides the call from the statement's text: the registry is read when the UDF first asks
        exec("CREATE TEMP VIEW prod_versions AS SELECT (user_embedding_result(ev, ts, 'reg@prod')).model_version "
                + "AS v FROM tx GROUP BY u");
        try (Statement st = conn.createStatement()) {
            assertEquals(List.of("reg:2"), distinct(st.executeQuery("SELECT v FROM prod_versions")));
            Llm4esDuckDB.setAlias(conn, "reg", "prod", "1");
            assertEquals(List.of("reg:1"), distinct(st.executeQuery("SELECT v FROM prod_versions")));
        }
    }

    /**
     * The alias moves (committed on another connection, from a UDF on a DuckDB worker thread)
     * after the statement began and before its first group is embedded: the statement keeps the
     * version the alias had when it began; the next statement sees the move.
     */
    @Test
    void anAliasMovedMidStatementDoesNotChangeTheStatementsModel() throws SQLException {
        Llm4esDuckDB.registerModel(conn, "reg", v1.toString());
        Llm4esDuckDB.registerModel(conn, "reg", v2.toString());
        Llm4esDuckDB.setAlias(conn, "reg", "prod", "1");
        DuckDBConnection raw = conn.unwrap(DuckDBConnection.class);
        AtomicBoolean moved = new AtomicBoolean();
        try (Connection mover = raw.duplicate()) {
            try (var b = DuckDBFunctions.scalarFunction()) {
                b.withName("move_alias_once")
                        .withParameter(DuckDBColumnType.INTEGER)
                        .withReturnType(DuckDBColumnType.BOOLEAN)
                        .withVectorizedFunction((in, out) -> {
                            for (int i = 0; i < in.rowCount(); i++) {
                                if (!moved.getAndSet(true)) {
                                    try (Statement st = mover.createStatement()) {
                                        st.execute("UPDATE llm4es.model_aliases SET version = '2' "
                                                + "WHERE name = 'reg' AND alias = 'prod'");
                                    } catch (SQLException e) {
                                        throw new IllegalStateException(e);
                                    }
                                }
                                out.setBoolean(i, true);
                            }
                        })
                        .register(raw);
            }
            try (Statement st = conn.createStatement()) {
                List<String> got = distinct(st.executeQuery("SELECT (user_embedding_result(ev, ts, 'reg@prod'))"
                        + ".model_version FROM (SELECT * FROM tx WHERE move_alias_once(u)) GROUP BY u"));
                assertTrue(moved.get(), "the alias was moved during the statement");
                assertEquals(List.of("reg:1"), got);
            }
        }
        assertEquals(List.of("reg:2"), versions("reg@prod"), "the next statement sees the move");
    }

    /** The bundle at the registered path is not the one registered (its fingerprint differs): XX001. */
    @Test
    void aBundleThatIsNotTheRegisteredOneIsRefused() throws Exception {
        Llm4esDuckDB.registerModel(conn, "reg", v1.toString());
        exec("UPDATE llm4es.models SET sha256 = repeat('0', 64) WHERE name = 'reg'");
        SQLException e = assertThrows(SQLException.class, () -> versions("reg:1"));
        assertEquals("XX001", e.getSQLState(), e.getMessage());
        assertTrue(e.getMessage().contains("is not the bundle that was registered"), e.getMessage());
    }

    @Test
    void theRegistryPersistsInTheDatabaseFile(@TempDir Path dir) throws SQLException {
        String url = "jdbc:duckdb:" + dir.resolve("reg.duckdb");
        try (Connection c = Llm4esDuckDB.open(url)) {
            Llm4esDuckDB.registerModel(c, "reg", v1.toString());
            Llm4esDuckDB.setAlias(c, "reg", "prod", "1");
        }
        try (Connection c = Llm4esDuckDB.open(url)) {
            Transactions.create(c, Transactions.random(2, 3, 1));
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT (user_embedding_result(ev, ts, 'reg@prod')).model_version FROM tx GROUP BY u")) {
                assertEquals(List.of("reg:1"), distinct(rs));
            }
        }
    }

    private List<String> versions(String ref) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT (user_embedding_result(ev, ts, '" + ref + "')).model_version, "
                        + "(user_embedding_result(ev, ts, '" + ref + "')).status, user_embedding(ev, ts, '" + ref
                        + "') "
                        + "FROM tx GROUP BY u")) {
            List<String> out = distinct(rs);
            return out;
        }
    }

    private static List<String> distinct(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                String v = rs.getString(1);
                if (!out.contains(v)) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    private String state(String sql) {
        return assertThrows(
                        SQLException.class,
                        () -> {
                            try (Statement st = conn.createStatement();
                                    ResultSet rs = st.executeQuery(sql)) {
                                while (rs.next()) {
                                    rs.getObject(1);
                                }
                            }
                        },
                        sql)
                .getSQLState();
    }

    private void exec(String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private Object scalar(String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }
}
