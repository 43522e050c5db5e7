package io.llm4es.udf.embed;

/** One user's embedding and what happened on the way: the status of DESIGN.md's result variant. */
public record EmbeddingResult(
        float[] vector, Status status, String modelVersion, int events, int tokens, int droppedEvents) {
    public enum Status {
        OK,
        TRUNCATED,
        EMPTY
    }
}
