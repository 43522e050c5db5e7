package io.llm4es.connectors.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.connectors.Databases;
import io.llm4es.udf.serialize.CorpusMix;
import io.llm4es.udf.serialize.SerializerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mixed renderings in the corpus, the preview, and serialize_events' options argument. */
class CorpusRenderingsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = "JSON_OBJECT('date': d, 'type': typ, 'mcc': mcc, 'amount': amount)";
    static final String SOURCE = "SELECT u, " + EVENT + ", d FROM tx";

    @TempDir
    Path tmp;

    Connection conn;

    @BeforeEach
    void open() throws SQLException {
        conn = Databases.open("jdbc:h2:mem:renderings" + System.nanoTime());
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
            st.execute("INSERT INTO tx SELECT x % 40, DATEADD(DAY, x, DATE '2024-01-01'), 'D', "
                    + "CASE WHEN x % 7 = 0 THEN 1234 ELSE 5411 END, x * 1.5 FROM SYSTEM_RANGE(1, 200)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    List<JsonNode> export(Path out, SerializerConfig config) throws Exception {
        TrainingTextExport.export(conn, SOURCE, out, config);
        return Files.readAllLines(out).stream()
                .map(l -> {
                    try {
                        return JSON.readTree(l);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }

    @Test
    void aMixedCorpusGivesEachUserTheSameRenderingEveryTimeAndRecordsTheMix() throws Exception {
        SerializerConfig config = TrainingTextExport.resolveSerializer("stories260k")
                .withCorpusMix(CorpusMix.parse("lines:0.5,json:0.25,yaml:0.25", 42));
        List<JsonNode> first = export(tmp.resolve("a.jsonl"), config);
        List<JsonNode> again = export(tmp.resolve("b.jsonl"), config);
        assertEquals(first, again);
        Set<String> seen = new HashSet<>();
        for (JsonNode row : first) {
            String rendering = row.get("rendering").asText();
            seen.add(rendering);
            assertEquals(config.corpusMix().renderingFor(row.get("user_id").asText()), rendering);
            if (rendering.equals("json")) {
                assertEquals(
                        row.get("events").asInt(),
                        JSON.readTree(row.get("text").asText()).size());
            }
            // every event's date and amount is in the text, whatever the rendering
            for (JsonNode facts : row.get("facts")) {
                facts.forEach(f -> assertTrue(row.get("text").asText().contains(f.asText()), f.asText()));
            }
            assertEquals(row.get("events").asInt(), row.get("facts").size());
            assertEquals(
                    row.get("text").asText().split("1234 \\(unknown\\)", -1).length - 1,
                    row.get("unknown_codes").asInt());
        }
        assertEquals(Set.of("lines", "json", "yaml"), seen);
        SerializerConfig recorded = SerializerConfig.parse(Files.readString(tmp.resolve("a.jsonl.serializer.json")));
        assertEquals(0.25, recorded.corpusMix().shares().get("yaml"));
        assertEquals(42, recorded.corpusMix().seed());
        assertEquals("lines", recorded.rendering(), "inference keeps its one rendering");
    }

    @Test
    void previewShowsTheFirstUsersInTheAskedRendering() throws Exception {
        StringBuilder out = new StringBuilder();
        int shown = TextPreview.write(
                conn, SOURCE, TrainingTextExport.resolveSerializer("stories260k"), 2, "markdown", out);
        assertEquals(2, shown);
        String text = out.toString();
        assertTrue(text.startsWith("== user 0 (5 events, rendering markdown) ==\n| date | type |"), text);
        assertTrue(text.contains("== user 1 (5 events, rendering markdown, 1 unknown codes) =="), text);
        assertTrue(!text.contains("== user 2 "), text);
    }

    @Test
    void serializeEventsShowsAnyRenderingThroughItsOptionsArgument() throws Exception {
        try (Statement st = conn.createStatement()) {
            ResultSet rs = st.executeQuery(
                    "SELECT serialize_events(" + EVENT + ", d, 'stories260k', '{\"rendering\": \"html\"}'), "
                            + "serialize_events(" + EVENT + ", d, 'stories260k') FROM tx WHERE u = 3");
            rs.next();
            assertTrue(rs.getString(1).startsWith("<table>\n<tr><th>date</th>"), rs.getString(1));
            assertTrue(rs.getString(2).startsWith("date|type|merchant category|amount\n"), rs.getString(2));
            for (String bad : new String[] {"'{\"rendering\": \"toml\"}'", "'{\"render\": \"yaml\"}'", "'yaml'"}) {
                SQLException e = org.junit.jupiter.api.Assertions.assertThrows(
                        SQLException.class,
                        () -> st.executeQuery(
                                "SELECT serialize_events(" + EVENT + ", d, 'stories260k', " + bad + ") FROM tx"));
                assertEquals("22023", e.getSQLState(), bad);
            }
            SQLException five = org.junit.jupiter.api.Assertions.assertThrows(
                    SQLException.class,
                    () -> st.executeQuery("SELECT serialize_events(" + EVENT + ", d, 'stories260k', '{}', 1) FROM tx"));
            assertEquals("22023", five.getSQLState());
        }
    }
}
