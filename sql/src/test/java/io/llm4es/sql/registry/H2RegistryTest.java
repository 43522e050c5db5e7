package io.llm4es.sql.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.sql.Transactions;
import io.llm4es.sql.h2.Llm4esH2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model registry in H2: tables, procedures, the three reference forms, aliases per statement. */
public class H2RegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path bundles;

    static Path v1;
    static Path v2;
    static int database;
    // the second connection that moves an alias while a statement runs (see moveAliasOnce)
    static Connection mover;
    static boolean moved;
    Connection conn;

    @BeforeAll
    static void bundles() throws Exception {
        v1 = RegistryBundles.write(bundles.resolve("reg-v1"), "reg", "1", 0);
        v2 = RegistryBundles.write(bundles.resolve("reg-v2"), "reg", "2", 0);
    }

    @BeforeEach
    void open() throws SQLException {
        conn = DriverManager.getConnection("jdbc:h2:mem:registry" + (database++) + ";DB_CLOSE_DELAY=-1");
        Llm4esH2.register(conn);
        Transactions.create(conn, Transactions.random(6, 4, 7));
    }

    @AfterEach
    void close() throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute("SHUTDOWN");
        }
        conn.close();
    }

    @Test
    void referencesResolveByNameVersionAndAlias() throws Exception {
        assertEquals("reg:1", scalar("CALL register_model('reg', '" + v1 + "')"));
        assertEquals("reg:2", scalar("CALL register_model('reg', '" + v2 + "')"));
        exec("CALL set_alias('reg', 'prod', '1')");
        assertEquals("reg:2", scalar("SELECT model_version('reg')"), "a bare name is the newest registration");
        assertEquals("reg:1", scalar("SELECT model_version('reg:1')"));
        assertEquals("reg:1", scalar("SELECT model_version('reg@prod')"));
        exec("CALL set_alias('reg', 'prod', '2')");
        assertEquals("reg:2", scalar("SELECT model_version('reg@prod')"));
        assertEquals(
                "reg:2",
                JSON.readTree(scalar("SELECT user_embedding_result(ev, ts, 'reg@prod') FROM tx GROUP BY u"))
                        .get("model_version")
                        .asText());
        assertEquals(2L, ((Number) scalarObject("SELECT COUNT(*) FROM llm4es.models WHERE name = 'reg'")).longValue());
        assertEquals("2", scalar("SELECT version FROM llm4es.model_aliases WHERE name = 'reg' AND alias = 'prod'"));
        // names the registry does not know come from the models directory, as before
        assertEquals(
                "stories260k:"
                        + describe("stories260k").get("model_version").asText().split(":")[1],
                scalar("SELECT model_version('stories260k')"));
    }

    @Test
    void unknownVersionsAndAliasesAre42704() throws SQLException {
        exec("CALL register_model('reg', '" + v1 + "')");
        assertEquals("42704", state("SELECT model_version('reg:9')"));
        assertEquals("42704", state("SELECT model_version('reg@nope')"));
        assertEquals("42704", state("SELECT model_version('stories260k@prod')"));
        assertEquals("42704", state("CALL set_alias('reg', 'prod', '9')"));
        assertEquals("42704", state("SELECT user_embedding(ev, ts, 'reg@nope') FROM tx GROUP BY u"));
    }

    @Test
    void describeModelShowsTheRegistryRow() throws Exception {
        exec("CALL register_model('reg', '" + v1 + "')");
        JsonNode d = describe("reg:1");
        assertEquals("reg:1", d.get("model_version").asText());
        assertEquals(v1.toString(), d.get("path").asText());
        assertEquals(64, d.get("sha256").asText().length());
        assertEquals(64, d.get("serializer_id").asText().length());
        assertTrue(d.get("dim").asInt() > 0);
        assertEquals("active", d.get("status").asText());
    }

    @Test
    void aTamperedBundleIsRefused() throws Exception {
        Path bad = RegistryBundles.write(bundles.resolve("reg-bad"), "reg", "3", 0);
        Files.writeString(bad.resolve("tokenizer.json"), Files.readString(bad.resolve("tokenizer.json")) + " ");
        SQLException e = assertThrows(SQLException.class, () -> exec("CALL register_model('reg', '" + bad + "')"));
        assertEquals("XX001", e.getSQLState());
        assertTrue(e.getMessage().contains("tokenizer.json does not match its sha256"), e.getMessage());
        assertEquals(0L, ((Number) scalarObject("SELECT COUNT(*) FROM llm4es.models")).longValue());
    }

    @Test
    void anAliasMovedMidStatementDoesNotChangeTheStatementsModel() throws Exception {
        exec("CALL register_model('reg', '" + v1 + "')");
        exec("CALL register_model('reg', '" + v2 + "')");
        exec("CALL set_alias('reg', 'prod', '1')");
        exec("CREATE ALIAS move_alias_once FOR \"" + H2RegistryTest.class.getName() + ".moveAliasOnce\"");
        mover = DriverManager.getConnection(conn.getMetaData().getURL());
        moved = false;
        Map<Integer, String> versions = new HashMap<>();
        try (Statement st = conn.createStatement();
                // user 1's rows are added first; the alias moves to v2 as user 4's first row is evaluated
                ResultSet rs = st.executeQuery("SELECT u, user_embedding_result(CASE WHEN move_alias_once(u) THEN ev "
                        + "ELSE ev END, ts, 'reg@prod'), model_version('reg@prod') FROM (SELECT * FROM tx ORDER BY u) "
                        + "GROUP BY u ORDER BY u")) {
            while (rs.next()) {
                versions.put(
                        rs.getInt(1),
                        JSON.readTree(rs.getString(2)).get("model_version").asText());
                assertEquals("reg:1", rs.getString(3));
            }
        } finally {
            mover.close();
        }
        assertTrue(moved, "the alias was moved during the statement");
        assertEquals(6, versions.size());
        versions.forEach((u, v) -> assertEquals("reg:1", v, "user " + u));
        assertEquals("reg:2", scalar("SELECT model_version('reg@prod')"), "the next statement sees the move");
    }

    /** Called for every row: at user 4 it points reg@prod at version 2, committed on another connection. */
    public static boolean moveAliasOnce(int user) throws SQLException {
        if (user >= 4 && !moved) {
            try (Statement st = mover.createStatement()) {
                st.execute("CALL llm4es.set_alias('reg', 'prod', '2')");
            }
            moved = true;
        }
        return true;
    }

    @Test
    void theRegistryPersistsInAFileDatabase(@TempDir Path dir) throws SQLException {
        String url = "jdbc:h2:file:" + dir.resolve("db");
        try (Connection c = DriverManager.getConnection(url)) {
            Llm4esH2.register(c);
            try (Statement st = c.createStatement()) {
                st.execute("CALL register_model('reg', '" + v1 + "')");
                st.execute("CALL set_alias('reg', 'prod', '1')");
            }
        }
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            Llm4esH2.register(c);
            try (ResultSet rs = st.executeQuery("SELECT model_version('reg@prod')")) {
                rs.next();
                assertEquals("reg:1", rs.getString(1));
            }
        }
    }

    private JsonNode describe(String ref) throws SQLException {
        try {
            return JSON.readTree(scalar("SELECT describe_model('" + ref + "')"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private String state(String sql) {
        return assertThrows(SQLException.class, () -> scalar(sql)).getSQLState();
    }

    private void exec(String sql) throws SQLException {
        try (Statement st = conn.createStatement()) {
            st.execute(sql);
        }
    }

    private String scalar(String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private Object scalarObject(String sql) throws SQLException {
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getObject(1);
        }
    }
}
