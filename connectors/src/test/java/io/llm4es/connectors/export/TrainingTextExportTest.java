package io.llm4es.connectors.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.connectors.Databases;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.serialize.SerializerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTextExportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = "JSON_OBJECT('date': d, 'type': typ, 'mcc': mcc, 'amount': amount)";
    static final String SOURCE = "SELECT u, " + EVENT + ", d FROM tx";

    @TempDir
    Path tmp;

    Connection conn;

    @BeforeEach
    void open() throws SQLException {
        conn = Databases.open("jdbc:h2:mem:export" + System.nanoTime());
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE tx(u INT, d DATE, typ VARCHAR, mcc INT, amount DECIMAL(12,2))");
            st.execute(
                    "INSERT INTO tx VALUES (2, DATE '2024-01-05', 'D', 5411, 3), (1, DATE '2024-01-02', 'D', 5812, 12.5),"
                            + " (1, DATE '2024-01-01', 'C', 6012, 1000), (3, NULL, 'D', 5411, 1), (10, DATE '2024-02-01', 'D', 4900, 80)");
        }
    }

    @AfterEach
    void close() throws SQLException {
        conn.close();
    }

    List<JsonNode> read(Path p) throws Exception {
        return Files.readAllLines(p).stream()
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
    void exportedTextIsWhatServeEventsShowsTheModel() throws Exception {
        Path out = tmp.resolve("corpus.jsonl");
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("CALL export_training_text('" + SOURCE.replace("'", "''") + "', '" + out
                        + "', 'stories260k')")) {
            rs.next();
            assertEquals(3, rs.getLong(1), "user 3 has only NULL keys and gets no line");
        }
        Map<String, String> served = new HashMap<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT u, serialize_events(" + EVENT + ", d, 'stories260k') FROM tx GROUP BY u")) {
            while (rs.next()) {
                served.put(rs.getString(1), rs.getString(2));
            }
        }
        List<JsonNode> rows = read(out);
        assertEquals(
                List.of("1", "2", "10"),
                rows.stream().map(r -> r.get("user_id").asText()).toList());
        for (JsonNode row : rows) {
            assertEquals(
                    served.get(row.get("user_id").asText()), row.get("text").asText());
        }
        assertEquals(2, rows.get(0).get("events").asInt());
        assertTrue(rows.get(0).get("user_id").isNumber());
        SerializerConfig sidecar =
                SerializerConfig.parse(Files.readString(tmp.resolve("corpus.jsonl.serializer.json")));
        assertEquals("merchant category", sidecar.field("mcc").label());
    }

    @Test
    void aSerializerGivenInlineIsUsedAsIs() throws Exception {
        Path out = tmp.resolve("c.jsonl");
        TrainingTextExport.export(
                conn,
                "SELECT u, JSON_OBJECT('amount': amount), d FROM tx",
                out,
                TrainingTextExport.resolveSerializer(
                        "{\"fields\": [{\"name\": \"amount\", \"role\": \"number\", \"format\": \"0\"}]}"));
        assertEquals("amount\n1000\n13", read(out).get(0).get("text").asText());
    }

    @Test
    void aFailedExportLeavesNothingBehind() throws Exception {
        Path out = tmp.resolve("bad.jsonl");
        SerializerConfig config = TrainingTextExport.resolveSerializer("stories260k");
        SQLException wrongShape =
                assertThrows(SQLException.class, () -> H2ProceduresCall.export(conn, "SELECT u, d FROM tx", out));
        assertEquals("22023", wrongShape.getSQLState());
        assertThrows(
                io.llm4es.udf.error.Llm4esException.class,
                () -> TrainingTextExport.export(conn, "SELECT u, JSON_OBJECT('balance': 1), d FROM tx", out, config));
        assertThrows(SQLException.class, () -> TrainingTextExport.export(conn, "SELECT nope FROM tx", out, config));
        try (var files = Files.list(tmp)) {
            assertFalse(files.findAny().isPresent(), "no partial corpus may remain");
        }
    }

    /** Through the SQL procedure, as an analyst calls it. */
    static final class H2ProceduresCall {
        static void export(Connection conn, String sql, Path out) throws SQLException {
            try (Statement st = conn.createStatement()) {
                st.execute("CALL export_training_text('" + sql.replace("'", "''") + "', '" + out + "', 'stories260k')");
            }
        }
    }

    static SerializerConfig gaps(String truncation) {
        return SerializerConfig.parse("{\"format_version\": 1, \"fields\": ["
                + "{\"name\": \"date\", \"role\": \"time\", \"format\": \"yyyy-MM-dd\", \"since_previous\": true},"
                + "{\"name\": \"type\", \"role\": \"category\"}, {\"name\": \"mcc\", \"role\": \"category\"},"
                + "{\"name\": \"amount\", \"role\": \"number\"}], \"truncation\": \"" + truncation + "\"}");
    }

    @Test
    void aBudgetCutsAsTheRuntimeDoesAndLeavesOutWhatCannotFit() throws Exception {
        Path out = tmp.resolve("cut.jsonl");
        // one token per character: user 1's two events need more than 80, its newest alone (63) fits
        TextBudget budget = new TextBudget(text -> text.chars().toArray(), 80);
        long users = TrainingTextExport.export(conn, SOURCE, out, gaps("drop_oldest"), budget);
        List<JsonNode> rows = read(out);
        assertEquals(3, users);
        assertEquals(3, rows.size());
        JsonNode one = rows.get(0);
        assertEquals(1, one.get("user_id").asInt());
        String[] lines = one.get("text").asText().split("\n");
        assertEquals(2, lines.length);
        assertEquals("date|since previous|type|mcc|amount", lines[0]);
        assertTrue(lines[1].startsWith("2024-01-02, , D, 5812, "), "the first kept event shows no gap: " + lines[1]);
        assertEquals(1, one.get("events").asInt());
        assertEquals(1, one.get("dropped_events").asInt());
        assertEquals(80, one.get("token_budget").asInt());
        assertEquals(1, one.get("facts").size(), "facts of the kept events only");

        TextBudget tight = new TextBudget(text -> text.chars().toArray(), 20);
        assertEquals(0, TrainingTextExport.export(conn, SOURCE, tmp.resolve("none.jsonl"), gaps("drop_oldest"), tight));
        assertEquals(3, tight.usersLeftOut(), "the header alone needs 35 tokens: no user fits, each is counted");

        Llm4esException refused = assertThrows(
                Llm4esException.class,
                () -> TrainingTextExport.export(conn, SOURCE, tmp.resolve("error.jsonl"), gaps("error"), budget));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, refused.state());
        assertFalse(Files.exists(tmp.resolve("error.jsonl")));
    }
}
