package io.llm4es.udf.serialize;

import java.util.ArrayList;
import java.util.List;

/** The paper's text: a header line of labels joined by {@code |}, then one line per event. */
final class LinesRendering implements Rendering {
    @Override
    public String name() {
        return Renderings.LINES;
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        List<String> lines = new ArrayList<>(table.rows().size() + 1);
        if (config.header()) {
            lines.add(String.join(config.headerSeparator(), table.labels()));
        }
        for (List<String> row : table.rows()) {
            lines.add(String.join(config.valueSeparator(), row));
        }
        return String.join("\n", lines);
    }
}
