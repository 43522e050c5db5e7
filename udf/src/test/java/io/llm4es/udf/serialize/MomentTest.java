package io.llm4es.udf.serialize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.llm4es.udf.error.Llm4esException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import org.junit.jupiter.api.Test;

/** Moment reads dates without the formatter and offsets without a regex: it must read as java.time does. */
class MomentTest {
    @Test
    void readsAsTheIsoParsersDo() {
        String[] inputs = {
            "2024-01-05",
            "0000-01-01",
            "9999-12-31",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-5",
            " 2024-01-05 ",
            "2024/01/05",
            "2024-01-05T10:15",
            "2024-01-05 10:15:30",
            "2024-01-05T10:15:30+05",
            "2024-01-05T10:15:30-0530",
            "2024-01-05T10:15:30+05:30",
            "2024-01-05T10:15:30Z",
            "2024-01-05T10:15:30.123+01",
            "2024-01-05-05",
            "2024-01-05T10:15+5",
            "+12345-01-01",
            "abc",
            "",
            "2024-01-0\u0665",
            "2024-01-05T10:15:30+05\u2028"
        };
        for (String in : inputs) {
            assertEquals(reference(in), outcome(in), in);
        }
    }

    private static String outcome(String raw) {
        try {
            Moment m = Moment.parse(raw, "f");
            return m.written() + " " + m.date() + " " + m.epochSecond() + " " + m.dateOnly();
        } catch (Llm4esException e) {
            return "invalid";
        }
    }

    /** The reading as java.time and a regex give it, before the fast paths. */
    private static String reference(String raw) {
        String s = raw.trim();
        try {
            if (s.length() <= 10) {
                LocalDate d = LocalDate.parse(s);
                return d + " " + d + " " + d.atStartOfDay().toEpochSecond(ZoneOffset.UTC) + " true";
            }
            String iso = s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
            if (iso.endsWith("Z") || iso.matches(".*[+-]\\d\\d(:?\\d\\d)?$")) {
                OffsetDateTime t = OffsetDateTime.parse(iso.replaceFirst("([+-]\\d\\d)$", "$1:00"));
                return t + " " + t.toLocalDate() + " " + t.toEpochSecond() + " false";
            }
            LocalDateTime t = LocalDateTime.parse(iso);
            return t + " " + t.toLocalDate() + " " + t.toEpochSecond(ZoneOffset.UTC) + " false";
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            return "invalid";
        }
    }
}
