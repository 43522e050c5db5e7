package io.llm4es.udf.serialize;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.error.SqlState;
import java.util.ArrayList;
import java.util.Arrays;
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
    private final FieldSpec[] fields;
    private final String valueSeparator;
    private final FlatEventReader flat;

    public EventSerializer(SerializerConfig config) {
        this.config = config;
        this.rendering = Renderings.byName(config.rendering());
        this.header = config.header()
                ? String.join(
                        config.headerSeparator(),
                        config.fields().stream().map(FieldSpec::label).toList())
                : null;
        this.fields = config.fields().toArray(FieldSpec[]::new);
        this.valueSeparator = config.valueSeparator();
        this.flat = new FlatEventReader(config.fields());
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
        try {
            return read(eventJson);
        } catch (OutOfMemoryError e) {
            throw Llm4esException.outOfMemory("reading an event of " + eventJson.length() + " characters", e);
        }
    }

    private Event read(String eventJson) {
        String text = LoneSurrogates.replace(eventJson);
        Object[] scalars = flat.read(text);
        if (scalars == null) {
            return readByTree(text, eventJson);
        }
        FieldValue[] values = new FieldValue[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = fields[i].readScalar(scalars[i]);
        }
        return event(values);
    }

    /** The strict reader's way, for every event: what {@link FlatEventReader} leaves to it, it accepts or refuses. */
    Event readByTree(String text, String eventJson) {
        JsonNode event;
        try {
            event = StrictJson.read(text);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw Llm4esException.invalid("event is not valid JSON: " + StrictJson.reason(e));
        }
        return read(event, eventJson);
    }

    /** Renders one event already parsed by {@link StrictJson} (the rendering step alone, as a benchmark measures it). */
    public Event event(JsonNode event) {
        return read(event, event);
    }

    /** {@code source}: the event as given, written out only into an error message. */
    private Event read(JsonNode event, Object source) {
        if (event == null || !event.isObject()) {
            throw Llm4esException.invalid(
                    "event must be a JSON object of its fields, got: " + Excerpt.of(String.valueOf(source)));
        }
        for (Iterator<String> it = event.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (config.field(key) == null) {
                throw Llm4esException.invalid(
                        "event field '" + Excerpt.of(key) + "' is not in the model's serializer config " + "(fields: "
                                + config.fields().stream().map(FieldSpec::name).toList() + ")");
            }
        }
        FieldValue[] values = new FieldValue[fields.length];
        for (int i = 0; i < fields.length; i++) {
            values[i] = fields[i].read(event.get(fields[i].name()));
        }
        return event(values);
    }

    private Event event(FieldValue[] values) {
        int length = valueSeparator.length() * (values.length - 1);
        for (FieldValue v : values) {
            length += v.text().length();
        }
        StringBuilder line = new StringBuilder(Math.max(length, 0));
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                line.append(valueSeparator);
            }
            line.append(values[i].text());
        }
        return new Event(Arrays.asList(values), line.toString());
    }

    /** Whether this config's text is only the header and the events' plain lines (no summary, no gaps). */
    public boolean plainLines() {
        return Renderings.LINES.equals(config.rendering())
                && config.summary() == null
                && config.fields().stream().noneMatch(f -> f.timeStyle().sincePrevious());
    }

    /**
     * Joins pre-rendered event lines (oldest first, from {@link #renderEvent}) into the plain
     * lines text, dropping the oldest whole events until the token ids fit {@code budget}. Only
     * for a plain lines config: other renderings, summaries and gaps need {@link #serializeEvents}.
     */
    public SerializedHistory serialize(List<String> lines, TokenEncoder encoder, int budget) {
        if (!plainLines()) {
            throw new Llm4esException(
                    SqlState.FEATURE_NOT_SUPPORTED,
                    "pre-rendered lines make only the plain lines " + "text; this config (rendering "
                            + config.rendering() + ") needs serializeEvents");
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
        try {
            return fit(
                    events.size(),
                    from -> text(events.subList(from, events.size())),
                    i -> rendering.eventText(events, i, config),
                    i -> events.get(i).unknownCodes(),
                    encoder,
                    budget);
        } catch (OutOfMemoryError e) {
            throw Llm4esException.outOfMemory("serializing a history of " + events.size() + " events", e);
        }
    }

    /** The full text of events (oldest first), with no token budget: the training corpus form. */
    public String text(List<Event> events) {
        String body = rendering.render(events, config);
        return config.summary() == null ? body : HistorySummary.of(config, events) + "\n" + body;
    }

    /**
     * The kept events' text. Work is proportional to what can be kept, never to the whole
     * history: a scan over the events' own lines (already rendered) finds the oldest start whose
     * text could still fit, by length alone; only texts from there on are rendered and tokenized,
     * and a text too long to fit by its length is never tokenized.
     */
    private SerializedHistory fit(
            int n,
            IntFunction<String> textFrom,
            IntFunction<String> line,
            IntUnaryOperator unknownCodes,
            TokenEncoder encoder,
            int budget) {
        Budget b = new Budget(textFrom, encoder, budget);
        long[] length = lengthsFrom(n, line, b.maxChars);
        int lowest = n - length.length;
        int start = lowest;
        if (n == 0 || config.truncation() == Truncation.ERROR) {
            if (lowest > 0 || b.tooLong(0)) {
                if (config.truncation() == Truncation.ERROR) {
                    throw new Llm4esException(
                            SqlState.PROGRAM_LIMIT_EXCEEDED,
                            "history of " + n + " events needs " + b.describe(0) + " tokens, more than the budget of "
                                    + budget + " (truncation=error)");
                }
                throw newestTooLong(b, n, budget);
            }
        } else {
            // the newest event alone first: it must fit, and its count starts the search
            if (lowest >= n || b.tooLong(n - 1)) {
                throw newestTooLong(b, n, budget);
            }
            start = firstFittingStart(lowest, n, b, length);
        }
        int unknown = 0;
        for (int i = start; i < n; i++) {
            unknown += unknownCodes.applyAsInt(i);
        }
        return new SerializedHistory(b.text(start), b.ids(start), n, n - start, unknown);
    }

    private static Llm4esException newestTooLong(Budget b, int n, int budget) {
        return new Llm4esException(
                SqlState.PROGRAM_LIMIT_EXCEEDED,
                "the newest event alone needs " + b.describe(n - 1) + " tokens, more than the budget of " + budget
                        + "; an event is never cut");
    }

    /**
     * The length by lines of the text from each start that can fit by length, oldest such start
     * first: {@code n - result.length} is the oldest start whose events' lines are not longer
     * than {@code maxChars} (with room for renderings that show less of an event than its line),
     * n when not even the newest event can fit.
     */
    private long[] lengthsFrom(int n, IntFunction<String> line, long maxChars) {
        long limit = Renderings.LINES.equals(config.rendering()) ? maxChars : maxChars * SHORTER_RENDERING;
        long chars = header == null ? 0 : header.length() + 1;
        long[] newestFirst = new long[Math.min(n, 64)];
        int from = n;
        while (from > 0) {
            chars += line.apply(from - 1).length() + 1L;
            if (chars - 1 > limit) {
                break;
            }
            if (n - from == newestFirst.length) {
                newestFirst = Arrays.copyOf(newestFirst, Math.min(n, 2 * newestFirst.length));
            }
            newestFirst[n - from] = chars - 1;
            from--;
        }
        long[] oldestFirst = new long[n - from];
        for (int i = 0; i < oldestFirst.length; i++) {
            oldestFirst[i] = newestFirst[oldestFirst.length - 1 - i];
        }
        return oldestFirst;
    }

    // a rendering (grouped) can show an event in fewer characters than its line: by at most this factor
    private static final int SHORTER_RENDERING = 8;

    /** Token counts of the texts from each start, tokenized at most once and only when short enough to fit. */
    private static final class Budget {
        private final IntFunction<String> textFrom;
        private final TokenEncoder encoder;
        private final int budget;
        final long maxChars;
        private final Map<Integer, int[]> encoded = new HashMap<>();
        private final Map<Integer, String> texts = new HashMap<>();
        private final Map<Integer, Integer> overLength = new HashMap<>();

        Budget(IntFunction<String> textFrom, TokenEncoder encoder, int budget) {
            this.textFrom = textFrom;
            this.encoder = encoder;
            this.budget = budget;
            int perToken = encoder.maxCharsPerToken();
            this.maxChars = perToken == Integer.MAX_VALUE ? Long.MAX_VALUE / 16 : (long) budget * perToken;
        }

        /** Token ids from {@code from} on, or null when the text is too long by its length alone. */
        int[] ids(int from) {
            int[] ids = encoded.get(from);
            if (ids == null && !overLength.containsKey(from)) {
                String text = textFrom.apply(from);
                if (text.length() > maxChars) {
                    overLength.put(from, text.length());
                } else {
                    ids = encoder.encode(text);
                    encoded.put(from, ids);
                    texts.put(from, text);
                }
            }
            return ids;
        }

        /** The text from {@code from} on, rendered once for its tokens and again only if never tokenized. */
        String text(int from) {
            String text = texts.get(from);
            return text != null ? text : textFrom.apply(from);
        }

        /** The token count from {@code from} on; over the budget when too long by length. */
        int tokens(int from) {
            int[] ids = ids(from);
            return ids == null ? budget + 1 : ids.length;
        }

        boolean tooLong(int from) {
            return tokens(from) > budget;
        }

        boolean tokenized(int from) {
            return encoded.containsKey(from);
        }

        /** For a message: the exact count where it was tokenized, else "more than". */
        String describe(int from) {
            int[] ids = encoded.get(from);
            return ids != null ? String.valueOf(ids.length) : "more than " + budget + " (by length)";
        }
    }

    /**
     * The first start whose text fits, given that start n-1 fits and none before {@code lowest}
     * can (more events never need fewer tokens). Each probe is the text of a start, tokenized
     * exactly; where to probe is guessed from the lines' lengths and the tokens per character of
     * the texts already tokenized, so that usually two texts about the kept size are tokenized
     * (the last that fits and the first that does not); after two guesses, bisection bounds the
     * number of probes.
     */
    private static int firstFittingStart(int lowest, int n, Budget b, long[] length) {
        int fits = n - 1;
        int tooLong = lowest - 1; // no start before lowest can fit
        for (int guesses = 0; fits - tooLong > 1; guesses++) {
            int probe = guesses < 2 ? guess(lowest, tooLong, fits, b, length) : (fits + tooLong) >>> 1;
            if (b.tooLong(probe)) {
                tooLong = probe;
            } else {
                fits = probe;
            }
        }
        return fits;
    }

    /**
     * The oldest start strictly between tooLong and fits whose text should fit, counting tokens
     * as proportional to length between the two known counts (or from fits' own tokens per
     * character while nothing too long has been tokenized).
     */
    private static int guess(int lowest, int tooLong, int fits, Budget b, long[] length) {
        double fitsTokens = b.tokens(fits);
        double fitsChars = length[fits - lowest];
        double perChar = fitsTokens / Math.max(1, fitsChars);
        if (tooLong >= lowest && b.tokenized(tooLong)) {
            double wider = length[tooLong - lowest] - fitsChars;
            if (wider > 0) {
                perChar = (b.tokens(tooLong) - fitsTokens) / wider;
            }
        }
        int probe = fits - 1;
        while (probe - 1 > tooLong && fitsTokens + (length[probe - 1 - lowest] - fitsChars) * perChar <= b.budget) {
            probe--;
        }
        return probe;
    }

    private String linesText(List<String> lines, int from) {
        List<String> all = new ArrayList<>(lines.size() - from + 1);
        if (header != null) {
            all.add(header);
        }
        all.addAll(lines.subList(from, lines.size()));
        return String.join("\n", all);
    }
}
