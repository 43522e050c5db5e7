package io.llm4es.udf.serialize;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llm4es.udf.error.SqlState;
import io.llm4es.udf.testing.ErrorContract;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Serializer configs as an analyst writes them (the export's --serializer, a bundle's recorded
 * config): parsed, and where one parses, two events made for its fields rendered in every
 * rendering. A config that parses must also survive its own recorded form ({@code toJson}, what a
 * bundle stores) and render the same text from it. A bad config is 22023; anything else is a
 * finding.
 */
class SerializerConfigFuzzTest {
    private static final Set<SqlState> REFUSALS = Set.of(SqlState.INVALID_PARAMETER_VALUE);

    @FuzzTest
    @Timeout(5)
    // the config's own words: keys and values the parser compares inside collections Jazzer does not see
    @DictionaryFile(resourcePath = "serializer-config.dict")
    void serializerConfig(byte[] input) {
        String json = new String(input, UTF_8);
        if (json.contains("file:")) {
            return; // a dictionary file the analyst names is read by design; fuzzing it reads the machine
        }
        ErrorContract.refusesOnlyWith(REFUSALS, json, () -> renderWith(SerializerConfig.parse(json)));
    }

    private static void renderWith(SerializerConfig config) {
        EventSerializer serializer = new EventSerializer(config);
        List<Event> events = events(serializer);
        for (String rendering : Renderings.NAMES) {
            if (!rendering.equals("grouped") || config.groupBy() != null) {
                serializer.withRendering(rendering).text(events);
            }
        }
        SerializerConfig recorded = SerializerConfig.parse(config.toJson().toString());
        assertEquals(config.toJson(), recorded.toJson(), "the recorded config reads back as itself");
        EventSerializer again = new EventSerializer(recorded);
        assertEquals(serializer.text(events), again.text(events(again)), "the recorded config renders the same text");
    }

    private static List<Event> events(EventSerializer serializer) {
        return List.of(
                serializer.event(sampleEvent(serializer.config(), "2024-03-01T09:30:00", "12.5")),
                serializer.event(sampleEvent(serializer.config(), "2024-03-04T18:05:00", "-2500")));
    }

    /** One event with a plausible value for every field of the config, by its role. */
    private static String sampleEvent(SerializerConfig config, String time, String number) {
        ObjectNode event = SerializerConfig.JSON.createObjectNode();
        for (FieldSpec f : config.fields()) {
            switch (f.role()) {
                case TIME -> event.put(f.name(), time);
                case NUMBER -> event.put(f.name(), new java.math.BigDecimal(number));
                case CATEGORY ->
                    event.put(
                            f.name(),
                            f.dictionary().keySet().stream()
                                    .sorted()
                                    .findFirst()
                                    .orElse("5411"));
                case TEXT -> event.put(f.name(), "note");
            }
        }
        return event.toString();
    }
}
