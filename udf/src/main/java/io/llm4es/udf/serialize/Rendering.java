package io.llm4es.udf.serialize;

/**
 * One way to write a history's table as text. Every rendering writes the events oldest first,
 * each event as one unit, so dropping the oldest whole events always gives a well-formed text.
 */
public interface Rendering {
    String name();

    String render(EventTable table, SerializerConfig config);
}
