package io.llm4es.udf.serialize;

import java.math.BigDecimal;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The summary lines above a history, computed from the events the text shows (after the token
 * budget), so that the summary never claims what the model cannot see:
 * <pre>
 * summary: 3 events, 2024-01-01 to 2024-03-05 (64 days)
 * top merchant: Grocery Stores, Supermarkets (2); Restaurants (1)
 * total amount: 1015.50 EUR
 * </pre>
 */
final class HistorySummary {
    private HistorySummary() {}

    static String of(SerializerConfig config, List<Event> events) {
        SummarySpec spec = config.summary();
        List<String> lines = new ArrayList<>();
        lines.add("summary: " + TimeGap.plural(events.size(), "event") + span(config, events));
        for (String name : spec.countBy()) {
            String top = top(events, config.indexOf(name), spec.top());
            if (!top.isEmpty()) {
                lines.add("top " + config.field(name).label() + ": " + top);
            }
        }
        for (String name : spec.sumOf()) {
            int i = config.indexOf(name);
            BigDecimal total = BigDecimal.ZERO;
            for (Event e : events) {
                BigDecimal n = e.value(i).number();
                total = n == null ? total : total.add(n);
            }
            lines.add("total " + config.field(name).label() + ": "
                    + config.field(name).renderDerived(total));
        }
        return String.join("\n", lines);
    }

    private static String span(SerializerConfig config, List<Event> events) {
        for (int i = 0; i < config.fields().size(); i++) {
            if (config.fields().get(i).role() != FieldRole.TIME) {
                continue;
            }
            Moment first = null;
            Moment last = null;
            for (Event e : events) {
                Moment m = e.value(i).moment();
                if (m != null) {
                    first = first == null || m.epochSecond() < first.epochSecond() ? m : first;
                    last = last == null || m.epochSecond() > last.epochSecond() ? m : last;
                }
            }
            if (first != null) {
                return first.date().equals(last.date())
                        ? ", on " + first.date()
                        : ", " + first.date() + " to " + last.date() + " ("
                                + TimeGap.plural(ChronoUnit.DAYS.between(first.date(), last.date()), "day") + ")";
            }
        }
        return "";
    }

    private static String top(List<Event> events, int field, int top) {
        Map<String, Integer> counts = new HashMap<>();
        for (Event e : events) {
            String v = e.value(field).text();
            if (!v.isEmpty()) {
                counts.merge(v, 1, Integer::sum);
            }
        }
        return String.join(
                "; ",
                counts.entrySet().stream()
                        .sorted(Map.Entry.<String, Integer>comparingByValue()
                                .reversed()
                                .thenComparing(Map.Entry.comparingByKey()))
                        .limit(top)
                        .map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .toList());
    }
}
