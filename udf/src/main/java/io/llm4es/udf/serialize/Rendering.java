package io.llm4es.udf.serialize;

import java.util.List;

/**
 * One way to write a history's table as text. Every rendering writes the events oldest first,
 * each event as one unit, so dropping the oldest whole events always gives a well-formed text.
 */
public interface Rendering {
    String name();

    String render(EventTable table, SerializerConfig config);

    /** The text of the kept events; a rendering that reads values, not only their text, overrides it. */
    default String render(List<Event> events, SerializerConfig config) {
        return render(EventTable.of(config, events), config);
    }

    /**
     * Event {@code i} of a history as this rendering writes it there, or near enough: the token
     * budget scans these to find what can fit (a rendering may show an event in up to 8 times
     * fewer characters than this). By default the event's plain line.
     */
    default String eventText(List<Event> events, int i, SerializerConfig config) {
        return events.get(i).line();
    }
}
