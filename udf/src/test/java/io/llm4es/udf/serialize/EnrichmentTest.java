package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dictionaries, readable values, summaries: everything opt-in beyond the plain LLM4ES text. */
class EnrichmentTest {
    static final String READABLE = """
            {"fields": [
               {"name": "ts", "role": "time", "label": "date", "format": "yyyy-MM-dd", "weekday": true, "since_previous": true},
               {"name": "mcc", "role": "category", "label": "merchant", "dictionary_ref": "builtin:mcc"},
               {"name": "amount", "role": "number", "format": "0.00", "unit": "EUR", "magnitude": true,
                "bins": [10, 100], "bin_labels": ["small", "medium", "large"]}]%s}""";

    static EventSerializer readable(String extra) {
        return new EventSerializer(SerializerConfig.parse(READABLE.formatted(extra)));
    }

    static List<Event> events(EventSerializer s, String... json) {
        List<Event> out = new ArrayList<>();
        for (String e : json) {
            out.add(s.event(e));
        }
        return out;
    }

    static final String[] HISTORY = {
        "{\"ts\": \"2024-03-01\", \"mcc\": 5411, \"amount\": 12.5}",
        "{\"ts\": \"2024-03-04\", \"mcc\": \"5812\", \"amount\": 1234.5}",
        "{\"ts\": \"2024-03-04T18:30:00\", \"mcc\": 9998, \"amount\": 3}"
    };

    @Test
    void readableValuesAndBuiltinMccMeanings() {
        EventSerializer s = readable("");
        String text = s.text(events(s, HISTORY));
        assertEquals("""
                date|since previous|merchant|amount
                2024-03-01 Friday, , Grocery Stores, Supermarkets, 12.50 EUR (medium)
                2024-03-04 Monday, +3 days, Eating Places and Restaurants, 1.23 thousand EUR (large)
                2024-03-04 Monday, +18 hours, 9998 (unknown), 3.00 EUR (small)""", text);
    }

    @Test
    void unknownCodesAreShownAndCountedNeverDropped() {
        EventSerializer s = readable("");
        List<Event> e = events(s, HISTORY);
        SerializedHistory h = s.serializeEvents(e, EventSerializerTest.WORDS, 10_000);
        assertEquals(1, h.unknownCodes());
        assertEquals(3, h.keptEvents());
        assertTrue(h.text().contains("9998 (unknown)"));
        assertEquals(List.of("2024-03-04", "3.00"), e.get(2).facts());
    }

    @Test
    void magnitudeWordsNeverShowAThousandThousands() {
        EventSerializer s = new EventSerializer(
                SerializerConfig.parse("{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"magnitude\": true}]}"));
        assertEquals("1 million", s.renderEvent("{\"a\": 999999}"));
        assertEquals("-2.5 billion", s.renderEvent("{\"a\": -2500000000}"));
        assertEquals("999", s.renderEvent("{\"a\": 999}"));
    }

    @Test
    void summaryDescribesTheKeptEventsOnly() {
        EventSerializer s = readable(", \"summary\": {\"top\": 1}");
        List<Event> e = events(s, HISTORY);
        assertTrue(s.text(e).startsWith("""
                summary: 3 events, 2024-03-01 to 2024-03-04 (3 days)
                top merchant: 9998 (unknown) (1)
                total amount: 1.25 thousand EUR
                date|since previous|merchant|amount
                2024-03-01 Friday, , Grocery"""), s.text(e));
        // one token per word; the budget keeps the newest event only, and the text is that event alone
        String alone = s.text(e.subList(2, 3));
        int budget = EventSerializerTest.WORDS.encode(alone).length;
        SerializedHistory h = s.serializeEvents(e, EventSerializerTest.WORDS, budget);
        assertEquals(alone, h.text());
        assertEquals(2, h.droppedEvents());
        assertTrue(h.text().startsWith("summary: 1 event, on 2024-03-04\n"), h.text());
        assertTrue(h.text().contains("18:30") || h.text().contains("2024-03-04 Monday, , 9998"), h.text());
    }

    @Test
    void fileDictionariesAreInlinedWhenRecordedAndBuiltinsPinned(@TempDir Path tmp) throws Exception {
        Path csv = tmp.resolve("codes.csv");
        Files.writeString(csv, "code,description\nA,\"Alpha, first\"\nB,Beta\n");
        Path json = tmp.resolve("codes.json");
        Files.writeString(json, "{\"x\": \"Ex\"}");
        SerializerConfig c = SerializerConfig.parse("{\"fields\": ["
                + "{\"name\": \"a\", \"role\": \"category\", \"dictionary_ref\": \"file:" + csv + "\"},"
                + "{\"name\": \"b\", \"role\": \"category\", \"dictionary_ref\": \"file:" + json + "\"},"
                + "{\"name\": \"m\", \"role\": \"category\", \"dictionary_ref\": \"builtin:berka_type\"}]}");
        assertEquals(
                "Alpha, first, Ex, credit",
                new EventSerializer(c).renderEvent("{\"a\": \"A\", \"b\": \"x\", \"m\": \"PRIJEM\"}"));
        JsonNode recorded = c.toJson();
        assertEquals("Beta", recorded.at("/fields/0/dictionary/B").asText());
        assertTrue(
                recorded.at("/fields/0/dictionary_ref").isMissingNode(), "a file path does not travel with a bundle");
        assertEquals(
                "builtin:berka_type", recorded.at("/fields/2/dictionary_ref").asText());
        Files.delete(csv);
        SerializerConfig again = SerializerConfig.fromJson(recorded);
        assertEquals(recorded, again.toJson());
        String pinnedWrong = recorded.toString()
                .replace(recorded.at("/fields/2/dictionary_sha256").asText(), "0".repeat(64));
        Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(pinnedWrong));
        assertTrue(e.getMessage().contains("differs"), e.getMessage());
    }

    @Test
    void everyBuiltinLoadsAndMccIsTheFullList() {
        for (String name : CodeDictionary.BUILTINS) {
            assertTrue(
                    CodeDictionary.resolve("builtin:" + name, null, "f")
                                    .entries()
                                    .size()
                            >= 3,
                    name);
        }
        CodeDictionary mcc = CodeDictionary.resolve("builtin:mcc", null, "f");
        assertTrue(mcc.entries().size() > 700, "size " + mcc.entries().size());
        assertEquals("Veterinary Services", mcc.meaning("742"));
        assertEquals("Automated Fuel Dispensers", mcc.meaning("5542"));
        assertEquals("Financial Institutions - Automated Cash Disbursements", mcc.meaning("6011"));
    }

    @Test
    void badEnrichmentConfigIsRefused() {
        for (String bad : new String[] {
            "{\"fields\": [{\"name\": \"a\", \"role\": \"category\", \"dictionary_ref\": \"builtin:nope\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"category\", \"dictionary_ref\": \"codes.csv\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"category\", \"dictionary\": {}, \"dictionary_ref\": \"builtin:mcc\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"text\", \"dictionary_ref\": \"builtin:mcc\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"weekday\": true}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"time\", \"weekday\": \"yes\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"bins\": [1, 2], \"bin_labels\": [\"x\", \"y\"]}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"bins\": [2, 1], \"bin_labels\": [\"x\", \"y\", \"z\"]}]}",
            "{\"fields\": [{\"name\": \"a\"}], \"rendering\": \"xml\"}",
            "{\"fields\": [{\"name\": \"a\"}], \"rendering\": \"grouped\"}",
            "{\"fields\": [{\"name\": \"a\"}], \"summary\": {\"sum_of\": [\"a\"]}}",
            "{\"fields\": [{\"name\": \"a\"}], \"summary\": {\"tops\": 2}}",
            "{\"fields\": [{\"name\": \"a\"}], \"corpus_mix\": {\"shares\": {\"lines\": 0.5}, \"seed\": 1}}",
            "{\"fields\": [{\"name\": \"a\"}], \"corpus_mix\": {\"shares\": {\"lines\": 0.5, \"toml\": 0.5}}}"
        }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
        }
    }

    @Test
    void corpusMixIsDeterministicPerUserAndFollowsTheShares() {
        CorpusMix mix = CorpusMix.parse("lines:0.5,json:0.25,yaml:0.25", 42);
        int lines = 0;
        for (int u = 0; u < 4000; u++) {
            String r = mix.renderingFor(String.valueOf(u));
            assertEquals(r, CorpusMix.parse("lines:0.5,json:0.25,yaml:0.25", 42).renderingFor(String.valueOf(u)));
            lines += r.equals("lines") ? 1 : 0;
        }
        assertEquals(2000, lines, 150);
        int changed = 0;
        for (int u = 0; u < 200; u++) {
            changed += mix.renderingFor("u" + u)
                            .equals(CorpusMix.parse("lines:0.5,json:0.25,yaml:0.25", 7)
                                    .renderingFor("u" + u))
                    ? 0
                    : 1;
        }
        assertTrue(changed > 40, "another seed draws other renderings: " + changed);
    }
}
