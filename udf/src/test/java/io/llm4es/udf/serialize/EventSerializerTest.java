package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventSerializerTest {
    static final String CONFIG = """
            {"format_version": 1,
             "fields": [
               {"name": "ts", "role": "time", "label": "date", "format": "yyyy-MM-dd"},
               {"name": "mcc", "role": "category", "label": "merchant", "dictionary": {"5411": "Grocery Stores, Supermarkets"}},
               {"name": "amount", "role": "number", "format": "0.00"},
               {"name": "note", "role": "text"}],
             "truncation": "%s"}""";

    /** One token per whitespace-separated word: enough to check budget arithmetic exactly. */
    static final TokenEncoder WORDS =
            text -> new int[text.isBlank() ? 0 : text.trim().split("\\s+").length];

    static EventSerializer serializer(String truncation) {
        return new EventSerializer(SerializerConfig.parse(CONFIG.formatted(truncation)));
    }

    @Test
    void rendersHeaderAndOneLinePerEventWithRoles() {
        EventSerializer s = serializer("drop_oldest");
        String a =
                s.renderEvent("{\"ts\": \"2024-03-05T10:15:00\", \"mcc\": 5411, \"amount\": 12.5, \"note\": \"milk\"}");
        String b = s.renderEvent("{\"mcc\": \"7777\", \"amount\": \"3\", \"ts\": \"2024-03-06\"}");
        assertEquals("2024-03-05, Grocery Stores, Supermarkets, 12.50, milk", a);
        assertEquals("2024-03-06, 7777 (unknown), 3.00, ", b);
        SerializedHistory h = s.serialize(List.of(a, b), WORDS, 1000);
        assertEquals("date|merchant|amount|note\n" + a + "\n" + b, h.text());
        assertEquals(0, h.droppedEvents());
    }

    @Test
    void lineBreaksInsideAValueCannotSplitAnEvent() {
        String line = serializer("drop_oldest").renderEvent("{\"note\": \"two\\nlines\", \"amount\": 1}");
        assertEquals(", , 1.00, two\\nlines", line);
    }

    @Test
    void numbersAreRenderedWithoutLocaleOrFloatNoise() {
        String line = serializer("drop_oldest").renderEvent("{\"amount\": 1234567.005}");
        assertEquals(", , 1234567.01, ", line);
    }

    /** Words, at most 8 characters each (a bound the serializer may use), counting what it is asked to read. */
    static final class CountingWords implements TokenEncoder {
        long chars;

        @Override
        public int[] encode(String text) {
            chars += text.length();
            return WORDS.encode(text);
        }

        @Override
        public int maxCharsPerToken() {
            return 8;
        }
    }

    @Test
    void aLongHistoryIsFittedWithoutRenderingOrTokenizingAllOfIt() {
        List<Event> events = new ArrayList<>();
        EventSerializer s = serializer("drop_oldest");
        Event e = s.event("{\"note\": \"a b c\", \"amount\": 1}");
        for (int i = 0; i < 200_000; i++) {
            events.add(e);
        }
        CountingWords words = new CountingWords();
        SerializedHistory h = s.serializeEvents(events, words, 50);
        assertTrue(h.tokenIds().length <= 50);
        assertTrue(h.keptEvents() > 5, h.keptEvents() + " kept");
        // what was tokenized is a few times the kept text, never the 3.6 million characters of the whole
        assertTrue(words.chars < 100 * h.text().length(), words.chars + " characters tokenized");
    }

    @Test
    void oneValueTooLongForAnyBudgetFailsWithoutBeingTokenized() {
        EventSerializer s = serializer("drop_oldest");
        Event huge = s.event("{\"note\": \"" + "x".repeat(10_000_000) + "\"}");
        CountingWords words = new CountingWords();
        Llm4esException e = assertThrows(Llm4esException.class, () -> s.serializeEvents(List.of(huge), words, 511));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e.state());
        assertEquals(0, words.chars, "nothing tokenized");
    }

    @Test
    void numbersBeyondADoublesRangeAreRefusedBeforeAnythingRendersThem() {
        EventSerializer s = serializer("drop_oldest");
        for (String amount : new String[] {"\"1e999999999\"", "1e400", "\"-1e-999999999\"", "1e999999999"}) {
            Llm4esException e =
                    assertThrows(Llm4esException.class, () -> s.event("{\"amount\": " + amount + "}"), amount);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), amount);
            assertTrue(e.getMessage().contains("beyond the range"), e.getMessage());
        }
    }

    @Test
    void trailingContentAndDuplicateKeysAreRefused() {
        EventSerializer s = serializer("drop_oldest");
        for (String bad :
                new String[] {"{\"amount\": 1} xyz", "{\"amount\": 1}{\"bogus\": 1}", "{\"amount\": 1, \"amount\": 2}"
                }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> s.event(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
        }
    }

    @Test
    void dropsOldestWholeEventsToFitTheBudgetAndReportsThem() {
        EventSerializer s = serializer("drop_oldest");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            lines.add("e" + i + " w w"); // 3 words per event
        }
        // header "date|merchant|amount|note" is 1 word; budget 10 keeps 3 events (1 + 9)
        SerializedHistory h = s.serialize(lines, WORDS, 10);
        assertEquals(10, h.totalEvents());
        assertEquals(3, h.keptEvents());
        assertEquals(7, h.droppedEvents());
        assertTrue(h.truncated());
        assertEquals("date|merchant|amount|note\ne8 w w\ne9 w w\ne10 w w", h.text());
        assertEquals(10, h.tokenIds().length);
    }

    @Test
    void truncationErrorRefusesWith54000() {
        Llm4esException e = assertThrows(
                Llm4esException.class, () -> serializer("error").serialize(List.of("a b c", "d e f"), WORDS, 4));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e.state());
    }

    @Test
    void anEventLongerThanTheBudgetIsNeverCut() {
        Llm4esException e = assertThrows(
                Llm4esException.class,
                () -> serializer("drop_oldest").serialize(List.of("a", "b c d e f g h"), WORDS, 4));
        assertEquals(SqlState.PROGRAM_LIMIT_EXCEEDED, e.state());
        assertTrue(e.getMessage().contains("never cut"), e.getMessage());
    }

    @Test
    void unknownEventFieldIsRefusedNotDropped() {
        Llm4esException e = assertThrows(
                Llm4esException.class, () -> serializer("drop_oldest").renderEvent("{\"amount\": 1, \"balance\": 5}"));
        assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state());
        assertTrue(e.getMessage().contains("balance"), e.getMessage());
    }

    @Test
    void malformedEventsAreRefusedWith22023() {
        EventSerializer s = serializer("drop_oldest");
        for (String bad : new String[] {
            "not json", "[1, 2]", "{\"amount\": \"ten\"}", "{\"ts\": \"yesterday\"}", "{\"amount\": {\"x\": 1}}"
        }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> s.renderEvent(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
        }
    }

    @Test
    void configTyposAndBadValuesAreRefused() {
        for (String bad : new String[] {
            "{\"fields\": [{\"name\": \"a\"}], \"truncate\": \"error\"}",
            "{\"fields\": [{\"name\": \"a\", \"rol\": \"text\"}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"money\"}]}",
            "{\"fields\": []}",
            "{\"fields\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
            "{\"fields\": [{\"name\": \"a\"}], \"max_tokens\": 0}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"format\": \"0.0.0'\"}]}"
        }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
        }
    }

    /** The JDK's pattern parser throws ClassCastException on this one (found by ManifestFuzzTest). */
    @Test
    void timeFormatsTheJdkCannotBuildAreRefusedWith22023() {
        for (String format : new String[] {"yyyped]y-MM-dd"}) {
            String config = "{\"fields\": [{\"name\": \"t\", \"role\": \"time\", \"format\": \"" + format + "\"}]}";
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(config), format);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), format);
            assertTrue(e.getMessage().contains("bad time format '" + format + "'"), e.getMessage());
        }
    }

    @Test
    void mistypedConfigValuesAreRefusedNotReadAsTheirDefault() {
        String field = "{\"name\": \"a\", \"role\": \"number\"}";
        for (String bad : new String[] {
            "{\"format_version\": \"abc\", \"fields\": [" + field + "]}",
            "{\"format_version\": 1.5, \"fields\": [" + field + "]}",
            "{\"header\": \"no\", \"fields\": [" + field + "]}",
            "{\"header_separator\": 5, \"fields\": [" + field + "]}",
            "{\"rendering\": [\"lines\"], \"fields\": [" + field + "]}",
            "{\"summary\": {\"top\": \"3\"}, \"fields\": [" + field + "]}",
            "{\"summary\": {\"top\": 99999999999}, \"fields\": [" + field + "]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"unit\": 7}]}",
            "{\"fields\": [{\"name\": 5, \"role\": \"number\"}]}",
            "{\"fields\": [{\"name\": \"c\", \"role\": \"category\", \"dictionary\": {\"1\": {\"x\": 1}}}]}",
            "{\"fields\": [{\"name\": \"a\", \"role\": \"number\", \"bins\": [1], \"bin_labels\": [1, 2]}]}",
        }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(bad), bad);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), bad);
            assertTrue(e.getMessage().contains("must be") || e.getMessage().contains("out of range"), e.getMessage());
        }
    }

    @Test
    void aDictionaryFileThatIsNoSmallRegularFileIsRefusedUnread(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        for (String ref : new String[] {"file:/dev/zero", "file:" + dir, "file:a\u0000b.csv"}) {
            String config = "{\"fields\": [{\"name\": \"c\", \"role\": \"category\", \"dictionary_ref\": \""
                    + ref.replace("\u0000", "\\u0000") + "\"}]}";
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(config), ref);
            assertEquals(SqlState.INVALID_PARAMETER_VALUE, e.state(), ref);
        }
    }

    @Test
    void configRoundTripsWithDefaultsWrittenOut() {
        SerializerConfig c = SerializerConfig.parse(CONFIG.formatted("error"));
        SerializerConfig again = SerializerConfig.fromJson(c.toJson());
        assertEquals(c.toJson(), again.toJson());
        assertEquals("|", again.headerSeparator());
        assertEquals(Truncation.ERROR, again.truncation());
    }
}
