package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns events into the text of LLM4ES: a header line of field labels, then one line per event,
 * oldest first. This is the only serializer: training text is exported through it too.
 */
public final class EventSerializer {
    private final SerializerConfig config;
    private final String header;

    public EventSerializer(SerializerConfig config) {
        this.config = config;
        this.header = config.header()
                ? String.join(config.headerSeparator(), config.fields().stream().map(FieldSpec::label).toList())
                : null;
    }

    public SerializerConfig config() {
        return config;
    }

    /** Renders one event (a JSON object of its fields) as its line. */
    public String renderEvent(String eventJson) {
        JsonNode event;
        try {
            event = SerializerConfig.JSON.readTree(eventJson);
        } catch (JsonProcessingException e) {
            throw Llm4esException.invalid("event is not valid JSON: " + e.getOriginalMessage());
        }
        if (event == null || !event.isObject()) {
            throw Llm4esException.invalid("event must be a JSON object of its fields, got: " + abbreviate(eventJson));
        }
        for (Iterator<String> it = event.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (config.field(key) == null) {
                throw Llm4esException.invalid("event field '" + key + "' is not in the model's serializer config "
                        + "(fields: " + config.fields().stream().map(FieldSpec::name).toList() + ")");
            }
        }
        List<String> values = new ArrayList<>(config.fields().size());
        for (FieldSpec field : config.fields()) {
            values.add(field.render(event.get(field.name())));
        }
        return String.join(config.valueSeparator(), values);
    }

    /**
     * Joins event lines (oldest first) into the model's text, dropping the oldest whole events
     * until the token ids fit {@code budget}; with truncation=error an over-long history is refused.
     */
    public SerializedHistory serialize(List<String> lines, TokenEncoder encoder, int budget) {
        int n = lines.size();
        int[] ids = encoder.encode(text(lines, 0));
        if (ids.length <= budget) {
            return new SerializedHistory(text(lines, 0), ids, n, n);
        }
        if (config.truncation() == Truncation.ERROR) {
            throw new Llm4esException(SqlState.PROGRAM_LIMIT_EXCEEDED, "history of " + n + " events needs "
                    + ids.length + " tokens, more than the budget of " + budget + " (truncation=error)");
        }
        int start = firstFittingEstimate(lines, encoder, budget);
        ids = encoder.encode(text(lines, start));
        while (ids.length > budget && start < n - 1) {
            start++;
            ids = encoder.encode(text(lines, start));
        }
        if (ids.length > budget) {
            throw new Llm4esException(SqlState.PROGRAM_LIMIT_EXCEEDED, "the newest event alone needs "
                    + ids.length + " tokens, more than the budget of " + budget + "; an event is never cut");
        }
        // the per-line estimate may drop one event too many: keep as many as fit exactly
        while (start > 0) {
            int[] more = encoder.encode(text(lines, start - 1));
            if (more.length > budget) {
                break;
            }
            start--;
            ids = more;
        }
        return new SerializedHistory(text(lines, start), ids, n, n - start);
    }

    private int firstFittingEstimate(List<String> lines, TokenEncoder encoder, int budget) {
        int n = lines.size();
        int[] cost = new int[n];
        long total = header == null ? 0 : encoder.encode(header).length + 1;
        for (int i = 0; i < n; i++) {
            cost[i] = encoder.encode(lines.get(i)).length + 1;
            total += cost[i];
        }
        int start = 0;
        while (start < n - 1 && total > budget) {
            total -= cost[start++];
        }
        return start;
    }

    /** The full text of event lines (oldest first), with no token budget: the training corpus form. */
    public String text(List<String> lines) {
        return text(lines, 0);
    }

    private String text(List<String> lines, int from) {
        StringBuilder sb = new StringBuilder();
        if (header != null) {
            sb.append(header);
        }
        for (int i = from; i < lines.size(); i++) {
            if (sb.length() > 0 || i > from) {
                sb.append('\n');
            }
            sb.append(lines.get(i));
        }
        return sb.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
