package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.llm4es.udf.error.Llm4esException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The one-pass reader of plain events must read exactly what the strict reader reads, and leave
 * to it everything else: random events, valid and broken, give the same event or the same error
 * either way.
 */
class FlatEventReaderTest {
    private static final EventSerializer SERIALIZER = new EventSerializer(SerializerConfig.parse("""
            {"format_version": 1,
             "fields": [
               {"name": "date", "role": "time", "format": "yyyy-MM-dd", "weekday": true},
               {"name": "ts", "role": "time"},
               {"name": "type", "role": "category", "dictionary": {"D": "debit", "C": "credit", "1": "one"}},
               {"name": "amount", "role": "number", "format": "0.00"},
               {"name": "n", "role": "number", "magnitude": true, "unit": "EUR"},
               {"name": "note", "role": "text"}]}"""));
    private static final FlatEventReader FLAT =
            new FlatEventReader(SERIALIZER.config().fields());

    private static final String[] KEYS = {"date", "ts", "type", "amount", "n", "note", "other", "dat\\u0065", ""};
    private static final String[] VALUES = {
        "\"2024-01-05\"",
        "\"2024-02-30\"",
        "\"0000-01-01\"",
        "\"2024-01-05 10:00:00+05\"",
        "\"2024-01-05T10:00Z\"",
        "\" 2024-01-05\"",
        "\"D\"",
        "\"X\"",
        "\"a\\nb\"",
        "\"caf\u00e9\"",
        "\"\\u0044\"",
        "\"\"",
        "\"tab\there\"",
        "0",
        "-0",
        "-0.0",
        "1",
        "01",
        "1.",
        ".5",
        "1.50",
        "-12.345",
        "1e3",
        "1E+3",
        "2.5e-3",
        "1e400",
        "-",
        "1.5e",
        "123456789012345678901234567890",
        "0.0000000000000000000010",
        "-12345678901234567.80",
        "99.990",
        "0.005",
        "-0.004",
        "999999.995",
        "true",
        "false",
        "null",
        "nul",
        "{}",
        "[1]",
        "{\"a\":1}",
        "tru",
        "NaN"
    };
    private static final String[] SPACES = {"", "", "", " ", "\n", "\t", "\r\n", "\f", "\u00a0"};

    @Test
    void randomEventsReadTheSameAndFailTheSameAsByTheStrictReader() {
        Random rnd = new Random(42);
        int flat = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String json = randomEvent(rnd);
            if (FLAT.read(LoneSurrogates.replace(json)) != null) {
                flat++;
            }
            assertEquals(
                    outcome(() -> SERIALIZER.readByTree(LoneSurrogates.replace(json), json)),
                    outcome(() -> SERIALIZER.event(json)),
                    json);
        }
        // both ways are exercised: the flat reader takes the plain events, the strict reader the rest
        assertTrue(flat > n / 10 && flat < n * 9 / 10, "flat reads: " + flat);
    }

    @Test
    void readsPlainEventsAndLeavesTheRest() {
        assertNotNull(FLAT.read(" {\"date\": \"2024-01-05\", \"amount\": 12.5, \"note\": null} "));
        assertNotNull(FLAT.read("{}"));
        assertNull(FLAT.read("{\"date\": \"2024-01-05\", \"date\": \"2024-01-06\"}"), "a key given twice");
        assertNull(FLAT.read("{\"note\": \"a\\\"b\"}"), "an escape");
        assertNull(FLAT.read("{\"note\": \"x\"} {}"), "content after the object");
        assertNull(FLAT.read("{\"other\": 1}"), "a key of no field");
        assertNull(FLAT.read("{\"amount\": 01}"), "a leading zero");
        assertNull(FLAT.read("[]"));
    }

    private static String randomEvent(Random rnd) {
        StringBuilder sb = new StringBuilder(space(rnd)).append('{');
        int fields = rnd.nextInt(7);
        for (int f = 0; f < fields; f++) {
            if (f > 0) {
                sb.append(rnd.nextInt(40) == 0 ? ";" : ",");
            }
            String key = rnd.nextInt(4) == 0
                    ? pick(rnd, KEYS)
                    : pick(
                            rnd,
                            List.of("date", "type", "amount", "n", "note", "ts").toArray(String[]::new));
            sb.append(space(rnd))
                    .append('"')
                    .append(key)
                    .append('"')
                    .append(space(rnd))
                    .append(':');
            sb.append(space(rnd))
                    .append(rnd.nextInt(3) == 0 ? pick(rnd, VALUES) : plainValue(key, rnd))
                    .append(space(rnd));
        }
        sb.append(rnd.nextInt(40) == 0 ? "" : "}").append(space(rnd));
        if (rnd.nextInt(30) == 0) {
            sb.append(pick(rnd, new String[] {"x", "{}", "1", ","}));
        }
        if (rnd.nextInt(15) == 0) {
            // one character changed: whatever breaks must break the same way
            int at = rnd.nextInt(sb.length() + 1);
            String c = pick(rnd, new String[] {"{", "}", ",", ":", "\"", "\\", " ", "x", "0", "\ud800", ""});
            sb.replace(at, Math.min(sb.length(), at + rnd.nextInt(2)), c);
        }
        return sb.toString();
    }

    private static String plainValue(String key, Random rnd) {
        return switch (key) {
            case "date", "ts" -> "\"2024-%02d-%02d\"".formatted(1 + rnd.nextInt(12), 1 + rnd.nextInt(28));
            case "type" -> rnd.nextBoolean() ? "\"D\"" : "\"C\"";
            case "amount", "n" -> (rnd.nextBoolean() ? "-" : "") + rnd.nextInt(100_000) + "." + rnd.nextInt(1000);
            default -> "\"note " + rnd.nextInt(100) + "\"";
        };
    }

    private static String space(Random rnd) {
        return pick(rnd, SPACES);
    }

    private static String pick(Random rnd, String[] from) {
        return from[rnd.nextInt(from.length)];
    }

    private static String outcome(java.util.function.Supplier<Event> read) {
        try {
            return "event " + read.get();
        } catch (Llm4esException e) {
            return e.state() + " " + e.getMessage();
        }
    }
}
