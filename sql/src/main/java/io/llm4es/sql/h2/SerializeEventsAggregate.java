package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.Variant;
import org.h2.value.Value;

/**
 * {@code serialize_events(event, order_key [, model_ref [, options]])} → the exact text the model
 * sees; {@code options} {@code {"rendering": "yaml"}} shows it in another rendering.
 */
public final class SerializeEventsAggregate extends H2Aggregate {
    public SerializeEventsAggregate() {
        super(Variant.SERIALIZE);
    }

    @Override
    String name() {
        return "serialize_events";
    }

    @Override
    int maxArguments() {
        return 4;
    }

    @Override
    String signature() {
        return "(event, order_key [, model_ref [, options]])";
    }

    @Override
    void addRow(Object[] args) {
        group.options(args.length > 3 && args[3] != null ? args[3].toString() : null);
        super.addRow(args);
    }

    @Override
    int resultType() {
        return Value.VARCHAR;
    }

    @Override
    Object result() {
        return group.text();
    }
}
