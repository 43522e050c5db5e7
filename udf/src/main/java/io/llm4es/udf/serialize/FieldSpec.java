package io.llm4es.udf.serialize;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.DayOfWeek;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One field of an event: its role and how its value is rendered. Rendering is locale-free
 * (Locale.ROOT) so that training text and inference text are identical on every machine. The
 * readable options (dictionary, weekday, unit, magnitude, bins) are all opt-in: without them a
 * value renders exactly as the plain LLM4ES text.
 */
public final class FieldSpec {
    static final String DEFAULT_UNKNOWN = "{value} (unknown)";
    // mantissa of "1.2 thousand" when the field gives no format of its own
    private static final String MAGNITUDE_FORMAT = "0.#";

    private final String name;
    private final FieldRole role;
    private final String label;
    private final String format;
    private final CodeDictionary dictionary;
    private final String unknownTemplate;
    private final TimeStyle timeStyle;
    private final NumberStyle numberStyle;
    private final DateTimeFormatter timeFormat;
    private final ThreadLocal<DecimalFormat> numberFormat;
    // a format of only zeros ("0.00"): rounded by BigDecimal itself, to the same digits, far faster
    private final int fixedDecimals;
    // "yyyy-MM-dd": an ISO date is already written as this format writes it
    private final boolean isoDateFormat;
    // each code's rendered value, made once: a known code renders without work or allocation
    private final Map<String, FieldValue> meanings;

    public FieldSpec(
            String name,
            FieldRole role,
            String label,
            String format,
            CodeDictionary dictionary,
            String unknownTemplate,
            TimeStyle timeStyle,
            NumberStyle numberStyle) {
        this.name = name;
        this.role = role;
        this.label = label == null ? name : label;
        this.format = format;
        this.dictionary = dictionary;
        this.unknownTemplate = unknownTemplate == null ? DEFAULT_UNKNOWN : unknownTemplate;
        this.timeStyle = timeStyle == null ? TimeStyle.PLAIN : timeStyle;
        this.numberStyle = numberStyle == null ? NumberStyle.PLAIN : numberStyle;
        if (dictionary != null && role != FieldRole.CATEGORY) {
            throw Llm4esException.invalid(
                    "field '" + name + "': a dictionary needs role category, not " + role.jsonName());
        }
        if (!this.timeStyle.plain() && role != FieldRole.TIME) {
            throw Llm4esException.invalid("field '" + name + "': weekday and since_previous need role time");
        }
        if (!this.numberStyle.plain() && role != FieldRole.NUMBER) {
            throw Llm4esException.invalid(
                    "field '" + name + "': unit, magnitude, bins and significant_digits need role number");
        }
        if (this.numberStyle.significant() != null && format != null) {
            throw Llm4esException.invalid(
                    "field '" + name + "': significant_digits replaces the format; give one of them");
        }
        if (this.numberStyle.unit() != null
                && (this.numberStyle.unit().isBlank() || this.numberStyle.unit().contains("\n"))) {
            throw Llm4esException.invalid("field '" + name + "': unit must be a non-empty single line");
        }
        this.timeFormat = role == FieldRole.TIME && format != null ? timePattern(name, format) : null;
        String digits = format == null && this.numberStyle.magnitude() ? MAGNITUDE_FORMAT : format;
        this.numberFormat = role == FieldRole.NUMBER && digits != null ? numberPattern(name, digits) : null;
        this.fixedDecimals = numberFormat == null ? -1 : FixedDecimals.of(digits);
        this.isoDateFormat = timeFormat != null && ("yyyy-MM-dd".equals(format) || "uuuu-MM-dd".equals(format));
        this.meanings = dictionary == null ? Map.of() : renderedMeanings(dictionary);
        if (label != null && (label.contains("\n") || label.isEmpty())) {
            throw Llm4esException.invalid("field '" + name + "': label must be a non-empty single line");
        }
    }

    public String name() {
        return name;
    }

    public FieldRole role() {
        return role;
    }

    public String label() {
        return label;
    }

    public String format() {
        return format;
    }
    /** The code dictionary, or null when codes render as they are. */
    public CodeDictionary codeDictionary() {
        return dictionary;
    }

    public Map<String, String> dictionary() {
        return dictionary == null ? Map.of() : dictionary.entries();
    }

    public String unknownTemplate() {
        return unknownTemplate;
    }

    public TimeStyle timeStyle() {
        return timeStyle;
    }

    public NumberStyle numberStyle() {
        return numberStyle;
    }

    /** Renders one value; JSON null or a missing field renders as the empty string. */
    public String render(JsonNode value) {
        return read(value).text();
    }

    /** Reads and renders one value of this field. */
    public FieldValue read(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return FieldValue.EMPTY;
        }
        if (value.isContainerNode()) {
            throw Llm4esException.invalid(
                    "field '" + name + "': expected a scalar, got " + Excerpt.of(value.toString()));
        }
        return value.isNumber() ? readNumber(value.decimalValue()) : readText(value.asText());
    }

    /** A value as {@link FlatEventReader} reads it: null, a number or a text. */
    FieldValue readScalar(Object value) {
        if (value == null) {
            return FieldValue.EMPTY;
        }
        return value instanceof BigDecimal d ? readNumber(d) : readText((String) value);
    }

    /** A JSON number of this field (its exact decimal). */
    FieldValue readNumber(BigDecimal number) {
        NumberRange.check(number, name);
        return role == FieldRole.NUMBER
                ? oneLine(numberValue(number))
                : readText(number.stripTrailingZeros().toPlainString());
    }

    /** A JSON string of this field, or a boolean or number as its text. */
    FieldValue readText(String text) {
        String raw = LoneSurrogates.replace(text);
        return oneLine(
                switch (role) {
                    case TIME -> readTime(raw);
                    case NUMBER -> numberValue(NumberRange.parse(raw, name));
                    case CATEGORY -> readCategory(raw);
                    case TEXT -> FieldValue.text(raw);
                });
    }

    // one event is one line: a line break inside a value is shown, not obeyed
    private static FieldValue oneLine(FieldValue v) {
        String t = v.text();
        if (t.indexOf('\n') < 0 && t.indexOf('\r') < 0) {
            return v;
        }
        String text = t.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n");
        return new FieldValue(text, v.fact(), v.moment(), v.number(), v.unknownCode());
    }

    private FieldValue readTime(String raw) {
        if (timeFormat == null && timeStyle.plain()) {
            // shown as written; parsed only if it can be, for a summary's span
            return new FieldValue(raw, raw, tryParse(raw), null, false);
        }
        Moment m = Moment.parse(raw, name);
        String date;
        try {
            date = timeFormat == null || isoDateFormat && writtenAsFormatted(raw, m)
                    ? raw
                    : timeFormat.format(m.written());
        } catch (java.time.DateTimeException e) {
            throw Llm4esException.invalid("field '" + name + "': cannot format '" + Excerpt.of(raw) + "' as '" + format
                    + "': " + e.getMessage());
        }
        return new FieldValue(timeStyle.weekday() ? date + " " + weekday(m) : date, date, m, null, false);
    }

    private Moment tryParse(String raw) {
        try {
            return Moment.parse(raw, name);
        } catch (Llm4esException e) {
            return null;
        }
    }

    // a date alone is read only from its 10-character ISO form; years before 1 are written otherwise by yyyy
    private static boolean writtenAsFormatted(String raw, Moment m) {
        return m.dateOnly() && raw.length() == 10 && m.date().getYear() >= 1;
    }

    private static final String[] WEEKDAYS = weekdays();

    private static String[] weekdays() {
        String[] names = new String[7];
        for (DayOfWeek d : DayOfWeek.values()) {
            String n = d.name();
            names[d.ordinal()] = n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
        }
        return names;
    }

    private static String weekday(Moment m) {
        return WEEKDAYS[m.date().getDayOfWeek().ordinal()];
    }

    private FieldValue numberValue(BigDecimal number) {
        String fact = numberStyle.fact(number, this::formatNumber);
        return new FieldValue(numberStyle.decorate(fact, number, true), fact, null, number, false);
    }

    /** A total or other derived number, in this field's format, magnitude and unit (no bin). */
    String renderDerived(BigDecimal number) {
        return numberStyle.decorate(numberStyle.fact(number, this::formatNumber), number, false);
    }

    private String formatNumber(BigDecimal number) {
        if (numberFormat == null) {
            return number.stripTrailingZeros().toPlainString();
        }
        return fixedDecimals >= 0
                ? FixedDecimals.format(number, fixedDecimals)
                : numberFormat.get().format(number);
    }

    private FieldValue readCategory(String raw) {
        if (dictionary == null || dictionary.isEmpty()) {
            return FieldValue.text(raw);
        }
        FieldValue meaning = meanings.get(raw);
        return meaning != null
                ? meaning
                : new FieldValue(unknownTemplate.replace("{value}", raw), null, null, null, true);
    }

    private static Map<String, FieldValue> renderedMeanings(CodeDictionary dictionary) {
        Map<String, FieldValue> out = new HashMap<>();
        dictionary.entries().forEach((code, meaning) -> out.put(code, oneLine(FieldValue.text(meaning))));
        return out;
    }

    private static DateTimeFormatter timePattern(String field, String pattern) {
        try {
            return DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid(
                    "field '" + field + "': bad time format '" + pattern + "': " + e.getMessage());
        } catch (ClassCastException e) {
            // how the JDK's pattern parser fails on a pad (p) before a number adjacent to another
            throw Llm4esException.invalid("field '" + field + "': bad time format '" + pattern
                    + "': a pad (p) cannot precede a number that follows another number");
        }
    }

    private static ThreadLocal<DecimalFormat> numberPattern(String field, String pattern) {
        try {
            new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid(
                    "field '" + field + "': bad number format '" + pattern + "': " + e.getMessage());
        }
        // DecimalFormat is not thread-safe; many connections render at once
        return ThreadLocal.withInitial(() -> {
            DecimalFormat f = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
            f.setRoundingMode(RoundingMode.HALF_UP);
            return f;
        });
    }
}
