package io.llm4es.udf.serialize;

import java.util.List;

/** An HTML table: a header row of {@code th}, one row of {@code td} per event, one row per line. */
final class HtmlRendering implements Rendering {
    @Override
    public String name() {
        return "html";
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        StringBuilder sb = new StringBuilder("<table>\n");
        row(sb, table.labels(), "th");
        for (List<String> r : table.rows()) {
            row(sb, r, "td");
        }
        return sb.append("</table>").toString();
    }

    private static void row(StringBuilder sb, List<String> cells, String tag) {
        sb.append("<tr>");
        for (String cell : cells) {
            sb.append('<')
                    .append(tag)
                    .append('>')
                    .append(escape(cell))
                    .append("</")
                    .append(tag)
                    .append('>');
        }
        sb.append("</tr>\n");
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
