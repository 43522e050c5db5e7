package io.llm4es.udf.serialize;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Events grouped by the {@code group_by} category field: one heading line per value
 * ({@code merchant: Restaurants (2 events):}), in order of first appearance, with its events below (oldest first, without the grouping column). Gaps
 * stay those of the whole history's time line.
 */
final class GroupedRendering implements Rendering {
    static final String NO_VALUE = "(none)";

    @Override
    public String name() {
        return "grouped";
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        int column = table.columnOf(config.groupBy());
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (List<String> row : table.rows()) {
            List<String> rest = new ArrayList<>(row);
            String key = rest.remove(column);
            groups.computeIfAbsent(key.isEmpty() ? NO_VALUE : key, k -> new ArrayList<>())
                    .add(String.join(config.valueSeparator(), rest));
        }
        List<String> lines = new ArrayList<>();
        if (config.header()) {
            List<String> labels = new ArrayList<>(table.labels());
            labels.remove(column);
            lines.add(String.join(config.headerSeparator(), labels));
        }
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            lines.add(table.labels().get(column) + ": " + g.getKey() + " ("
                    + TimeGap.plural(g.getValue().size(), "event") + "):");
            lines.addAll(g.getValue());
        }
        return String.join("\n", lines);
    }
}
