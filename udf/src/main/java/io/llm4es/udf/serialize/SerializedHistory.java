package io.llm4es.udf.serialize;

/**
 * The exact text a model sees for one user, its token ids (without special tokens), how many
 * events were dropped to fit the budget, and how many codes of the kept events were missing
 * from their dictionary (they show as e.g. {@code 9999 (unknown)}).
 */
public record SerializedHistory(String text, int[] tokenIds, int totalEvents, int keptEvents, int unknownCodes) {
    public SerializedHistory(String text, int[] tokenIds, int totalEvents, int keptEvents) {
        this(text, tokenIds, totalEvents, keptEvents, 0);
    }

    public int droppedEvents() {
        return totalEvents - keptEvents;
    }

    public boolean truncated() {
        return keptEvents < totalEvents;
    }
}
