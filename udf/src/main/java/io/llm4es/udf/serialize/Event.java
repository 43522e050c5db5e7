package io.llm4es.udf.serialize;

import java.util.List;

/**
 * One event read by the serializer: its field values in config order and its plain line (the
 * values joined by the value separator), which also breaks ties between equal order keys.
 */
public record Event(List<FieldValue> values, String line) {
    public Event {
        values = List.copyOf(values);
    }

    public FieldValue value(int field) {
        return values.get(field);
    }

    public int unknownCodes() {
        int n = 0;
        for (FieldValue v : values) {
            if (v.unknownCode()) {
                n++;
            }
        }
        return n;
    }

    /** The dates and numbers of this event as rendered: what a rewrite must keep. */
    public List<String> facts() {
        return values.stream()
                .map(FieldValue::fact)
                .filter(f -> f != null && !f.isEmpty())
                .toList();
    }
}
