package io.llm4es.connectors.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.connectors.Databases;
import io.llm4es.sql.LocalPostgres;
import io.llm4es.sql.Transactions;
import io.llm4es.sql.calcite.CalciteSources;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.sql.registry.RegistryBundles;
import io.llm4es.udf.model.ModelDirectory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docs are tests: every SQL, shell and Python block of README.md and sql/README.md runs as written
 * (the convention is in sql/README.md, first section), against fixture databases made here, shell
 * and Python blocks with the built jar. Runs in the package phase, after the jar is built.
 */
class DocsExamplesJarIT {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path JAR = Path.of("target", "llm4es.jar").toAbsolutePath();
    static final List<String> FILES = List.of("README.md", "sql/README.md");
    static final List<Transactions.Row> ROWS = Transactions.random(8, 6, 7);

    @TempDir
    static Path dir;

    static Path models;
    static Path work;
    static String calciteUrl;
    static String previousModels;
    static LocalPostgres postgres;
    /** one connection per (file, engine), statements in file order */
    static final Map<String, Connection> connections = new HashMap<>();

    @BeforeAll
    static void fixtures() throws Exception {
        models = Files.createDirectories(dir.resolve("models"));
        Path txnLlm = RegistryBundles.write(models.resolve("txn-llm-2"), "txn-llm", "2", 0);
        previousModels = System.setProperty(ModelDirectory.DIR.property(), models.toString());
        Path calcite = Files.createDirectories(dir.resolve("calcite"));
        calciteUrl = CalciteSources.create(calcite, ROWS) + ";schema=bank;registry=bank";
        try (Connection bank = Databases.open("jdbc:h2:" + calcite.resolve("bank"))) {
            transactions(bank);
            registered(bank, txnLlm);
        }
        work = Files.createDirectories(dir.resolve("work"));
        Files.createDirectories(work.resolve("connectors/target"));
        Files.createSymbolicLink(work.resolve("connectors/target/llm4es.jar"), JAR);
        Files.createDirectories(work.resolve("examples"));
        Files.createSymbolicLink(work.resolve("examples/config"), ROOT.resolve("examples/config"));
        Files.createSymbolicLink(work.resolve("models"), models);
        try (Connection bank = Databases.open("jdbc:h2:" + work.resolve("bank"))) {
            tables(bank);
        }
        try (Connection bank = Databases.open("jdbc:h2:" + work.resolve("data/bank"))) {
            tables(bank);
            registered(bank, txnLlm);
        }
    }

    @AfterAll
    static void close() throws Exception {
        for (Connection c : connections.values()) {
            c.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        if (previousModels == null) {
            System.clearProperty(ModelDirectory.DIR.property());
        } else {
            System.setProperty(ModelDirectory.DIR.property(), previousModels);
        }
    }

    /** tx (u, ts, ev) and transactions (user_id, ts, type, mcc, amount): the same rows. */
    static void tables(Connection c) throws SQLException {
        Transactions.create(c, ROWS);
        transactions(c);
    }

    static void transactions(Connection c) throws SQLException {
        ObjectMapper json = new ObjectMapper();
        try (Statement st = c.createStatement()) {
            st.execute("CREATE TABLE transactions (user_id INTEGER, ts TIMESTAMP, type VARCHAR(1), mcc VARCHAR(4), "
                    + "amount DECIMAL(12, 2))");
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO transactions VALUES (?, ?, ?, ?, ?)")) {
            for (Transactions.Row r : ROWS) {
                if (r.event() == null || r.ts() == null) {
                    continue;
                }
                JsonNode e = json.readTree(r.event());
                ps.setInt(1, r.user());
                ps.setObject(2, r.ts());
                ps.setString(3, e.get("type").asText());
                ps.setString(4, e.get("mcc").asText());
                ps.setBigDecimal(5, e.get("amount").decimalValue());
                ps.executeUpdate();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void registered(Connection h2, Path bundle) throws SQLException {
        try (Statement st = h2.createStatement()) {
            st.execute("CALL register_model('txn-llm', '" + bundle + "')");
            st.execute("CALL set_alias('txn-llm', 'prod', '2')");
        }
    }

    static Connection connection(String file, String engine) throws SQLException {
        String key = file + "/" + engine;
        Connection c = connections.get(key);
        if (c != null) {
            return c;
        }
        switch (engine) {
            case "h2" -> {
                c = Databases.open("jdbc:h2:mem:docs-" + connections.size());
                tables(c);
            }
            case "duckdb" -> {
                c = Databases.open("jdbc:duckdb:");
                tables(c);
                Llm4esDuckDB.registerModel(
                        c, "txn-llm", models.resolve("txn-llm-2").toString());
                Llm4esDuckDB.setAlias(c, "txn-llm", "prod", "2");
            }
            case "calcite" -> c = DriverManager.getConnection(calciteUrl);
            default -> throw new IllegalArgumentException("unknown engine '" + engine + "' in a run: marker");
        }
        connections.put(key, c);
        return c;
    }

    static List<MarkdownExamples.Example> examples() throws IOException {
        List<MarkdownExamples.Example> out = new ArrayList<>();
        for (String f : FILES) {
            out.addAll(MarkdownExamples.of(ROOT.resolve(f), f));
        }
        return out;
    }

    @Test
    void everyExampleSaysWhetherAndWhereItRuns() throws IOException {
        List<String> unmarked = examples().stream()
                .filter(e -> e.marker() == null)
                .map(Object::toString)
                .toList();
        assertEquals(List.of(), unmarked, "blocks without <!-- run: ... --> or <!-- skip: why --> above them");
    }

    @TestFactory
    Stream<DynamicTest> everyMarkedExampleRunsAsWritten() throws IOException {
        assumeTrue(
                Files.isRegularFile(JAR) || System.getenv("LLM4ES_REQUIRE_JAR") != null,
                JAR + " is not built yet (mvn package builds it and runs this test)");
        List<DynamicTest> tests = new ArrayList<>();
        for (MarkdownExamples.Example e : examples()) {
            if (!"run".equals(e.marker())) {
                continue;
            }
            for (String target : e.targets()) {
                tests.add(DynamicTest.dynamicTest(e.file() + ":" + e.line() + " " + target, () -> run(e, target)));
            }
        }
        return tests.stream();
    }

    static void run(MarkdownExamples.Example e, String target) throws Exception {
        switch (target) {
            case "shell" -> process(e, List.of("bash", "-euo", "pipefail", "-c", e.text()));
            case "python" -> {
                String python = System.getenv()
                        .getOrDefault(
                                "LLM4ES_PYTHON",
                                ROOT.resolve("model-training/.venv/bin/python").toString());
                // mvn verify makes the venv first (the root pom runs install.sh), so there it must exist
                String missing = python + " is missing: bash model-training/install.sh";
                if (System.getenv("LLM4ES_REQUIRE_JAR") != null) {
                    assertTrue(Files.isExecutable(Path.of(python)), missing);
                } else {
                    assumeTrue(Files.isExecutable(Path.of(python)), missing);
                }
                Path script = Files.writeString(work.resolve("example-" + e.line() + ".py"), e.text());
                process(e, List.of(python, script.toString()));
            }
            default -> {
                Connection c = connection(e.file(), target);
                for (String sql : MarkdownExamples.statements(e.text())) {
                    try (Statement st = c.createStatement()) {
                        if (st.execute(sql)) {
                            try (ResultSet rs = st.getResultSet()) {
                                while (rs.next()) {
                                    rs.getObject(rs.getMetaData().getColumnCount());
                                }
                            }
                        }
                    } catch (SQLException x) {
                        throw new AssertionError(e + " in " + target + ": " + sql + "\n→ " + x.getMessage(), x);
                    }
                }
            }
        }
    }

    static void process(MarkdownExamples.Example e, List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        if (e.text().contains("PG_URL")) {
            if (postgres == null) {
                postgres = LocalPostgres.start();
            }
            pb.environment().put("PG_URL", postgres.url());
        }
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), e + " did not finish");
        assertEquals(0, p.exitValue(), e + "\n" + new String(out, StandardCharsets.UTF_8));
    }
}
