package io.llm4es.udf.serialize;

import com.fasterxml.jackson.databind.JsonNode;
import io.llm4es.udf.error.Llm4esException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Map;

/**
 * One field of an event: its role and how its value is rendered. Rendering is locale-free
 * (Locale.ROOT) so that training text and inference text are identical on every machine.
 */
public final class FieldSpec {
    static final String DEFAULT_UNKNOWN = "{value} (unknown)";

    private final String name;
    private final FieldRole role;
    private final String label;
    private final String format;
    private final Map<String, String> dictionary;
    private final String unknownTemplate;
    private final DateTimeFormatter timeFormat;
    private final ThreadLocal<DecimalFormat> numberFormat;

    public FieldSpec(String name, FieldRole role, String label, String format,
                     Map<String, String> dictionary, String unknownTemplate) {
        this.name = name;
        this.role = role;
        this.label = label == null ? name : label;
        this.format = format;
        this.dictionary = dictionary == null ? Map.of() : Map.copyOf(dictionary);
        this.unknownTemplate = unknownTemplate == null ? DEFAULT_UNKNOWN : unknownTemplate;
        this.timeFormat = role == FieldRole.TIME && format != null ? timePattern(name, format) : null;
        this.numberFormat = role == FieldRole.NUMBER && format != null ? numberPattern(name, format) : null;
        if (label != null && (label.contains("\n") || label.isEmpty())) {
            throw Llm4esException.invalid("field '" + name + "': label must be a non-empty single line");
        }
    }

    public String name() { return name; }
    public FieldRole role() { return role; }
    public String label() { return label; }
    public String format() { return format; }
    public Map<String, String> dictionary() { return dictionary; }
    public String unknownTemplate() { return unknownTemplate; }

    /** Renders one value; JSON null or a missing field renders as the empty string. */
    public String render(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "";
        }
        if (value.isContainerNode()) {
            throw Llm4esException.invalid("field '" + name + "': expected a scalar, got " + value);
        }
        String raw = value.isNumber() ? value.decimalValue().stripTrailingZeros().toPlainString() : value.asText();
        String text = switch (role) {
            case TIME -> renderTime(raw);
            case NUMBER -> renderNumber(value, raw);
            case CATEGORY -> renderCategory(raw);
            case TEXT -> raw;
        };
        // one event is one line: a line break inside a value is shown, not obeyed
        return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n");
    }

    private String renderTime(String raw) {
        if (timeFormat == null) {
            return raw;
        }
        try {
            return timeFormat.format(parseTime(raw));
        } catch (java.time.DateTimeException e) {
            throw Llm4esException.invalid("field '" + name + "': cannot format '" + raw + "' as '" + format + "': " + e.getMessage());
        }
    }

    private TemporalAccessor parseTime(String raw) {
        String s = raw.trim();
        try {
            if (s.length() <= 10) {
                return LocalDate.parse(s);
            }
            String iso = s.charAt(10) == ' ' ? s.substring(0, 10) + 'T' + s.substring(11) : s;
            if (iso.endsWith("Z") || iso.matches(".*[+-]\\d\\d(:?\\d\\d)?$")) {
                return OffsetDateTime.parse(iso.replaceFirst("([+-]\\d\\d)$", "$1:00"));
            }
            return LocalDateTime.parse(iso);
        } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw Llm4esException.invalid("field '" + name + "': '" + raw + "' is not an ISO date or timestamp");
        }
    }

    private String renderNumber(JsonNode value, String raw) {
        BigDecimal number;
        try {
            number = value.isNumber() ? value.decimalValue() : new BigDecimal(raw.trim());
        } catch (NumberFormatException e) {
            throw Llm4esException.invalid("field '" + name + "': '" + raw + "' is not a number");
        }
        return numberFormat == null ? number.stripTrailingZeros().toPlainString() : numberFormat.get().format(number);
    }

    private String renderCategory(String raw) {
        if (dictionary.isEmpty()) {
            return raw;
        }
        String meaning = dictionary.get(raw);
        return meaning != null ? meaning : unknownTemplate.replace("{value}", raw);
    }

    private static DateTimeFormatter timePattern(String field, String pattern) {
        try {
            return DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid("field '" + field + "': bad time format '" + pattern + "': " + e.getMessage());
        }
    }

    private static ThreadLocal<DecimalFormat> numberPattern(String field, String pattern) {
        try {
            new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid("field '" + field + "': bad number format '" + pattern + "': " + e.getMessage());
        }
        // DecimalFormat is not thread-safe; many connections render at once
        return ThreadLocal.withInitial(() -> {
            DecimalFormat f = new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT));
            f.setRoundingMode(RoundingMode.HALF_UP);
            return f;
        });
    }
}
