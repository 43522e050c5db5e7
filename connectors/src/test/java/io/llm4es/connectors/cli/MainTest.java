package io.llm4es.connectors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.TinyBundles;
import io.llm4es.sql.Transactions;
import io.llm4es.udf.embed.InferenceSlots;
import io.llm4es.udf.model.ModelDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: what it prints on stderr, with which SQLSTATE, and its exit status. */
class MainTest {
    @TempDir
    static Path dir;

    static String db;
    static String previousModels;

    @BeforeAll
    static void database() throws Exception {
        db = "jdbc:h2:file:" + dir.resolve("bank");
        try (Connection c = DriverManager.getConnection(db)) {
            Transactions.create(c, Transactions.random(6, 40, 5));
        }
        TinyBundles.create(dir.resolve("models"));
        previousModels = System.setProperty(
                ModelDirectory.DIR.property(), dir.resolve("models").toString());
    }

    @AfterAll
    static void restore() {
        if (previousModels == null) {
            System.clearProperty(ModelDirectory.DIR.property());
        } else {
            System.setProperty(ModelDirectory.DIR.property(), previousModels);
        }
    }

    /** exit status and stderr of one command */
    record Outcome(int status, String err) {}

    static Outcome cli(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int status = Main.execute(args, err);
        return new Outcome(status, bytes.toString(StandardCharsets.UTF_8));
    }

    /** The SQLSTATE H2 itself gives for a statement. */
    static String h2State(String sql) {
        SQLException e = assertThrows(SQLException.class, () -> {
            try (Connection c = DriverManager.getConnection(db);
                    Statement st = c.createStatement()) {
                st.execute(sql);
            }
        });
        return e.getSQLState();
    }

    @Test
    void anEngineErrorKeepsTheEnginesOwnSqlState() {
        for (String sql : List.of("SELECT * FROM nope", "SELEC 1", "SELECT u, ts FROM tx GROUP BY u")) {
            String state = h2State(sql);
            Outcome o = cli("query", "--db", db, "--sql", sql);
            assertEquals(2, o.status(), o.err());
            assertTrue(o.err().startsWith("llm4es: error [" + state + "]: "), sql + " → " + o.err());
            assertFalse(o.err().contains("58000"), o.err());
        }
    }

    @Test
    void anLlm4esErrorCarriesItsStateOnceWithoutADoubledPrefix() {
        Outcome o = cli(
                "query", "--db", db, "--sql", "SELECT u, user_embedding(ev, ts, 'no-such-model') FROM tx GROUP BY u");
        assertEquals(2, o.status(), o.err());
        assertTrue(o.err().startsWith("llm4es: error [42704]: "), o.err());
        assertEquals(1, o.err().split("llm4es", -1).length - 1, "one llm4es prefix: " + o.err());
    }

    @Test
    void exportAndPreviewNameTheUserWhoseEventIsBad() throws Exception {
        String sql =
                "SELECT u, CASE WHEN u = 4 THEN '{\"date\": \"2024-01-01\", \"colour\": \"red\"}' ELSE ev END, ts FROM tx";
        Outcome export = cli(
                "export-text",
                "--db",
                db,
                "--sql",
                sql,
                "--model",
                "stories260k",
                "--out",
                dir.resolve("corpus.jsonl").toString());
        assertEquals(2, export.status(), export.err());
        assertTrue(export.err().startsWith("llm4es: error [22023]: export_training_text: user 4: "), export.err());
        assertTrue(export.err().contains("colour"), export.err());
        Outcome preview = cli("preview", "--db", db, "--sql", sql, "--model", "stories260k", "--users", "10");
        assertTrue(preview.err().startsWith("llm4es: error [22023]: preview: user 4: "), preview.err());
    }

    @Test
    void queryPrintsTheTruncationWarning() {
        Path out = dir.resolve("emb.csv");
        Outcome o = cli(
                "query",
                "--db",
                db,
                "--sql",
                "SELECT u, user_embedding(ev, ts, '" + TinyBundles.DROP + "') FROM tx GROUP BY u",
                "--out",
                out.toString());
        assertEquals(0, o.status(), o.err());
        assertTrue(o.err().contains("llm4es: warning [01004]: model " + TinyBundles.DROP), o.err());
        assertTrue(o.err().contains("truncated the histories of"), o.err());
        Outcome quiet = cli("query", "--db", db, "--sql", "SELECT COUNT(*) FROM tx", "--out", out.toString());
        assertEquals("", quiet.err());
    }

    @Test
    void aMistypedH2PathIsRefusedAndCreatesNothing() {
        Path typo = dir.resolve("bnak");
        for (String command : List.of("query", "export-text", "preview")) {
            Outcome o = cli(
                    command,
                    "--db",
                    "jdbc:h2:file:" + typo,
                    "--sql",
                    "SELECT u, ev, ts FROM tx",
                    "--model",
                    "stories260k",
                    "--out",
                    dir.resolve("x.out").toString());
            assertEquals(2, o.status(), o.err());
            assertTrue(o.err().contains("no H2 database at jdbc:h2:file:" + typo), command + ": " + o.err());
        }
        Outcome m = cli(
                "materialize",
                "--source-db",
                "jdbc:h2:" + typo,
                "--sql",
                "SELECT u, ev, ts FROM tx",
                "--target-db",
                "jdbc:h2:file:" + dir.resolve("target"),
                "--table",
                "emb",
                "--model",
                "stories260k");
        assertEquals(2, m.status(), m.err());
        assertTrue(m.err().contains("no H2 database at jdbc:h2:" + typo), m.err());
        assertFalse(Files.exists(dir.resolve("bnak.mv.db")), "no empty database was created");
        Outcome duck = cli("query", "--db", "jdbc:duckdb:" + dir.resolve("shop.duckdb"), "--sql", "SELECT 1");
        assertTrue(duck.err().contains("no DuckDB database file"), duck.err());
        assertFalse(Files.exists(dir.resolve("shop.duckdb")));
    }

    /** DuckDB settings after a ';' in the URL reach the database (how a bulk job bounds DuckDB's native memory). */
    @Test
    void duckdbSettingsInTheUrlReachTheSource() throws Exception {
        Path file = dir.resolve("limited.duckdb");
        try (Connection conn = DriverManager.getConnection("jdbc:duckdb:" + file);
                Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx AS SELECT 1 AS u, '{\"type\": \"CARD\"}' AS ev, DATE '2024-01-02' AS ts");
        }
        Path out = dir.resolve("limited.jsonl");
        String url = "jdbc:duckdb:" + file + ";memory_limit=300MB";
        Outcome limited = cli(
                "export-text",
                "--db",
                url,
                "--sql",
                "SELECT u, ev, ts FROM tx WHERE current_setting('memory_limit') LIKE '28_.%'",
                "--model",
                "stories260k",
                "--out",
                out.toString());
        assertEquals(0, limited.status(), limited.err());
        assertEquals(1, Files.readAllLines(out).size(), "the row passes only under the URL's 300MB (286.1 MiB)");
    }

    /** DuckDB's threads as the query runs: the inference slots by default (2 cores: 1, not DuckDB's 2), the user's SET if given. */
    @Test
    void duckdbQueryRunsWithOneThreadPerInferenceSlot() throws Exception {
        Path file = dir.resolve("threads.duckdb");
        DriverManager.getConnection("jdbc:duckdb:" + file).close(); // the CLI opens existing databases only
        Path out = dir.resolve("threads.csv");
        String sql = "SELECT current_setting('threads') AS t";
        Outcome fitted = cli("query", "--db", "jdbc:duckdb:" + file, "--sql", sql, "--out", out.toString());
        assertEquals(0, fitted.status(), fitted.err());
        assertEquals(List.of("t", String.valueOf(InferenceSlots.limit())), Files.readAllLines(out));
        Outcome own = cli(
                "query", "--db", "jdbc:duckdb:" + file, "--sql", "SET threads = 3; " + sql, "--out", out.toString());
        assertEquals(0, own.status(), own.err());
        assertEquals(List.of("t", "3"), Files.readAllLines(out));
    }
}
