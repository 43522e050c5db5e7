package io.llm4es.udf.serialize;

import java.util.List;
import java.util.Locale;

/**
 * Few tokens per event, nothing a label may need hidden: the header line names the columns once,
 * then each event is its values joined by the header separator ({@code |}), no field names. A time
 * field shows the first kept event's date, then the time since the previous event in one letter
 * ({@code +3d}, {@code +5h}); a number its digits (see {@code significant_digits}) or, with bins,
 * its bin label alone; categories and text whole. A unit is the same on every event, so the header
 * carries it ({@code amount (EUR)}).
 */
final class CompactRendering implements Rendering {
    static final String NAME = "compact";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String render(EventTable table, SerializerConfig config) {
        throw new UnsupportedOperationException("the compact rendering reads the events' values, not their text");
    }

    @Override
    public String render(List<Event> events, SerializerConfig config) {
        List<FieldSpec> fields = config.fields();
        StringBuilder sb = new StringBuilder();
        if (config.header()) {
            for (int i = 0; i < fields.size(); i++) {
                sb.append(i == 0 ? "" : config.headerSeparator()).append(label(fields.get(i)));
            }
        }
        for (int e = 0; e < events.size(); e++) {
            if (!sb.isEmpty() || e > 0) {
                sb.append('\n');
            }
            sb.append(eventText(events, e, config));
        }
        return sb.toString();
    }

    /** One event's row; the first event of {@code events} shows its date, the others their gap. */
    @Override
    public String eventText(List<Event> events, int e, SerializerConfig config) {
        List<FieldSpec> fields = config.fields();
        Event previous = e == 0 ? null : events.get(e - 1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.size(); i++) {
            sb.append(i == 0 ? "" : config.headerSeparator())
                    .append(value(fields.get(i), events.get(e).value(i), previous, i));
        }
        return sb.toString();
    }

    private static String label(FieldSpec field) {
        String unit = field.numberStyle().unit();
        return unit == null ? field.label() : field.label() + " (" + unit + ")";
    }

    private static String value(FieldSpec field, FieldValue v, Event previous, int column) {
        return switch (field.role()) {
            case TIME ->
                time(field, v, previous == null ? null : previous.value(column).moment());
            case NUMBER -> v.number() == null ? v.text() : number(field, v);
            case CATEGORY, TEXT -> v.text();
        };
    }

    private static String time(FieldSpec field, FieldValue v, Moment previous) {
        if (v.moment() == null) {
            return v.text(); // empty, or shown as written where it does not parse
        }
        String when = previous == null ? v.fact() : TimeGap.compact(previous, v.moment());
        if (!field.timeStyle().weekday()) {
            return when;
        }
        String day = v.moment().date().getDayOfWeek().name();
        return when + " " + day.charAt(0) + day.substring(1, 3).toLowerCase(Locale.ROOT);
    }

    private static String number(FieldSpec field, FieldValue v) {
        Bins bins = field.numberStyle().bins();
        return bins == null ? v.fact() : bins.label(v.number());
    }
}
