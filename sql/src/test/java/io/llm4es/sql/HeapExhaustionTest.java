package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.sql.calcite.Llm4esDriver;
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
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One user with a million events, in a JVM with a small heap. Where the group must hold every
 * event (DuckDB, which hands the UDF the whole list; serialize_events everywhere) the statement fails with 53200 and the JVM lives to answer the next one; where it need not
 * (user_embedding in H2 and Calcite lets go of events the budget can never keep) it embeds. The
 * statement runs in a child JVM ({@link #main}) so that this one keeps its heap.
 */
class HeapExhaustionTest {
    static final int EVENTS = 1_000_000;
    static final String HEAP = "-Xmx96m";

    @TempDir
    Path tmp;

    @ParameterizedTest
    // serialize_events keeps every event (its text has no token budget); DuckDB hands the UDF the whole list
    @ValueSource(
            strings = {
                "DUCKDB user_embedding",
                "H2 serialize_events",
                "CALCITE serialize_events",
                "DUCKDB serialize_events"
            })
    void aMillionEventsHeldInASmallHeapAre53200AndTheJvmLives(String run) throws Exception {
        String text = child(run.split(" ")[0], run.split(" ")[1]);
        assertTrue(text.contains("state 53200"), text);
        assertTrue(text.contains("alive 64"), text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"H2", "CALCITE"})
    void aMillionEventsEmbedInASmallHeapWhereTheBudgetLetsThemGo(String engine) throws Exception {
        String text = child(engine, "user_embedding");
        assertTrue(text.contains("no error: "), text);
        assertTrue(text.contains("alive 64"), text);
    }

    private String child(String engine, String function) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP,
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                HeapExhaustionTest.class.getName(),
                engine,
                tmp.toString(),
                function));
        if (engine.equals("CALCITE")) {
            // the source table is written here: the child's small heap is for the statement
            try (Connection c = DriverManager.getConnection("jdbc:h2:" + tmp.resolve("bank"));
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE T(k BIGINT, ev VARCHAR) AS SELECT X, '{\"amount\":' || X || '}' "
                        + "FROM SYSTEM_RANGE(1, " + EVENTS + ")");
            }
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try {
            out = p.getInputStream().readAllBytes();
        } finally {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    /** Child: args engine, scratch directory, function. Prints "state S: message", then "alive <dims>" from a new connection. */
    public static void main(String[] args) throws Exception {
        String engine = args[0];
        String f = args[2];
        Connection c = open(engine, Path.of(args[1]));
        try {
            Statement st = c.createStatement();
            String huge = switch (engine) {
                case "H2" -> "SELECT " + f + "('{\"amount\":' || X || '}', X) FROM SYSTEM_RANGE(1, " + EVENTS + ")";
                case "DUCKDB" -> "SELECT " + f + "('{\"amount\":' || i || '}', i) FROM range(" + EVENTS + ") t(i)";
                default -> "SELECT " + f + "(ev, k) FROM bank.T";
            };
            try (ResultSet rs = st.executeQuery(huge)) {
                rs.next();
                Object v = rs.getObject(1);
                String shown = String.valueOf(v instanceof Object[] a ? a.length + " values" : v);
                System.out.println("no error: " + shown.substring(0, Math.min(80, shown.length())));
            } catch (SQLException e) {
                String m = String.valueOf(e.getMessage());
                System.out.println("state " + e.getSQLState() + ": " + m.substring(0, Math.min(300, m.length())));
            }
        } finally {
            try {
                c.close();
            } catch (SQLException e) {
                System.out.println("closing: " + e.getSQLState());
            }
        }
        // the heap ran out for every thread, so an engine may have closed its database; a new one answers
        String small = engine.equals("CALCITE")
                ? "SELECT user_embedding(e, k) FROM (VALUES ('{\"amount\":1}', 1)) AS t(e, k)"
                : "SELECT user_embedding('{\"amount\":1}', 1)";
        try (Connection fresh = engine.equals("CALCITE")
                        ? DriverManager.getConnection(Llm4esDriver.PREFIX)
                        : open(engine, null);
                ResultSet rs = fresh.createStatement().executeQuery(small)) {
            rs.next();
            System.out.println("alive " + Engine.floats(rs, 1).length);
        }
    }

    private static Connection open(String engine, Path dir) throws SQLException {
        return switch (engine) {
            case "H2" -> Engine.H2.open();
            case "DUCKDB" -> Engine.DUCKDB.open();
            default ->
                DriverManager.getConnection(
                        Llm4esDriver.PREFIX + "schema.bank='jdbc:h2:" + dir.resolve("bank") + ";IFEXISTS=TRUE'");
        };
    }
}
