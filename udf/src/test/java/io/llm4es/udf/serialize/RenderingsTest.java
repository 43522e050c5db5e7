package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.llm4es.udf.error.Llm4esException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The same history in every rendering, and the token budget dropping whole events in each. */
class RenderingsTest {
    static final SerializerConfig CONFIG = SerializerConfig.parse(EventSerializerTest.CONFIG.formatted("drop_oldest"));
    static final String[] HISTORY = {
        "{\"ts\": \"2024-03-05\", \"mcc\": 5411, \"amount\": 12.5, \"note\": \"milk | \\\"bio\\\" <1L>\"}",
        "{\"ts\": \"2024-03-06\", \"mcc\": 5812, \"amount\": 40}",
        "{\"ts\": \"2024-03-07\", \"mcc\": 5411, \"amount\": 3, \"note\": \"a: b\"}"
    };

    static String render(String rendering, int from) {
        EventSerializer s = new EventSerializer(CONFIG.withRendering(rendering));
        List<Event> events = new ArrayList<>();
        for (String e : HISTORY) {
            events.add(s.event(e));
        }
        return s.text(events.subList(from, events.size()));
    }

    @Test
    void linesIsThePlainTextByteForByte() {
        EventSerializer s = new EventSerializer(CONFIG);
        List<String> lines = new ArrayList<>();
        for (String e : HISTORY) {
            lines.add(s.renderEvent(e));
        }
        assertEquals(s.serialize(lines, EventSerializerTest.WORDS, 1000).text(), render("lines", 0));
    }

    @Test
    void jsonIsValidJsonWithOneObjectPerEvent() throws Exception {
        String text = render("json", 0);
        assertEquals("""
                [
                {"date": "2024-03-05", "merchant": "Grocery Stores, Supermarkets", "amount": 12.50, "note": "milk | \\"bio\\" <1L>"},
                {"date": "2024-03-06", "merchant": "5812 (unknown)", "amount": 40.00, "note": null},
                {"date": "2024-03-07", "merchant": "Grocery Stores, Supermarkets", "amount": 3.00, "note": "a: b"}
                ]""", text);
        JsonNode parsed = new ObjectMapper().readTree(text);
        assertEquals(3, parsed.size());
        assertEquals(12.5, parsed.get(0).get("amount").asDouble());
    }

    @Test
    void yamlQuotesWhatIsNotAPlainScalar() {
        assertEquals("""
                - date: 2024-03-05
                  merchant: Grocery Stores, Supermarkets
                  amount: 12.50
                  note: "milk | \\"bio\\" <1L>"
                - date: 2024-03-06
                  merchant: 5812 (unknown)
                  amount: 40.00
                  note: null
                - date: 2024-03-07
                  merchant: Grocery Stores, Supermarkets
                  amount: 3.00
                  note: "a: b\"""", render("yaml", 0));
    }

    @Test
    void markdownAndHtmlTablesEscapeTheirMarkup() {
        assertEquals("""
                | date | merchant | amount | note |
                | --- | --- | --- | --- |
                | 2024-03-05 | Grocery Stores, Supermarkets | 12.50 | milk \\| "bio" <1L> |
                | 2024-03-06 | 5812 (unknown) | 40.00 |  |
                | 2024-03-07 | Grocery Stores, Supermarkets | 3.00 | a: b |""", render("markdown", 0));
        assertEquals("""
                <table>
                <tr><th>date</th><th>merchant</th><th>amount</th><th>note</th></tr>
                <tr><td>2024-03-05</td><td>Grocery Stores, Supermarkets</td><td>12.50</td><td>milk | &quot;bio&quot; &lt;1L&gt;</td></tr>
                <tr><td>2024-03-06</td><td>5812 (unknown)</td><td>40.00</td><td></td></tr>
                <tr><td>2024-03-07</td><td>Grocery Stores, Supermarkets</td><td>3.00</td><td>a: b</td></tr>
                </table>""", render("html", 0));
    }

    @Test
    void groupedListsEachCategoryOnceInOrderOfFirstAppearance() {
        assertEquals("""
                date|amount|note
                merchant: Grocery Stores, Supermarkets (2 events):
                2024-03-05, 12.50, milk | "bio" <1L>
                2024-03-07, 3.00, a: b
                merchant: 5812 (unknown) (1 event):
                2024-03-06, 40.00,\s""", render("grouped", 0));
    }

    @Test
    void everyRenderingDropsOldestWholeEventsToFitTheBudget() {
        for (String name : Renderings.NAMES) {
            EventSerializer s = new EventSerializer(CONFIG.withRendering(name));
            List<Event> events = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                events.add(s.event("{\"ts\": \"2024-01-01\", \"mcc\": " + (5400 + i % 3) + ", \"amount\": " + i + "}"));
            }
            String newest10 = s.text(events.subList(30, 40));
            int budget = EventSerializerTest.WORDS.encode(newest10).length;
            SerializedHistory h = s.serializeEvents(events, EventSerializerTest.WORDS, budget);
            assertEquals(10, h.keptEvents(), name);
            assertEquals(newest10, h.text(), name);
            assertTrue(EventSerializerTest.WORDS.encode(s.text(events.subList(29, 40))).length > budget, name);
        }
    }

    @Test
    void preRenderedLinesAreRefusedForOtherRenderings() {
        EventSerializer s = new EventSerializer(CONFIG.withRendering("json"));
        Llm4esException e =
                assertThrows(Llm4esException.class, () -> s.serialize(List.of("a"), EventSerializerTest.WORDS, 10));
        assertEquals("0A000", e.state().code());
    }

    @Test
    void serializeOptionsNameARenderingStrictly() {
        assertEquals("yaml", SerializeOptions.parse("{\"rendering\": \"yaml\"}").rendering());
        assertEquals(null, SerializeOptions.parse(null).rendering());
        assertThrows(Llm4esException.class, () -> SerializeOptions.parse("{\"rendering\": \"toml\"}"));
        assertThrows(Llm4esException.class, () -> SerializeOptions.parse("{\"render\": \"yaml\"}"));
    }
}
