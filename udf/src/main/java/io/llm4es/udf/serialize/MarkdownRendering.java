package io.llm4es.udf.serialize;

import java.util.ArrayList;
import java.util.List;

/** A Markdown (GitHub) table: a header row, the delimiter row, one row per event. */
final class MarkdownRendering implements Rendering {
    @Override
    public String name() {
        return "markdown";
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        List<String> lines = new ArrayList<>(table.rows().size() + 2);
        lines.add(row(table.labels()));
        lines.add(row(table.labels().stream().map(l -> "---").toList()));
        for (List<String> r : table.rows()) {
            lines.add(row(r));
        }
        return String.join("\n", lines);
    }

    private static String row(List<String> cells) {
        StringBuilder sb = new StringBuilder("|");
        for (String cell : cells) {
            sb.append(' ').append(cell.replace("|", "\\|")).append(" |");
        }
        return sb.toString();
    }
}
