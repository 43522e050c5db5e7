package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;
import java.util.Locale;

/** How a field's value is read and rendered. */
public enum FieldRole {
    TIME,
    CATEGORY,
    NUMBER,
    TEXT;

    static FieldRole parse(String name, String field) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw Llm4esException.invalid(
                    "field '" + field + "': unknown role '" + name + "' (expected time, category, number or text)");
        }
    }

    public String jsonName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
