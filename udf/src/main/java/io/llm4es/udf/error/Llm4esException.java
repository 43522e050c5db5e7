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

    /**
     * The heap ran out while llm4es held or read {@code what}: 53200, thrown once the failed
     * allocation is gone, so the statement fails and the JVM, whose other threads never saw the
     * error, goes on.
     */
    public static Llm4esException outOfMemory(String what, OutOfMemoryError e) {
        Runtime rt = Runtime.getRuntime();
        return new Llm4esException(
                SqlState.OUT_OF_MEMORY,
                "out of memory " + what + " (Java heap of " + (rt.maxMemory() >> 20)
                        + " MB); give the JVM more heap (-Xmx) or embed fewer events per user",
                e);
    }

    public static Llm4esException invalid(String message) {
        return new Llm4esException(SqlState.INVALID_PARAMETER_VALUE, message);
    }
}
