package io.llm4es.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.llm4es.sql.calcite.Llm4esDriver;
import io.llm4es.sql.duckdb.Llm4esDuckDB;
import io.llm4es.udf.model.ModelDirectory;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus: one table of cases ({@code bad-inputs.tsv}, beside this class) run
 * against H2, DuckDB and the Calcite driver. Each case is a statement and what the contract says
 * it gives: a SQLSTATE whose message names the problem without a stack trace, or a result. One
 * connection per engine and one models directory serve every case, so the corpus stays quick.
 *
 * <p>Columns: kind, expected outcome, a fragment the message must contain ({@code !x}: must not
 * contain; {@code -}: none), SQL. The outcome is a SQLSTATE, {@code ok} (a non-NULL value),
 * {@code null}, or {@code text~x} (the value contains x), optionally followed by per-engine
 * exceptions {@code duckdb=0A000}; {@code n/a} marks a statement an engine does not offer.
 * Placeholders: {@code {big:N}} N letters, {@code {digits:N}}, {@code {deep:N}} nested arrays,
 * {@code {lone}} a lone surrogate, {@code {nul}}, {@code {outside}} the directory beside the models.
 */
class BadInputCorpusTest {
    enum Target {
        H2,
        DUCKDB,
        CALCITE
    }

    record Case(int line, String kind, Map<Target, String> expected, String fragment, String sql) {
        String expect(Target t) {
            return expected.get(t);
        }
    }

    static final Duration LIMIT = Duration.ofSeconds(Long.getLong("llm4es.corpus.limit.s", 30));
    static final Pattern PLACEHOLDER = Pattern.compile("\\{(big|digits|deep):(\\d+)}|\\{(lone|nul|outside)}");
    static final Pattern STACK_TRACE = Pattern.compile("\\bat (io|org|java|jdk|sun)\\.|\\w+(Exception|Error)\\b:|"
            + "public (final |static )?\\w+ \\w+\\(|\\bjava\\.lang\\.");

    @TempDir
    static Path tmp;

    static Path models;
    static Path outside;
    static String previousModelsDir;
    static final Map<Target, Connection> CONNECTIONS = new EnumMap<>(Target.class);
    static final Map<String, Map<Target, Integer>> COUNTS = new ConcurrentHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        models = Files.createDirectories(tmp.resolve("models"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        TinyBundles.create(models);
        BadBundles.create(models, outside);
        previousModelsDir = System.setProperty(ModelDirectory.DIR.property(), models.toString());
        List<Transactions.Row> rows = rows();
        CONNECTIONS.put(Target.H2, Engine.H2.open());
        CONNECTIONS.put(Target.DUCKDB, Engine.DUCKDB.open());
        String h2 = "jdbc:h2:" + tmp.resolve("bank");
        try (Connection c = DriverManager.getConnection(h2)) {
            Transactions.create(c, rows);
        }
        CONNECTIONS.put(
                Target.CALCITE,
                DriverManager.getConnection(
                        Llm4esDriver.PREFIX + "schema.bank='" + h2 + ";IFEXISTS=TRUE';schema=bank"));
        Transactions.create(CONNECTIONS.get(Target.H2), rows);
        Transactions.create(CONNECTIONS.get(Target.DUCKDB), rows);
    }

    /** user 1: three events; user 2: one. */
    static List<Transactions.Row> rows() {
        LocalDateTime t0 = LocalDateTime.of(2024, 3, 1, 9, 0);
        List<Transactions.Row> rows = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LocalDateTime ts = t0.plusDays(i);
            rows.add(new Transactions.Row(1, ts, Transactions.event(ts, "D", Transactions.MCC[i], (10 + i) + ".50")));
        }
        rows.add(new Transactions.Row(2, t0, Transactions.event(t0, "C", "6011", "100")));
        return rows;
    }

    @AfterAll
    static void tearDown() throws SQLException {
        for (Connection c : CONNECTIONS.values()) {
            c.close();
        }
        if (previousModelsDir == null) {
            System.clearProperty(ModelDirectory.DIR.property());
        } else {
            System.setProperty(ModelDirectory.DIR.property(), previousModelsDir);
        }
        Map<String, Map<Target, Integer>> sorted = new TreeMap<>(COUNTS);
        StringBuilder sb = new StringBuilder("bad-input corpus, cases run per kind (H2 / DuckDB / Calcite):\n");
        int[] total = new int[3];
        sorted.forEach((kind, m) -> {
            sb.append(String.format(
                    Locale.ROOT,
                    "  %-12s %3d / %3d / %3d%n",
                    kind,
                    m.getOrDefault(Target.H2, 0),
                    m.getOrDefault(Target.DUCKDB, 0),
                    m.getOrDefault(Target.CALCITE, 0)));
            for (Target t : Target.values()) {
                total[t.ordinal()] += m.getOrDefault(t, 0);
            }
        });
        sb.append(String.format(Locale.ROOT, "  %-12s %3d / %3d / %3d%n", "total", total[0], total[1], total[2]));
        System.out.print(sb);
    }

    static List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                BadInputCorpusTest.class.getResourceAsStream("bad-inputs.tsv"), StandardCharsets.UTF_8))) {
            int n = 0;
            for (String line; (line = r.readLine()) != null; ) {
                n++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] cols = line.split("\t", 4);
                if (cols.length != 4) {
                    throw new IllegalStateException("bad-inputs.tsv line " + n + ": 4 tab-separated columns needed");
                }
                out.add(new Case(n, cols[0], expectations(cols[1]), cols[2], cols[3]));
            }
        }
        return out;
    }

    static Map<Target, String> expectations(String column) {
        String[] parts = column.trim().split("\\s+");
        Map<Target, String> out = new EnumMap<>(Target.class);
        for (Target t : Target.values()) {
            out.put(t, parts[0]);
        }
        for (int i = 1; i < parts.length; i++) {
            String[] kv = parts[i].split("=", 2);
            out.put(Target.valueOf(kv[0].toUpperCase(Locale.ROOT)), kv[1]);
        }
        return out;
    }

    @Test
    void theCorpusHasTwoHundredDistinctInputs() throws IOException {
        List<Case> cases = cases();
        assertEquals(cases.size(), cases.stream().map(Case::sql).distinct().count(), "every case is distinct");
        assertTrue(cases.size() >= 200, cases.size() + " cases");
    }

    /** A lone surrogate reaches each engine differently (UTF-16 in H2 and Calcite, UTF-8 in DuckDB): one vector. */
    @Test
    void aLoneSurrogateGivesOneVectorInEveryEngine() throws SQLException {
        for (String event :
                new String[] {"{\"type\":\"\uD800\"}", "{\"type\":\"\\ud800\"}", "{\"type\":\"x\uDC00\"}"}) {
            String sql = "SELECT user_embedding('" + event + "', ts) FROM tx WHERE u = 1";
            Map<Target, float[]> vectors = new EnumMap<>(Target.class);
            for (Target t : Target.values()) {
                @SuppressWarnings("unchecked")
                List<Object> v = (List<Object>) execute(t, sql);
                float[] f = new float[v.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = ((Number) v.get(i)).floatValue();
                }
                vectors.put(t, f);
            }
            for (Target t : Target.values()) {
                EngineContractTest.assertSameEmbedding(vectors.get(Target.H2), vectors.get(t));
            }
        }
    }

    @TestFactory
    Stream<DynamicNode> everyCaseInEveryEngine() throws IOException {
        List<Case> cases = cases();
        List<DynamicNode> engines = new ArrayList<>();
        for (Target t : Target.values()) {
            List<DynamicTest> tests = new ArrayList<>();
            for (Case c : cases) {
                if (c.expect(t).equals("n/a")
                        || !System.getProperty("llm4es.corpus.engines", "H2,DUCKDB,CALCITE")
                                .contains(t.name())) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(c.line() + " " + c.kind() + ": " + abbreviate(c.sql()), () -> {
                    COUNTS.computeIfAbsent(c.kind(), k -> new ConcurrentHashMap<>())
                            .merge(t, 1, Integer::sum);
                    assertTimeoutPreemptively(LIMIT, () -> run(t, c), "line " + c.line() + " ran past " + LIMIT);
                }));
            }
            engines.add(DynamicContainer.dynamicContainer(t.name(), tests));
        }
        return engines.stream();
    }

    static void run(Target t, Case c) throws SQLException {
        String sql = expand(c.sql());
        String expected = c.expect(t);
        String where = "line " + c.line() + " [" + t + "] " + abbreviate(c.sql());
        Object value;
        try {
            value = execute(t, sql);
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            if (!expected.matches("[0-9A-Z]{5}")) {
                fail(where + ": expected " + expected + ", got " + e.getSQLState() + ": " + abbreviate(message));
            }
            assertEquals(expected, e.getSQLState(), where + ": " + abbreviate(message));
            // a fragment names the problem as the contract's engines report it; an engine's own
            // exception (0A000: not in this engine) names the portable form instead
            String fragment = expected.equals(c.expect(Target.H2))
                    ? c.fragment()
                    : expected.equals("0A000") ? "(event, order_key" : "-";
            checkMessage(where, fragment, message, sql);
            return;
        }
        if (expected.matches("[0-9A-Z]{5}")) {
            fail(where + ": expected SQLSTATE " + expected + ", got a result: " + abbreviate(String.valueOf(value)));
        } else if (expected.equals("ok")) {
            assertNotNull(value, where);
        } else if (expected.equals("null")) {
            assertNull(value, where);
        } else if (expected.startsWith("text~")) {
            assertNotNull(value, where);
            assertTrue(
                    String.valueOf(value).contains(expected.substring(5)),
                    where + ": " + abbreviate(String.valueOf(value)));
        } else {
            fail(where + ": unknown expectation " + expected);
        }
    }

    /** The first column of the first row (the statement must give one), or the registered version. */
    static Object execute(Target t, String sql) throws SQLException {
        Connection conn = CONNECTIONS.get(t);
        if (t == Target.DUCKDB && sql.startsWith("CALL register_model(")) {
            // DuckDB offers registration as Java (a UDF cannot write to its own database)
            List<String> args = literals(sql);
            return Llm4esDuckDB.registerModel(conn, args.get(0), args.get(1));
        }
        try (Statement st = conn.createStatement()) {
            boolean rows = st.execute(sql);
            if (!rows) {
                return "done";
            }
            try (ResultSet rs = st.getResultSet()) {
                assertTrue(rs.next(), "no row: " + abbreviate(sql));
                Object v = rs.getObject(1);
                if (v instanceof java.sql.Array a) {
                    v = a.getArray();
                }
                return v == null ? null : v instanceof Object[] arr ? List.of(arr) : rs.getString(1);
            }
        }
    }

    static List<String> literals(String sql) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("'((?:[^']|'')*)'").matcher(sql);
        while (m.find()) {
            out.add(m.group(1).replace("''", "'"));
        }
        return out;
    }

    static void checkMessage(String where, String expectedFragment, String message, String sql) {
        // H2 appends the statement; what matters is what llm4es and the engine say about it
        String said = message;
        int echo = said.indexOf("; SQL statement:");
        if (echo >= 0) {
            said = said.substring(0, echo);
        }
        said = said.replace(sql, "<sql>");
        assertTrue(
                said.length() < 1500, where + ": a message of " + said.length() + " characters: " + abbreviate(said));
        assertFalse(
                STACK_TRACE.matcher(said).find(), where + ": a stack trace or class name in: " + abbreviate(said, 600));
        String fragment = expand(expectedFragment);
        if (fragment.startsWith("!")) {
            assertFalse(
                    said.contains(fragment.substring(1)), where + ": reveals " + fragment.substring(1) + ": " + said);
        } else if (!fragment.equals("-")) {
            assertTrue(
                    said.toLowerCase(Locale.ROOT).contains(fragment.toLowerCase(Locale.ROOT)),
                    where + ": the message does not name '" + fragment + "': " + abbreviate(said, 600));
        }
    }

    static String expand(String text) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String r;
            if (m.group(1) != null) {
                int n = Integer.parseInt(m.group(2));
                r = switch (m.group(1)) {
                    case "big" -> "a".repeat(n);
                    case "digits" -> "1".repeat(n);
                    default -> "[".repeat(n) + "]".repeat(n);
                };
            } else {
                r = switch (m.group(3)) {
                    case "lone" -> "\uD800";
                    case "nul" -> "\u0000";
                    default -> outside.toString();
                };
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(r));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static String abbreviate(String s) {
        return abbreviate(s, 160);
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
