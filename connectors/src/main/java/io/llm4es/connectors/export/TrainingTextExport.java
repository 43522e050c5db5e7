package io.llm4es.connectors.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.model.ModelDirectory;
import io.llm4es.udf.serialize.CorpusMix;
import io.llm4es.udf.serialize.Event;
import io.llm4es.udf.serialize.EventSerializer;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.serialize.SerializerConfig;
import java.io.BufferedWriter;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;

/**
 * {@code export_training_text}: the fine-tuning corpus, one JSON line per user
 * ({@code user_id, text, events, rendering, unknown_codes, facts}), rendered by the same
 * serializer the SQL functions use, so training text and inference text cannot drift. The text
 * is the full history, or with a {@link TextBudget} the newest whole events that fit it, cut by the
 * serializer exactly as at inference (a rendering with gaps or a summary cannot be cut afterwards
 * by dropping lines: its first kept event shows no gap). With a corpus mix in the config each user gets one
 * rendering drawn by share and seed; {@code facts} lists each event's dates and numbers as
 * rendered, which a rewrite must keep. Beside the corpus, {@code <out>.serializer.json} records
 * the exact config used (with its corpus mix).
 */
public final class TrainingTextExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingTextExport() {}

    /** Serializer from inline JSON, a JSON file, or the name of a model whose serializer to use. */
    public static SerializerConfig resolveSerializer(String serializerOrModel) {
        String s =
                Objects.requireNonNull(serializerOrModel, "serializer_or_model").trim();
        if (s.startsWith("{")) {
            return SerializerConfig.parse(s);
        }
        if (s.endsWith(".json")) {
            try {
                return SerializerConfig.parse(Files.readString(Path.of(s)));
            } catch (IOException e) {
                throw Llm4esException.invalid("cannot read serializer config " + s + ": " + e.getMessage());
            }
        }
        return ModelBundle.open(ModelDirectory.fromEnvironment().find(s))
                .manifest()
                .serializer();
    }

    /**
     * Runs {@code sourceSql} (columns: user id, event JSON, order key — by position) and writes the
     * corpus atomically to {@code out}; returns the number of users written.
     */
    public static long export(Connection conn, String sourceSql, Path out, SerializerConfig config)
            throws SQLException {
        return export(conn, sourceSql, out, config, null);
    }

    /**
     * As {@link #export(Connection, String, Path, SerializerConfig)}, each text cut to {@code budget}
     * (null: whole histories). A user whose newest event alone exceeds the budget is left out and
     * counted in {@link TextBudget#usersLeftOut()}, as the trainer leaves out a text it cannot fit.
     */
    public static long export(Connection conn, String sourceSql, Path out, SerializerConfig config, TextBudget budget)
            throws SQLException {
        EventSerializer serializer = new EventSerializer(config);
        CorpusMix mix = config.corpusMix();
        Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".partial");
        long[] users = {0};
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            SourceHistories.read(conn, sourceSql, serializer, "export_training_text", (user, events) -> {
                String id = SourceHistories.idText(user);
                String rendering = mix == null ? config.rendering() : mix.renderingFor(id);
                if (write(w, user, events.oldestFirst(), serializer.withRendering(rendering), budget)) {
                    users[0]++;
                }
                return true;
            });
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot write " + out + ": " + e.getMessage(), e);
        } catch (SQLException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        try {
            Path sidecar = out.toAbsolutePath().resolveSibling(out.getFileName() + ".serializer.json");
            Files.writeString(sidecar, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config.toJson()));
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new Llm4esException(SqlState.SYSTEM_ERROR, "cannot write " + out + ": " + e.getMessage(), e);
        }
        return users[0];
    }

    /** Writes the user's line; false when the budget leaves the user out. */
    private static boolean write(
            BufferedWriter w, Object user, List<Event> history, EventSerializer serializer, TextBudget budget)
            throws IOException {
        String text;
        List<Event> events = history;
        if (budget == null) {
            text = serializer.text(events);
        } else {
            SerializedHistory fitted = budget.fit(serializer, history);
            if (fitted == null) {
                return false;
            }
            text = fitted.text();
            events = history.subList(fitted.droppedEvents(), history.size());
        }
        ObjectNode row = JSON.createObjectNode();
        if (user instanceof Number n) {
            row.put("user_id", new BigDecimal(n.toString()));
        } else {
            row.put("user_id", user.toString());
        }
        row.put("text", text);
        row.put("events", events.size());
        if (budget != null) {
            row.put("dropped_events", history.size() - events.size());
            row.put("token_budget", budget.tokens());
        }
        row.put("rendering", serializer.config().rendering());
        row.put("unknown_codes", events.stream().mapToInt(Event::unknownCodes).sum());
        ArrayNode facts = row.putArray("facts");
        for (Event e : events) {
            e.facts().forEach(facts.addArray()::add);
        }
        w.write(JSON.writeValueAsString(row));
        w.newLine();
        return true;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // the export already failed; its own error is the one to report
        }
    }
}
