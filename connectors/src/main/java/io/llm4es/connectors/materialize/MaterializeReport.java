package io.llm4es.connectors.materialize;

/**
 * What a run did: users read from the source, and of those in the shard how many were written,
 * unchanged or failed; of the written, how many were truncated to the model's token budget and
 * how many of their oldest events that dropped in all.
 */
public record MaterializeReport(
        long users,
        long written,
        long unchanged,
        long failed,
        long truncated,
        long droppedEvents,
        String modelVersion) {
    /** The CLI's closing line, e.g. {@code 3000 written, 0 unchanged, 2 failed, 1932 truncated (14056 events dropped)}. */
    public String summary() {
        return written + " written, " + unchanged + " unchanged, " + failed + " failed, " + truncated + " truncated ("
                + droppedEvents + " oldest events dropped to fit the token budget)";
    }
}
