package io.llm4es.udf.serialize;

/**
 * The exact text a model sees for one user, its token ids (without special tokens), and how
 * many events were dropped to fit the budget.
 */
public record SerializedHistory(String text, int[] tokenIds, int totalEvents, int keptEvents) {
    public int droppedEvents() {
        return totalEvents - keptEvents;
    }

    public boolean truncated() {
        return keptEvents < totalEvents;
    }
}
