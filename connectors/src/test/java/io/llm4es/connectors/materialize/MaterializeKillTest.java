package io.llm4es.connectors.materialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.LocalPostgres;
import io.llm4es.sql.Transactions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI job, run as its own JVM, killed with SIGKILL after a few committed batches, then run
 * again: every user ends up in the target exactly once, and no row is ever partial.
 */
class MaterializeKillTest {
    static final int USERS = 200;
    static final String SOURCE_SQL = "SELECT u, ev, ts FROM tx";

    @TempDir
    static Path dir;

    static String sourceUrl;

    @BeforeAll
    static void source() throws SQLException {
        sourceUrl = "jdbc:h2:file:" + dir.resolve("source");
        try (Connection c = DriverManager.getConnection(sourceUrl)) {
            Transactions.create(c, Transactions.random(USERS, 4, 5));
        }
    }

    @Test
    void killedIntoH2FileAndRerun() throws Exception {
        // H2 writes commits to its file within WRITE_DELAY (500 ms by default); 0 writes each commit at once
        killRerunAndCheck("jdbc:h2:file:" + dir.resolve("target") + ";WRITE_DELAY=0");
    }

    @Test
    void killedIntoPostgresAndRerun() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start()) {
            killRerunAndCheck(pg.url());
        }
    }

    private static final Pattern WRITTEN = Pattern.compile("written (\\d+)");

    private static void killRerunAndCheck(String targetUrl) throws Exception {
        Process job = start(targetUrl);
        try (BufferedReader err =
                new BufferedReader(new InputStreamReader(job.getErrorStream(), StandardCharsets.UTF_8))) {
            // progress lines come from the start; wait for one that reports three committed batches
            long written = 0;
            for (String line; written < 15 && (line = err.readLine()) != null; ) {
                Matcher m = WRITTEN.matcher(line);
                if (line.startsWith("llm4es materialize ") && m.find()) {
                    written = Long.parseLong(m.group(1));
                }
            }
            assertTrue(written >= 15, "the job committed batches before it was killed");
            job.destroyForcibly();
            assertTrue(job.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(137, job.exitValue(), "killed by SIGKILL, not finished");
        long afterKill = checkRows(targetUrl);
        assertTrue(afterKill >= 15 && afterKill < USERS, "the kill left whole batches only: " + afterKill);

        Process rerun = start(targetUrl);
        String log = new String(rerun.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(rerun.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, rerun.exitValue(), log);
        assertTrue(log.contains("unchanged " + afterKill), "the rerun skipped what was committed:\n" + log);
        assertEquals(USERS, checkRows(targetUrl));
    }

    private static Process start(String targetUrl) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.llm4es.connectors.cli.Main",
                "materialize",
                "--source-db",
                sourceUrl,
                "--sql",
                SOURCE_SQL,
                "--target-db",
                targetUrl,
                "--table",
                "emb",
                "--model",
                "stories260k",
                "--batch-users",
                "5"));
        return new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
    }

    /** Rows in the target: each user once, each embedding whole; returns how many. */
    private static long checkRows(String url) throws SQLException {
        int dim = MaterializeTest.dim();
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT user_id, model_version, embedding FROM emb")) {
            java.util.Set<String> users = new java.util.HashSet<>();
            while (rs.next()) {
                assertTrue(users.add(rs.getString(1)), "user " + rs.getString(1) + " twice");
                assertEquals("stories260k:1", rs.getString(2));
                Object[] v = (Object[]) rs.getArray(3).getArray();
                assertEquals(dim, v.length, "a partial embedding for user " + rs.getString(1));
            }
            return users.size();
        }
    }
}
