package io.llm4es.connectors.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The aggregation buffer of the Spark aggregates: a group's rows as they arrived, so that Spark
 * can ship it between partial and final aggregation. The rows are turned into the core's group
 * state only at the end ({@link GroupHistory}), where every engine's rules apply unchanged.
 */
public final class EventBuffer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One input row: NULL event or key is kept, the core skips it (and still checks its model). */
    record Row(String event, Object orderKey, String modelRef) implements Serializable {}

    final List<Row> rows = new ArrayList<>();
    // serialize_events' options: the same for every row of a group
    String options;
    boolean optionsSeen;

    EventBuffer add(String event, Object orderKey, String modelRef, String options) {
        rows.add(new Row(event, orderKey, modelRef));
        if (!optionsSeen) {
            this.options = options;
            optionsSeen = true;
        } else if (!java.util.Objects.equals(this.options, options)) {
            throw SparkErrors.of(io.llm4es.udf.error.Llm4esException.invalid(
                    "one group uses two options values; options must be the same for every row"));
        }
        return this;
    }

    EventBuffer merge(EventBuffer other) {
        for (Row r : other.rows) {
            rows.add(r);
        }
        if (other.optionsSeen) {
            if (optionsSeen && !java.util.Objects.equals(options, other.options)) {
                throw SparkErrors.of(io.llm4es.udf.error.Llm4esException.invalid(
                        "one group uses two options values; options must be the same for every row"));
            }
            options = other.options;
            optionsSeen = true;
        }
        return this;
    }
}
