package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compact rendering's exact text, its significant digits, and the options it refuses. */
class CompactRenderingTest {
    static final String BERKA = """
            {"fields": [
              {"name": "date", "role": "time", "format": "yyyy-MM-dd"},
              {"name": "type", "role": "category"},
              {"name": "operation", "role": "category"},
              {"name": "k_symbol", "role": "category", "label": "purpose"},
              {"name": "amount", "role": "number", "significant_digits": 2},
              {"name": "balance", "role": "number", "significant_digits": 2, "unit": "CZK"}],
             "rendering": "compact"}""";
    static final String[] BERKA_EVENTS = {
        "{\"date\": \"1995-03-24\", \"type\": \"credit\", \"operation\": \"credit in cash\", \"amount\": 1000, \"balance\": 1000}",
        "{\"date\": \"1995-04-13\", \"type\": \"credit\", \"operation\": \"collection from another bank\", \"amount\": 3679, \"balance\": 4679}",
        "{\"date\": \"1995-04-23\", \"type\": \"credit\", \"operation\": \"credit in cash\", \"amount\": 12600, \"balance\": 17279}",
        "{\"date\": \"1995-04-30\", \"type\": \"credit\", \"k_symbol\": \"interest credited\", \"amount\": 19.2, \"balance\": 17298.2}",
        "{\"date\": \"1995-04-30\", \"type\": \"withdrawal\", \"operation\": \"withdrawal in cash\", \"amount\": -999.6, \"balance\": 16298.6}"
    };

    static List<Event> events(EventSerializer s, String... json) {
        List<Event> events = new ArrayList<>();
        for (String e : json) {
            events.add(s.event(e));
        }
        return events;
    }

    @Test
    void berkaTransactionsReadAsGapsShortAmountsAndWholeCategories() {
        EventSerializer s = new EventSerializer(SerializerConfig.parse(BERKA));
        assertEquals("""
                date|type|operation|purpose|amount|balance (CZK)
                1995-03-24|credit|credit in cash||1k|1k
                +20d|credit|collection from another bank||3.7k|4.7k
                +10d|credit|credit in cash||13k|17k
                +7d|credit||interest credited|19|17k
                +0d|withdrawal|withdrawal in cash||-1k|16k""", s.text(events(s, BERKA_EVENTS)));
    }

    @Test
    void timestampsGiveTheLargestWholeUnitAndBinsReplaceTheNumber() {
        EventSerializer s = new EventSerializer(SerializerConfig.parse("""
                {"fields": [
                  {"name": "time", "role": "time", "format": "yyyy-MM-dd", "weekday": true},
                  {"name": "activity", "role": "category", "dictionary": {"A_SUBMITTED": "application submitted"}},
                  {"name": "amount", "role": "number", "bins": [5000, 20000], "bin_labels": ["low", "mid", "high"]}],
                 "header": false, "rendering": "compact"}"""));
        assertEquals(
                """
                2011-10-01 Sat|application submitted|mid
                +38s Sat|application submitted|mid
                +12m Sat|O_SENT (unknown)|mid
                +5h Sat|application submitted|high
                +2d Mon|application submitted|low""",
                s.text(events(
                        s,
                        "{\"time\": \"2011-10-01 08:00:00\", \"activity\": \"A_SUBMITTED\", \"amount\": 5000}",
                        "{\"time\": \"2011-10-01 08:00:38\", \"activity\": \"A_SUBMITTED\", \"amount\": 5000}",
                        "{\"time\": \"2011-10-01T08:13:00+00:00\", \"activity\": \"O_SENT\", \"amount\": 19999}",
                        "{\"time\": \"2011-10-01 13:59:00\", \"activity\": \"A_SUBMITTED\", \"amount\": 20000}",
                        "{\"time\": \"2011-10-03 14:00:00\", \"activity\": \"A_SUBMITTED\", \"amount\": 4999.99}")));
    }

    @Test
    void aCutHistoryStartsWithTheDateOfItsFirstKeptEvent() {
        EventSerializer s = new EventSerializer(SerializerConfig.parse(BERKA));
        List<Event> events = events(s, BERKA_EVENTS);
        String newest2 = s.text(events.subList(3, 5));
        assertEquals("""
                date|type|operation|purpose|amount|balance (CZK)
                1995-04-30|credit||interest credited|19|17k
                +0d|withdrawal|withdrawal in cash||-1k|16k""", newest2);
        int budget = EventSerializerTest.WORDS.encode(newest2).length;
        SerializedHistory h = s.serializeEvents(events, EventSerializerTest.WORDS, budget);
        assertEquals(2, h.keptEvents());
        assertTrue(EventSerializerTest.WORDS.encode(s.text(events.subList(2, 5))).length > budget);
        assertEquals(newest2, h.text());
    }

    @Test
    void significantDigitsRoundHalfUpAndNameTheMagnitude() {
        SignificantDigits two = new SignificantDigits(2);
        String[][] cases = {
            {"0", "0"},
            {"0.00", "0"},
            {"5", "5"},
            {"5.67", "5.7"},
            {"0.0456", "0.046"},
            {"570.4", "570"},
            {"999.4", "1k"},
            {"999.6", "1k"},
            {"1250", "1.3k"},
            {"-1234", "-1.2k"},
            {"12345.67", "12k"},
            {"999999", "1M"},
            {"3456789", "3.5M"},
            {"7.1e9", "7.1B"},
            {"2.5e13", "25T"},
            {"1e16", "10000T"}
        };
        for (String[] c : cases) {
            assertEquals(c[1], two.format(new BigDecimal(c[0])), c[0]);
        }
        assertEquals("12.346k", new SignificantDigits(5).format(new BigDecimal("12345.67")));
        assertEquals("12.35k", new SignificantDigits(4).format(new BigDecimal("12345.67")));
    }

    @Test
    void significantDigitsShowInEveryRenderingAndAreRecorded() {
        SerializerConfig config = SerializerConfig.parse(BERKA).withRendering("lines");
        EventSerializer s = new EventSerializer(config);
        assertEquals("1995-04-23, credit, credit in cash, , 13k, 17k CZK", s.renderEvent(BERKA_EVENTS[2]));
        SerializerConfig again = SerializerConfig.parse(config.toJson().toString());
        assertEquals(config.toJson(), again.toJson());
        assertEquals(
                2, again.toJson().get("fields").get(4).get("significant_digits").asInt());
    }

    @Test
    void theSameHistoryAsTheOtherRenderingsShow() {
        assertEquals("""
                date|merchant|amount|note
                2024-03-05|Grocery Stores, Supermarkets|12.50|milk | "bio" <1L>
                +1d|5812 (unknown)|40.00|
                +1d|Grocery Stores, Supermarkets|3.00|a: b""", RenderingsTest.render("compact", 0));
        assertEquals("""
                date|merchant|amount|note
                2024-03-06|5812 (unknown)|40.00|
                +1d|Grocery Stores, Supermarkets|3.00|a: b""", RenderingsTest.render("compact", 1));
    }

    @Test
    void theOtherRenderingsAreUnchangedByIt() {
        // the plain lines text of the same config without the compact rendering, byte for byte
        assertEquals(
                RenderingsTest.render("lines", 0),
                new EventSerializer(RenderingsTest.CONFIG)
                        .text(events(new EventSerializer(RenderingsTest.CONFIG), RenderingsTest.HISTORY)));
        assertTrue(Renderings.NAMES.contains("compact"));
    }

    @Test
    void invalidOptionsAre22023() {
        String field = "{\"fields\": [{\"name\": \"amount\", \"role\": \"%s\"%s}], \"rendering\": \"compact\"}";
        for (String bad : new String[] {
            field.formatted("number", ", \"significant_digits\": 0"),
            field.formatted("number", ", \"significant_digits\": 18"),
            field.formatted("number", ", \"significant_digits\": 2.5"),
            field.formatted("number", ", \"significant_digits\": \"2\""),
            field.formatted("number", ", \"significant_digits\": 2, \"format\": \"0.00\""),
            field.formatted("number", ", \"significant_digits\": 2, \"magnitude\": true"),
            field.formatted("category", ", \"significant_digits\": 2"),
            field.formatted("number", ", \"significant_digit\": 2"),
            field.formatted("number", "").replace("compact", "compakt")
        }) {
            Llm4esException e = assertThrows(Llm4esException.class, () -> SerializerConfig.parse(bad), bad);
            assertEquals("22023", e.state().code(), bad);
        }
        Llm4esException e =
                assertThrows(Llm4esException.class, () -> SerializeOptions.parse("{\"rendering\": \"compakt\"}"));
        assertEquals("22023", e.state().code());
        assertEquals(
                "compact",
                SerializeOptions.parse("{\"rendering\": \"compact\"}").rendering());
    }
}
