package io.llm4es.connectors.spark;

import java.util.Map;
import org.apache.spark.SparkThrowable;

/** An llm4es error as Spark sees one: its SQLSTATE both in the message and from {@link #getSqlState()}. */
public final class Llm4esSparkException extends RuntimeException implements SparkThrowable {
    private static final long serialVersionUID = 1L;
    private final String sqlState;

    Llm4esSparkException(String sqlState, String message, Throwable cause) {
        super("[" + sqlState + "] llm4es: " + message, cause);
        this.sqlState = sqlState;
    }

    @Override
    public String getSqlState() {
        return sqlState;
    }

    @Override
    public String getCondition() {
        return "LLM4ES_" + sqlState;
    }

    @Override
    public Map<String, String> getMessageParameters() {
        return Map.of();
    }
}
