package io.llm4es.udf.serialize;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.llm4es.udf.embed.BundleTokenizer;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.model.BundleSource;
import io.llm4es.udf.model.ModelBundle;
import io.llm4es.udf.testing.ErrorContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;

/**
 * Events as a user's SQL hands them over, one JSON text per line of the input (a history of up
 * to eight), read and rendered by the bundled model's serializer and by every example config, in
 * every rendering, and fitted to a token budget by the model's real tokenizer. A bad event is
 * 22023 and an over-long one 54000; anything else is a finding.
 */
class EventJsonFuzzTest {
    private static final Set<SqlState> REFUSALS =
            Set.of(SqlState.INVALID_PARAMETER_VALUE, SqlState.PROGRAM_LIMIT_EXCEEDED);
    private static final int MAX_EVENTS = 8;
    private static final ModelBundle BUNDLE = ModelBundle.open(BundleSource.classpath("io/llm4es/models/stories260k"));
    private static final BundleTokenizer TOKENIZER = new BundleTokenizer(BUNDLE);
    private static final List<EventSerializer> SERIALIZERS = serializers();

    /** The bundled model's serializer, then the example configs (the demo's and the ablation's). */
    private static List<EventSerializer> serializers() {
        List<EventSerializer> out = new ArrayList<>();
        out.add(new EventSerializer(BUNDLE.manifest().serializer()));
        try (Stream<Path> files = Files.walk(Path.of("..", "examples", "config"))) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.add(new EventSerializer(SerializerConfig.parse(Files.readString(f))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @FuzzTest
    @Timeout(5)
    // the example configs' field names and values the reader compares inside collections Jazzer does not see
    @DictionaryFile(resourcePath = "event-json.dict")
    void eventJson(byte[] input) {
        String text = new String(input, UTF_8);
        List<String> texts = text.lines().limit(MAX_EVENTS).toList();
        for (EventSerializer serializer : SERIALIZERS) {
            ErrorContract.refusesOnlyWith(REFUSALS, text, () -> serializeHistory(serializer, texts));
        }
    }

    private static void serializeHistory(EventSerializer serializer, List<String> texts) {
        List<Event> events = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        for (String text : texts) {
            events.add(serializer.event(text));
            lines.add(serializer.renderEvent(text));
        }
        for (String rendering : Renderings.NAMES) {
            if (!rendering.equals("grouped") || serializer.config().groupBy() != null) {
                serializer.withRendering(rendering).text(events);
            }
        }
        if (events.isEmpty()) {
            return;
        }
        // the model's budget, and one small enough that older events are dropped
        for (int budget : new int[] {BUNDLE.manifest().tokenBudget(), 24}) {
            if (serializer.plainLines()) {
                serializer.serialize(lines, TOKENIZER, budget);
            }
            serializer.serializeEvents(events, TOKENIZER, budget);
        }
    }
}
