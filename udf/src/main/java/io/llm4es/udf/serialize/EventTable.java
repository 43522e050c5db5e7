package io.llm4es.udf.serialize;

import java.util.ArrayList;
import java.util.List;

/**
 * Kept events as a table, the common input of every rendering: one column per field, plus a
 * {@code since previous} column after a time field that asks for it. Gaps are computed within
 * the kept events only, so a truncated history reads exactly as if it were the whole history.
 */
public record EventTable(List<String> labels, List<List<String>> rows, List<String> fieldOfColumn) {
    public static final String SINCE_PREVIOUS = "since previous";

    static EventTable of(SerializerConfig config, List<Event> events) {
        List<String> labels = new ArrayList<>();
        List<String> fieldOfColumn = new ArrayList<>();
        for (FieldSpec f : config.fields()) {
            labels.add(f.label());
            fieldOfColumn.add(f.name());
            if (f.timeStyle().sincePrevious()) {
                labels.add(SINCE_PREVIOUS);
                fieldOfColumn.add(null);
            }
        }
        List<List<String>> rows = new ArrayList<>(events.size());
        for (int e = 0; e < events.size(); e++) {
            List<String> row = new ArrayList<>(labels.size());
            for (int i = 0; i < config.fields().size(); i++) {
                FieldValue v = events.get(e).value(i);
                row.add(v.text());
                if (config.fields().get(i).timeStyle().sincePrevious()) {
                    Moment previous = e == 0 ? null : events.get(e - 1).value(i).moment();
                    row.add(previous == null || v.moment() == null ? "" : TimeGap.between(previous, v.moment()));
                }
            }
            rows.add(row);
        }
        return new EventTable(List.copyOf(labels), rows, fieldOfColumn);
    }

    public int columnOf(String field) {
        return fieldOfColumn.indexOf(field);
    }
}
