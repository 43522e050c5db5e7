package io.llm4es.udf.serialize;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A YAML sequence with one mapping per event, keyed by the field labels. A value that is not a
 * safe plain scalar is double-quoted (YAML's double-quoted style accepts JSON string escapes).
 */
final class YamlRendering implements Rendering {
    private static final Pattern PLAIN = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N} ,._/()+\\-:]*");

    @Override
    public String name() {
        return "yaml";
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        StringBuilder sb = new StringBuilder();
        for (List<String> row : table.rows()) {
            for (int c = 0; c < table.labels().size(); c++) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(c == 0 ? "- " : "  ")
                        .append(scalar(table.labels().get(c)))
                        .append(": ")
                        .append(row.get(c).isEmpty() ? "null" : scalar(row.get(c)));
            }
        }
        return sb.toString();
    }

    static String scalar(String text) {
        boolean plain = PLAIN.matcher(text).matches()
                && !text.contains(": ")
                && !text.endsWith(":")
                && !text.endsWith(" ")
                && !text.equals("null");
        return plain ? text : JsonRendering.string(text);
    }
}
