package io.llm4es.udf.error;

import java.sql.SQLException;

/** An error with its SQLSTATE, raised by the engine-neutral core and converted by each binding. */
public class Llm4esException extends RuntimeException {
    private final SqlState state;

    public Llm4esException(SqlState state, String message) {
        super(message);
        this.state = state;
    }

    public Llm4esException(SqlState state, String message, Throwable cause) {
        super(message, cause);
        this.state = state;
    }

    public SqlState state() {
        return state;
    }

    public SQLException toSqlException() {
        return new SQLException("llm4es: " + getMessage(), state.code(), this);
    }

    public static Llm4esException invalid(String message) {
        return new Llm4esException(SqlState.INVALID_PARAMETER_VALUE, message);
    }
}
