package io.llm4es.udf.serialize;

import io.llm4es.udf.error.Llm4esException;

/** What happens when a history does not fit the token budget. */
public enum Truncation {
    /** Drop whole events, oldest first, and report how many. */
    DROP_OLDEST("drop_oldest"),
    /** Refuse with SQLSTATE 54000. */
    ERROR("error");

    private final String jsonName;

    Truncation(String jsonName) {
        this.jsonName = jsonName;
    }

    public String jsonName() {
        return jsonName;
    }

    public static Truncation parse(String name) {
        for (Truncation t : values()) {
            if (t.jsonName.equals(name)) {
                return t;
            }
        }
        throw Llm4esException.invalid("truncation '" + name + "' is not one of drop_oldest, error");
    }
}
