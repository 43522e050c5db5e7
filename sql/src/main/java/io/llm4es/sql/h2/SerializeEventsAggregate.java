package io.llm4es.sql.h2;

import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.SerializeOptions;
import io.llm4es.udf.serialize.SerializedHistory;
import java.sql.SQLException;
import java.util.Objects;
import org.h2.value.Value;

/**
 * {@code serialize_events(event, order_key [, model_ref [, options]])} → the exact text the model
 * sees; {@code options} {@code {"rendering": "yaml"}} shows it in another rendering.
 */
public final class SerializeEventsAggregate extends H2Aggregate {
    private String optionsText;
    private SerializeOptions options = SerializeOptions.NONE;

    @Override
    UserHistory newHistory() {
        return UserHistory.forText();
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
    public void add(Object value) throws SQLException {
        Object[] args = (Object[]) value;
        String text = args.length > 3 && args[3] != null ? args[3].toString() : null;
        if (optionsText == null && text != null) {
            try {
                options = SerializeOptions.parse(text);
            } catch (Llm4esException e) {
                throw e.toSqlException();
            }
            optionsText = text;
        } else if (!Objects.equals(optionsText, text)) {
            throw Llm4esException.invalid("one group uses two options values; options must be the same for every row")
                    .toSqlException();
        }
        super.add(value);
    }

    @Override
    int resultType() {
        return Value.VARCHAR;
    }

    @Override
    Object result() {
        SerializedHistory h = history.serialize(options.rendering());
        return h == null ? null : h.text();
    }
}
