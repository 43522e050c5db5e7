package io.llm4es.connectors.materialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.LocalPostgres;
import io.llm4es.sql.TinyBundles;
import io.llm4es.sql.Transactions;
import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.sql.registry.RegistryBundles;
import io.llm4es.udf.model.ModelDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** materialize_embeddings into H2 and a real PostgreSQL: idempotence, fingerprints, shards, errors, column types. */
class MaterializeTest {
    static final int USERS = 40;
    static final String SOURCE_SQL = "SELECT u, ev, ts FROM tx";

    @TempDir
    static Path dir;

    static String sourceUrl;
    static Connection source;
    static int tables;

    @BeforeAll
    static void source() throws Exception {
        sourceUrl = "jdbc:h2:file:" + dir.resolve("source");
        source = DriverManager.getConnection(sourceUrl);
        Llm4esH2.register(source);
        Transactions.create(source, Transactions.random(USERS, 6, 11));
    }

    @AfterAll
    static void close() throws SQLException {
        source.close();
    }

    /** Unchanged users are looked up a batch at a time: a rerun in batches of 7 skips all 40. */
    @Test
    void aRerunInSmallBatchesSkipsEveryUnchangedUserOfEveryBatch() throws Exception {
        String target = "jdbc:h2:file:" + dir.resolve("target-batches");
        MaterializeOptions sevens =
                new MaterializeOptions(MaterializeOptions.defaults().shard(), 7);
        MaterializeReport first = run(target, "emb", "stories260k", sevens);
        assertEquals(USERS, first.written());
        try (Connection c = DriverManager.getConnection(target);
                Statement st = c.createStatement()) {
            // a user whose stored text differs is rewritten, one that vanished is written again
            st.execute("UPDATE emb SET text_sha256 = REPEAT('0', 64) WHERE user_id = 12");
            st.execute("DELETE FROM emb WHERE user_id = 33");
        }
        MaterializeReport second = run(target, "emb", "stories260k", sevens);
        assertEquals(2, second.written());
        assertEquals(USERS - 2, second.unchanged());
        assertEquals(String.valueOf(USERS), scalar(target, "SELECT COUNT(*) FROM emb"));
        assertEquals("0", scalar(target, "SELECT COUNT(*) FROM emb WHERE text_sha256 = REPEAT('0', 64)"));
    }

    @Test
    void aSecondRunWritesNothingAndAChangedUserIsRewrittenAlone() throws Exception {
        String target = "jdbc:h2:file:" + dir.resolve("target-idem");
        MaterializeReport first = run(target, "emb", "stories260k", MaterializeOptions.defaults());
        assertEquals(USERS, first.written());
        MaterializeReport second = run(target, "emb", "stories260k", MaterializeOptions.defaults());
        assertEquals(0, second.written());
        assertEquals(USERS, second.unchanged());
        assertEquals(
                "INTEGER",
                scalar(
                        target,
                        "SELECT DATA_TYPE FROM INFORMATION_SCHEMA.COLUMNS "
                                + "WHERE TABLE_NAME = 'EMB' AND COLUMN_NAME = 'USER_ID'"),
                "the source's INT key stays an integer");
        String before = scalar(target, "SELECT text_sha256 FROM emb WHERE user_id = '7'");
        Transactions.insert(
                source,
                List.of(new Transactions.Row(
                        7,
                        LocalDateTime.of(2025, 1, 1, 0, 0),
                        Transactions.event(LocalDateTime.of(2025, 1, 1, 0, 0), "D", "5411", "12.50"))));
        try {
            MaterializeReport third = run(target, "emb", "stories260k", MaterializeOptions.defaults());
            assertEquals(1, third.written());
            assertEquals(USERS - 1, third.unchanged());
            assertTrue(!before.equals(scalar(target, "SELECT text_sha256 FROM emb WHERE user_id = '7'")));
        } finally {
            try (Statement st = source.createStatement()) {
                st.execute("DELETE FROM tx WHERE u = 7 AND ts = TIMESTAMP '2025-01-01 00:00:00'");
            }
        }
        assertEquals(String.valueOf(USERS), scalar(target, "SELECT COUNT(*) FROM emb"));
    }

    @Test
    void shardsCoverEveryUserExactlyOnce() throws Exception {
        String target = "jdbc:h2:mem:shards;DB_CLOSE_DELAY=-1";
        Set<String> seen = new HashSet<>();
        for (int k = 1; k <= 3; k++) {
            MaterializeReport r = run(target, "shard" + k, "stories260k", new MaterializeOptions(new Shard(k, 3), 7));
            assertTrue(r.written() > 0, "shard " + k + " is not empty");
            for (String user : column(target, "SELECT user_id FROM shard" + k)) {
                assertTrue(seen.add(user), "user " + user + " is in two shards");
            }
        }
        assertEquals(USERS, seen.size());
    }

    @Test
    void perUserFailuresGoToTheErrorsTable() throws Exception {
        // a 60-token budget with truncation=error: users with long histories fail with 54000
        Path tiny = RegistryBundles.write(dir.resolve("tiny"), "tiny", "1", 60);
        try (Statement st = source.createStatement()) {
            st.execute("CALL register_model('tiny', '" + tiny + "')");
        }
        String target = "jdbc:h2:file:" + dir.resolve("target-errors");
        MaterializeReport r = run(target, "emb", "tiny", new MaterializeOptions(Shard.ALL, 8));
        assertTrue(r.failed() > 0 && r.written() > 0, r.toString());
        assertEquals(
                String.valueOf(r.failed()),
                scalar(
                        target,
                        "SELECT COUNT(*) FROM emb_errors WHERE sqlstate = '54000' "
                                + "AND model_version = 'tiny:1' AND message LIKE '%token%'"));
        assertEquals(String.valueOf(r.written()), scalar(target, "SELECT COUNT(*) FROM emb"));
        assertEquals("0", scalar(target, "SELECT COUNT(*) FROM emb e JOIN emb_errors x ON e.user_id = x.user_id"));
    }

    @Test
    void theH2ProcedureWritesIntoItsOwnDatabase() throws Exception {
        try (Statement st = source.createStatement()) {
            try (ResultSet rs = st.executeQuery("CALL materialize_embeddings('" + SOURCE_SQL + "', 'proc_emb', "
                    + "'stories260k', 'shard=1/1, batch_users=16')")) {
                rs.next();
                assertEquals(USERS, rs.getLong(1));
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT COUNT(*), MIN(CARDINALITY(embedding)), MIN(model_version) " + "FROM proc_emb")) {
                rs.next();
                assertEquals(USERS, rs.getInt(1));
                assertEquals(dim(), rs.getInt(2));
                assertEquals("stories260k:1", rs.getString(3));
            }
        }
    }

    @Test
    void duckdbGetsAFloatListColumn() throws Exception {
        String target = "jdbc:duckdb:" + dir.resolve("target.duckdb");
        assertEquals(
                USERS,
                run(target, "emb", "stories260k", new MaterializeOptions(Shard.ALL, 16))
                        .written());
        assertEquals(
                0,
                run(target, "emb", "stories260k", MaterializeOptions.defaults()).written());
        assertEquals(USERS + " " + dim(), scalar(target, "SELECT COUNT(*) || ' ' || MIN(len(embedding)) FROM emb"));
        assertEquals(
                "FLOAT[]",
                scalar(
                        target,
                        "SELECT data_type FROM information_schema.columns "
                                + "WHERE table_name = 'emb' AND column_name = 'embedding'"));
        assertEquals(
                "INTEGER",
                scalar(
                        target,
                        "SELECT data_type FROM information_schema.columns "
                                + "WHERE table_name = 'emb' AND column_name = 'user_id'"));
        // the file header's storage version (8 bytes after "DUCK" at offset 8): one the Python
        // duckdb 1.5 of the local mirror reads (64..68), not the driver's newest
        byte[] header = java.util.Arrays.copyOf(java.nio.file.Files.readAllBytes(dir.resolve("target.duckdb")), 20);
        assertEquals("DUCK", new String(header, 8, 4, StandardCharsets.US_ASCII));
        long version = java.nio.ByteBuffer.wrap(header, 12, 8)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .getLong();
        assertTrue(version >= 64 && version <= 68, "storage version " + version);
    }

    @Test
    void postgresGetsARealArrayColumnAndIdempotentUpserts() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start()) {
            MaterializeReport first = run(pg.url(), "public.emb", "stories260k", new MaterializeOptions(Shard.ALL, 9));
            assertEquals(USERS, first.written());
            assertEquals(
                    0,
                    run(pg.url(), "public.emb", "stories260k", MaterializeOptions.defaults())
                            .written());
            // pgvector is not packaged for this Debian: the portable column
            assertEquals(
                    "_float4",
                    scalar(
                            pg.url(),
                            "SELECT udt_name FROM information_schema.columns "
                                    + "WHERE table_name = 'emb' AND column_name = 'embedding'"));
            assertEquals(
                    USERS + " " + dim(),
                    scalar(pg.url(), "SELECT COUNT(*) || ' ' || MIN(array_length(embedding, 1)) " + "FROM emb"));
            assertEquals(
                    String.valueOf(USERS),
                    scalar(pg.url(), "SELECT COUNT(DISTINCT (user_id, model_version)) FROM emb"));
            // the source's INT key stays an integer, in the table and in its errors table
            assertEquals(
                    List.of("integer", "integer"),
                    column(
                            pg.url(),
                            "SELECT data_type FROM information_schema.columns "
                                    + "WHERE table_name IN ('emb', 'emb_errors') AND column_name = 'user_id' ORDER BY table_name"));
        }
    }

    static final String BAD_USER_SQL =
            "SELECT u, CASE WHEN u = 4 THEN '{\"date\": \"2024-01-01\", \"colour\": \"red\"}' "
                    + "ELSE ev END, ts FROM tx";

    @Test
    void aUserWithAnUnknownFieldGoesToTheErrorsTableAndTheJobGoesOn() throws Exception {
        String target = "jdbc:h2:file:" + dir.resolve("target-bad-user");
        MaterializeReport r = Materialize.between(
                sourceUrl,
                BAD_USER_SQL,
                target,
                "emb",
                "stories260k",
                new MaterializeOptions(Shard.ALL, 7),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(USERS - 1, r.written(), r.toString());
        assertEquals(1, r.failed(), r.toString());
        assertEquals(String.valueOf(USERS - 1), scalar(target, "SELECT COUNT(*) FROM emb"));
        assertEquals("4 22023", scalar(target, "SELECT user_id || ' ' || sqlstate FROM emb_errors"));
        String message = scalar(target, "SELECT message FROM emb_errors");
        assertTrue(message.contains("user 4: ") && message.contains("colour"), message);
        // fail_fast: the first failing user ends the job, with its state and its name
        String fast = "jdbc:h2:file:" + dir.resolve("target-fail-fast");
        SQLException e = assertThrows(
                SQLException.class,
                () -> Materialize.between(
                        sourceUrl,
                        BAD_USER_SQL,
                        fast,
                        "emb",
                        "stories260k",
                        MaterializeOptions.parse("fail_fast=true, batch_users=7"),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
        assertEquals("22023", e.getSQLState());
        assertTrue(e.getMessage().contains("user 4: "), e.getMessage());
        assertEquals("0", scalar(fast, "SELECT COUNT(*) FROM emb_errors"));
    }

    @Test
    void theReportCountsTruncationsAndProgressShowsShareAndEtaWithoutRepeats(@TempDir Path models) throws Exception {
        TinyBundles.create(models);
        String previous = System.setProperty(ModelDirectory.DIR.property(), models.toString());
        try {
            ByteArrayOutputStream progress = new ByteArrayOutputStream();
            String target = "jdbc:h2:file:" + dir.resolve("target-truncated");
            MaterializeReport r = Materialize.between(
                    sourceUrl,
                    SOURCE_SQL,
                    target,
                    "emb",
                    TinyBundles.DROP,
                    new MaterializeOptions(Shard.ALL, 8),
                    new PrintStream(progress, true, StandardCharsets.UTF_8));
            assertEquals(
                    scalar(target, "SELECT COUNT(*) FROM emb WHERE status = 'truncated'"),
                    String.valueOf(r.truncated()));
            assertEquals(scalar(target, "SELECT SUM(dropped_events) FROM emb"), String.valueOf(r.droppedEvents()));
            assertTrue(r.truncated() > 0 && r.droppedEvents() >= r.truncated(), r.toString());
            assertTrue(
                    r.summary().contains(r.truncated() + " truncated (" + r.droppedEvents() + " oldest events dropped"),
                    r.summary());
            List<String> lines =
                    List.of(progress.toString(StandardCharsets.UTF_8).strip().split("\n"));
            assertTrue(lines.get(0).contains("counting the users"), lines.toString());
            assertTrue(
                    lines.get(1).contains(": 0/" + USERS + " users (0.0 %"), "a line before the first batch: " + lines);
            assertTrue(
                    lines.get(2).contains(": 8/" + USERS + " users (20.0 %")
                            && lines.get(2).contains("ETA "),
                    lines.toString());
            assertTrue(lines.get(lines.size() - 1).contains(USERS + "/" + USERS + " users (100.0 %"), lines.toString());
            assertEquals(
                    lines.size(),
                    lines.stream()
                            .map(l -> l.replaceAll("\\), .*", ""))
                            .distinct()
                            .count(),
                    "no line repeats the one before: " + lines);
        } finally {
            if (previous == null) {
                System.clearProperty(ModelDirectory.DIR.property());
            } else {
                System.setProperty(ModelDirectory.DIR.property(), previous);
            }
        }
    }

    static int dim() {
        return io.llm4es.udf.embed.ModelCache.byName("stories260k").manifest().embeddingDim();
    }

    private static MaterializeReport run(String targetUrl, String table, String model, MaterializeOptions options)
            throws SQLException {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        MaterializeReport r = Materialize.between(
                sourceUrl,
                SOURCE_SQL,
                targetUrl,
                table,
                model,
                options,
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("/" + USERS + " users"), progress.toString());
        return r;
    }

    static String scalar(String url, String sql) throws SQLException {
        List<String> values = column(url, sql);
        return values.isEmpty() ? null : values.get(0);
    }

    static List<String> column(String url, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }
}
