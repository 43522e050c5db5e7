package io.llm4es.connectors.spark;

import io.llm4es.udf.aggregate.EmbeddingOutcome;
import io.llm4es.udf.error.Llm4esException;

/**
 * Spark reports a task's error as a {@code SparkException} of its own ("Job aborted due to stage
 * failure ..."), whose SQLSTATE is not ours; so the message carries the SQLSTATE in front,
 * {@code [22023] llm4es: ...}, and the cause is an {@link Llm4esSparkException} whose
 * {@code getSqlState()} returns it.
 */
final class SparkErrors {
    private SparkErrors() {}

    static Llm4esSparkException of(RuntimeException e) {
        if (e instanceof Llm4esSparkException s) {
            return s;
        }
        Llm4esException core = e instanceof Llm4esException l ? l : new EmbeddingOutcome(null, e, null, 0).error();
        return new Llm4esSparkException(core.state().code(), core.getMessage(), e);
    }
}
