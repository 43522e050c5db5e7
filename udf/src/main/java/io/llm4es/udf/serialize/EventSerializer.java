package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Turns events into the text of LLM4ES: by default a header line of field labels, then one line
 * per event, oldest first; or any other rendering of the config (see {@link Renderings}), with an
 * optional summary on top. This is the only serializer: training text is exported through it too.
 */
public final class EventSerializer {
    private final SerializerConfig config;
    private final Rendering rendering;
    private final String header;

    public EventSerializer(SerializerConfig config) {
        this.config = config;
        this.rendering = Renderings.byName(config.rendering());
        this.header = config.header()
                ? String.join(config.headerSeparator(), config.fields().stream().map(FieldSpec::label).toList())
                : null;
    }

    public SerializerConfig config() {
        return config;
    }

    /** This serializer with another rendering of the same events. */
    public EventSerializer withRendering(String name) {
        return name.equals(config.rendering()) ? this : new EventSerializer(config.withRendering(name));
    }

    /** Renders one event (a JSON object of its fields) as its plain line. */
    public String renderEvent(String eventJson) {
        return event(eventJson).line();
    }

    /** Reads one event (a JSON object of its fields): every field's rendered value. */
    public Event event(String eventJson) {
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
        List<FieldValue> values = new ArrayList<>(config.fields().size());
        List<String> texts = new ArrayList<>(config.fields().size());
        for (FieldSpec field : config.fields()) {
            FieldValue v = field.read(event.get(field.name()));
            values.add(v);
            texts.add(v.text());
        }
        return new Event(values, String.join(config.valueSeparator(), texts));
    }

    /** Whether this config's text is only the header and the events' plain lines (no summary, no gaps). */
    public boolean plainLines() {
        return Renderings.LINES.equals(config.rendering()) && config.summary() == null
                && config.fields().stream().noneMatch(f -> f.timeStyle().sincePrevious());
    }

    /**
     * Joins pre-rendered event lines (oldest first, from {@link #renderEvent}) into the plain
     * lines text, dropping the oldest whole events until the token ids fit {@code budget}. Only
     * for a plain lines config: other renderings, summaries and gaps need {@link #serializeEvents}.
     */
    public SerializedHistory serialize(List<String> lines, TokenEncoder encoder, int budget) {
        if (!plainLines()) {
            throw new Llm4esException(SqlState.FEATURE_NOT_SUPPORTED, "pre-rendered lines make only the plain lines "
                    + "text; this config (rendering " + config.rendering() + ") needs serializeEvents");
        }
        return fit(lines.size(), from -> linesText(lines, from), lines::get, i -> 0, encoder, budget);
    }

    /**
     * The text of events (oldest first) in this serializer's rendering, dropping the oldest whole
     * events until the token ids fit {@code budget}; with truncation=error an over-long history is
     * refused. The text of the kept events is exactly the text of those events alone: summary and
     * gaps describe what the model sees.
     */
    public SerializedHistory serializeEvents(List<Event> events, TokenEncoder encoder, int budget) {
        return fit(events.size(), from -> text(events.subList(from, events.size())), i -> events.get(i).line(),
                i -> events.get(i).unknownCodes(), encoder, budget);
    }

    /** The full text of events (oldest first), with no token budget: the training corpus form. */
    public String text(List<Event> events) {
        String body = rendering.render(EventTable.of(config, events), config);
        return config.summary() == null ? body : HistorySummary.of(config, events) + "\n" + body;
    }

    private SerializedHistory fit(int n, IntFunction<String> textFrom, IntFunction<String> line,
                                  IntUnaryOperator unknownCodes, TokenEncoder encoder, int budget) {
        Map<Integer, int[]> encoded = new HashMap<>();
        IntFunction<int[]> ids = from -> encoded.computeIfAbsent(from, s -> encoder.encode(textFrom.apply(s)));
        int start = 0;
        if (ids.apply(0).length > budget) {
            if (config.truncation() == Truncation.ERROR) {
                throw new Llm4esException(SqlState.PROGRAM_LIMIT_EXCEEDED, "history of " + n + " events needs "
                        + ids.apply(0).length + " tokens, more than the budget of " + budget + " (truncation=error)");
            }
            if (ids.apply(n - 1).length > budget) {
                throw new Llm4esException(SqlState.PROGRAM_LIMIT_EXCEEDED, "the newest event alone needs "
                        + ids.apply(n - 1).length + " tokens, more than the budget of " + budget + "; an event is never cut");
            }
            start = firstFittingStart(n, ids, estimate(n, line, encoder, ids.apply(0).length, budget), budget);
        }
        int unknown = 0;
        for (int i = start; i < n; i++) {
            unknown += unknownCodes.applyAsInt(i);
        }
        return new SerializedHistory(textFrom.apply(start), ids.apply(start), n, n - start, unknown);
    }

    /** Where dropping events by their own lines' token counts would start: one or two encodes from exact. */
    private static int estimate(int n, IntFunction<String> line, TokenEncoder encoder, int total, int budget) {
        int start = 0;
        long left = total;
        while (start < n - 1 && left > budget) {
            left -= encoder.encode(line.apply(start++)).length + 1;
        }
        return start;
    }

    /**
     * The first start whose text fits, given that start n-1 fits and 0 does not: gallop from the
     * estimate to bracket it, then bisect (more events never need fewer tokens).
     */
    private static int firstFittingStart(int n, IntFunction<int[]> ids, int estimate, int budget) {
        int fits = n - 1;
        int tooLong = 0;
        int probe = Math.max(1, Math.min(estimate, n - 1));
        if (ids.apply(probe).length <= budget) {
            fits = probe;
            for (int step = 1; fits - step > tooLong; step *= 2) {
                if (ids.apply(fits - step).length > budget) {
                    tooLong = fits - step;
                    break;
                }
                fits -= step;
            }
        } else {
            tooLong = probe;
            for (int step = 1; tooLong + step < fits; step *= 2) {
                if (ids.apply(tooLong + step).length <= budget) {
                    fits = tooLong + step;
                    break;
                }
                tooLong += step;
            }
        }
        while (fits - tooLong > 1) {
            int mid = (fits + tooLong) >>> 1;
            if (ids.apply(mid).length <= budget) {
                fits = mid;
            } else {
                tooLong = mid;
            }
        }
        return fits;
    }

    private String linesText(List<String> lines, int from) {
        List<String> all = new ArrayList<>(lines.size() - from + 1);
        if (header != null) {
            all.add(header);
        }
        all.addAll(lines.subList(from, lines.size()));
        return String.join("\n", all);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
