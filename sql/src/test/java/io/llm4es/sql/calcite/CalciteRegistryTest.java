package io.llm4es.sql.calcite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.sql.TinyBundles;
import io.llm4es.sql.Transactions;
import io.llm4es.sql.h2.Llm4esH2;
import io.llm4es.sql.registry.RegistryBundles;
import io.llm4es.udf.model.ModelDirectory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jdbc:llm4es: with registry=NAME: references resolve through that source's llm4es tables, once per statement; truncation warns. */
class CalciteRegistryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Connection source;
    static String url;
    static String previousModelsDir;

    @BeforeAll
    static void registry() throws Exception {
        Path models = dir.resolve("models");
        TinyBundles.create(models);
        previousModelsDir = System.getProperty(ModelDirectory.DIR.property());
        System.setProperty(ModelDirectory.DIR.property(), models.toString());
        Path v1 = RegistryBundles.write(dir.resolve("reg-v1"), "reg", "1", 0);
        Path v2 = RegistryBundles.write(dir.resolve("reg-v2"), "reg", "2", 0);
        String h2 = "jdbc:h2:" + dir.resolve("bank");
        source = DriverManager.getConnection(h2);
        Llm4esH2.register(source);
        List<Transactions.Row> rows = new ArrayList<>();
        LocalDateTime t0 = LocalDateTime.of(2024, 3, 1, 9, 0);
        for (int i = 0; i < 6; i++) {
            LocalDateTime ts = t0.plusHours(7L * i);
            String ev = Transactions.event(
                    ts, "D", new String[] {"5411", "5812", "5541", "6011", "4900", "7832"}[i], (10 + i) + ".50");
            rows.add(new Transactions.Row(1, ts, ev));
            rows.add(new Transactions.Row(2, ts, ev));
        }
        rows.add(new Transactions.Row(3, t0, Transactions.event(t0, "D", "5411", "3.20")));
        Transactions.create(source, rows);
        try (Statement st = source.createStatement()) {
            st.execute("CALL register_model('reg', '" + v1 + "')");
            st.execute("CALL register_model('reg', '" + v2 + "')");
            st.execute("CALL set_alias('reg', 'prod', '1')");
        }
        url = Llm4esDriver.PREFIX + "schema.bank='" + h2 + ";IFEXISTS=TRUE';registry=bank";
    }

    @AfterAll
    static void close() throws SQLException {
        source.close();
        if (previousModelsDir == null) {
            System.clearProperty(ModelDirectory.DIR.property());
        } else {
            System.setProperty(ModelDirectory.DIR.property(), previousModelsDir);
        }
    }

    @Test
    void referencesResolveThroughTheNamedSourcesRegistry() throws Exception {
        try (Connection c = DriverManager.getConnection(url)) {
            assertEquals(List.of("reg:1"), versions(c, "reg@prod"));
            assertEquals(List.of("reg:1"), versions(c, "reg:1"));
            assertEquals(List.of("reg:2"), versions(c, "reg"), "a bare name is the newest registration");
            assertEquals("42704", state(c, "SELECT user_embedding(ev, ts, 'reg@nope') FROM bank.tx GROUP BY u"));
            assertEquals("42704", state(c, "SELECT user_embedding(ev, ts, 'reg:9') FROM bank.tx GROUP BY u"));
            assertEquals(1, versions(c, "stories260k").size(), "unregistered names: the models directory");
        }
        try (Connection c = DriverManager.getConnection(url.replace(";registry=bank", ""))) {
            assertEquals(
                    "42704",
                    state(c, "SELECT user_embedding(ev, ts, 'reg@prod') FROM bank.tx GROUP BY u"),
                    "without registry= there is no alias to resolve");
        }
    }

    /** Each execution resolves anew: a prepared statement run again after the alias moved sees the move. */
    @Test
    void aliasesResolveOncePerExecution() throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT u, user_embedding_result(ev, ts, 'reg@prod') FROM bank.tx GROUP BY u")) {
            assertEquals(List.of("reg:1"), distinctVersions(ps.executeQuery()));
            try (Statement st = source.createStatement()) {
                st.execute("CALL set_alias('reg', 'prod', '2')");
            }
            try {
                assertEquals(List.of("reg:2"), distinctVersions(ps.executeQuery()));
            } finally {
                try (Statement st = source.createStatement()) {
                    st.execute("CALL set_alias('reg', 'prod', '1')");
                }
            }
        }
    }

    @Test
    void registryMustNameAJdbcSchema() {
        SQLException e = assertThrows(
                SQLException.class, () -> DriverManager.getConnection(url.replace("registry=bank", "registry=nope")));
        assertEquals("22023", e.getSQLState());
    }

    @Test
    void truncationIsAJdbcWarning() throws Exception {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            int dropped = 0;
            try (ResultSet rs = st.executeQuery(
                    "SELECT u, user_embedding_result(ev, ts, '" + TinyBundles.DROP + "') FROM bank.tx GROUP BY u")) {
                while (rs.next()) {
                    dropped +=
                            JSON.readTree(rs.getString(2)).get("dropped_events").asInt();
                }
            }
            assertTrue(dropped > 0);
            try (ResultSet rs = st.executeQuery(
                    "SELECT u, user_embedding(ev, ts, '" + TinyBundles.DROP + "') FROM bank.tx GROUP BY u")) {
                while (rs.next()) {
                    assertNotNull(rs.getObject(2));
                }
                SQLWarning w = st.getWarnings();
                assertNotNull(w);
                assertEquals("01004", w.getSQLState());
                assertTrue(
                        w.getMessage()
                                .contains("model " + TinyBundles.DROP + ":1 truncated the histories of 2 user(s)"),
                        w.getMessage());
                assertTrue(w.getMessage().contains("dropping " + dropped + " oldest event(s)"), w.getMessage());
                assertNotNull(rs.getWarnings());
            }
            try (ResultSet rs = st.executeQuery("SELECT u, user_embedding(ev, ts) FROM bank.tx GROUP BY u")) {
                while (rs.next()) {
                    rs.getObject(2);
                }
                assertNull(st.getWarnings());
            }
        }
    }

    private static List<String> versions(Connection c, String ref) throws Exception {
        try (Statement st = c.createStatement()) {
            return distinctVersions(
                    st.executeQuery("SELECT u, user_embedding_result(ev, ts, '" + ref + "') FROM bank.tx GROUP BY u"));
        }
    }

    private static List<String> distinctVersions(ResultSet rs) throws Exception {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                JsonNode r = JSON.readTree(rs.getString(2));
                assertTrue(
                        r.get("status").asText().equals("ok")
                                || r.get("status").asText().equals("truncated"),
                        r.toString());
                String v = r.get("model_version").asText();
                if (!out.contains(v)) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    private static String state(Connection c, String sql) {
        return assertThrows(
                        SQLException.class,
                        () -> {
                            try (Statement st = c.createStatement();
                                    ResultSet rs = st.executeQuery(sql)) {
                                while (rs.next()) {
                                    rs.getObject(1);
                                }
                            }
                        },
                        sql)
                .getSQLState();
    }
}
