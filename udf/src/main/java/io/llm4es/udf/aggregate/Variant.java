package io.llm4es.udf.aggregate;

/** The four llm4es aggregates: one group state, four ways of answering for it. */
public enum Variant {
    /** user_embedding: the vector; a bad row or a failed embedding is an error. */
    STRICT(false, true),
    /** try_user_embedding: the vector, NULL where user_embedding would fail. */
    TRY(true, true),
    /** user_embedding_result: the outcome (vector, status, counts, message); never an error. */
    RESULT(true, true),
    /** serialize_events: the text the model sees; never embedded, so never batched. */
    SERIALIZE(false, false);

    private final boolean lenient;
    private final boolean embeds;

    Variant(boolean lenient, boolean embeds) {
        this.lenient = lenient;
        this.embeds = embeds;
    }

    /** Whether a failure becomes this variant's answer instead of an error. */
    public boolean lenient() {
        return lenient;
    }

    /** Whether this variant's groups are embedded (and so join the cross-group batches). */
    public boolean embeds() {
        return embeds;
    }
}
