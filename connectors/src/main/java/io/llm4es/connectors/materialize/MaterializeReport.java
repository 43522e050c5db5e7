package io.llm4es.connectors.materialize;

/** What a run did: users read from the source, and of those in the shard how many were written, unchanged or failed. */
public record MaterializeReport(long users, long written, long unchanged, long failed, String modelVersion) {
}
