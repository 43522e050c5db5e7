package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A JSON array with one object per event, one event per line, keyed by the field labels. Plain
 * decimal values are JSON numbers, written with the digits the field renders ({@code 12.50});
 * empty values are null.
 */
final class JsonRendering implements Rendering {
    static final Pattern PLAIN_NUMBER = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");

    @Override
    public String name() {
        return "json";
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        StringBuilder sb = new StringBuilder("[");
        List<List<String>> rows = table.rows();
        for (int r = 0; r < rows.size(); r++) {
            sb.append(r == 0 ? "\n{" : ",\n{");
            for (int c = 0; c < table.labels().size(); c++) {
                if (c > 0) {
                    sb.append(", ");
                }
                sb.append(string(table.labels().get(c)))
                        .append(": ")
                        .append(value(rows.get(r).get(c)));
            }
            sb.append('}');
        }
        return sb.append("\n]").toString();
    }

    static String value(String text) {
        if (text.isEmpty()) {
            return "null";
        }
        return PLAIN_NUMBER.matcher(text).matches() ? text : string(text);
    }

    static String string(String text) {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }
}
