package io.llm4es.connectors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.llm4es.sql.Transactions;
import io.llm4es.sql.calcite.CalciteSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver jar alone, as DBeaver loads it: a separate JVM with only connectors/target/llm4es.jar on
 * its class path finds the driver through DriverManager and runs an embedding query. Runs in
 * the package phase, after the jar is built (see connectors/pom.xml).
 */
class DriverJarIT {
    static final Path JAR = Path.of("target", "llm4es.jar");
    static final String PROBE = """
            import java.sql.*;

            public class Probe {
                public static void main(String[] args) throws Exception {
                    try (Connection c = DriverManager.getConnection(args[0]);
                         Statement st = c.createStatement();
                         ResultSet rs = st.executeQuery("SELECT COUNT(*), MIN(vector_dims(e)) FROM "
                                 + "(SELECT u, user_embedding(ev) WITHIN GROUP (ORDER BY ts) AS e FROM files.tx GROUP BY u)")) {
                        rs.next();
                        System.out.println(c.getMetaData().getDriverName() + "|" + rs.getInt(1) + "|" + rs.getInt(2));
                    }
                }
            }
            """;

    @Test
    void onlyTheJarOnTheClassPathRunsAnEmbeddingQuery(@TempDir Path dir) throws Exception {
        boolean built = Files.isRegularFile(JAR);
        // mvn package runs this test right after the shade plugin, with LLM4ES_REQUIRE_JAR=1
        assertTrue(built || System.getenv("LLM4ES_REQUIRE_JAR") == null, JAR.toAbsolutePath() + " is missing");
        assumeTrue(built, JAR.toAbsolutePath() + " is not built yet (mvn package builds it and runs this test)");
        String url = CalciteSources.create(dir, Transactions.random(5, 6, 3));
        Path probe = Files.writeString(dir.resolve("Probe.java"), PROBE);
        // the single-file source launcher: the probe is compiled against the jar and nothing else
        Process p = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        JAR.toAbsolutePath().toString(),
                        probe.toString(),
                        url)
                .redirectErrorStream(true)
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM did not finish");
        List<String> lines = output(p);
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        assertEquals("llm4es JDBC driver (Apache Calcite)|5|64", lines.get(lines.size() - 1), String.join("\n", lines));
    }

    private static List<String> output(Process p) throws IOException {
        return List.of(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .strip()
                .split("\n"));
    }
}
