package io.llm4es.udf.serialize;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.DayOfWeek;
import java.time.format.DateTimeFormatter;
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
            throw Llm4esException.invalid("field '" + name + "': unit, magnitude and bins need role number");
        }
        if (this.numberStyle.unit() != null
                && (this.numberStyle.unit().isBlank() || this.numberStyle.unit().contains("\n"))) {
            throw Llm4esException.invalid("field '" + name + "': unit must be a non-empty single line");
        }
        this.timeFormat = role == FieldRole.TIME && format != null ? timePattern(name, format) : null;
        String digits = format == null && this.numberStyle.magnitude() ? MAGNITUDE_FORMAT : format;
        this.numberFormat = role == FieldRole.NUMBER && digits != null ? numberPattern(name, digits) : null;
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
        String raw = value.isNumber()
                ? NumberRange.check(value.decimalValue(), name)
                        .stripTrailingZeros()
                        .toPlainString()
                : LoneSurrogates.replace(value.asText());
        FieldValue v = switch (role) {
            case TIME -> readTime(raw);
            case NUMBER -> readNumber(value, raw);
            case CATEGORY -> readCategory(raw);
            case TEXT -> FieldValue.text(raw);
        };
        // one event is one line: a line break inside a value is shown, not obeyed
        String text = v.text().replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n");
        return text.equals(v.text()) ? v : new FieldValue(text, v.fact(), v.moment(), v.number(), v.unknownCode());
    }

    private FieldValue readTime(String raw) {
        if (timeFormat == null && timeStyle.plain()) {
            // shown as written; parsed only if it can be, for a summary's span
            return new FieldValue(raw, raw, tryParse(raw), null, false);
        }
        Moment m = Moment.parse(raw, name);
        String date;
        try {
            date = timeFormat == null ? raw : timeFormat.format(m.written());
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

    private static String weekday(Moment m) {
        DayOfWeek d = m.date().getDayOfWeek();
        String n = d.name();
        return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
    }

    private FieldValue readNumber(JsonNode value, String raw) {
        BigDecimal number = value.isNumber() ? value.decimalValue() : NumberRange.parse(raw, name);
        String fact = numberStyle.fact(number, this::formatNumber);
        return new FieldValue(numberStyle.decorate(fact, number, true), fact, null, number, false);
    }

    /** A total or other derived number, in this field's format, magnitude and unit (no bin). */
    String renderDerived(BigDecimal number) {
        return numberStyle.decorate(numberStyle.fact(number, this::formatNumber), number, false);
    }

    private String formatNumber(BigDecimal number) {
        return numberFormat == null
                ? number.stripTrailingZeros().toPlainString()
                : numberFormat.get().format(number);
    }

    private FieldValue readCategory(String raw) {
        if (dictionary == null || dictionary.isEmpty()) {
            return FieldValue.text(raw);
        }
        String meaning = dictionary.meaning(raw);
        return meaning != null
                ? FieldValue.text(meaning)
                : new FieldValue(unknownTemplate.replace("{value}", raw), null, null, null, true);
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
