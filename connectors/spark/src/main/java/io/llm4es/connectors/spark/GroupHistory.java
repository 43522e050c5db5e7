package io.llm4es.connectors.spark;

import io.llm4es.udf.aggregate.EmbeddingOutcome;
import io.llm4es.udf.aggregate.GroupState;
import io.llm4es.udf.aggregate.UserHistory;
import io.llm4es.udf.aggregate.Variant;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.serialize.SerializedHistory;

/**
 * The one place where the Spark binding meets the core's group state: a group's rows go into a
 * {@link GroupState} (the SQL aggregates) or a {@link UserHistory} (the bulk job, which batches
 * itself), which apply the NULL, ordering, model, variant and token-budget rules of every other
 * engine.
 */
final class GroupHistory {
    private GroupHistory() {}

    /** The group's embedding, empty group or failure, as user_embedding's three variants see it. */
    static EmbeddingOutcome embed(Iterable<EventBuffer.Row> rows, ModelResolver models) {
        GroupState group = new GroupState(Variant.RESULT);
        group.resolveWith(models);
        for (EventBuffer.Row r : rows) {
            group.add(r.event(), r.orderKey(), r.modelRef());
        }
        return group.outcome();
    }

    /** The exact text the model sees, or null for an empty group. */
    static String text(Iterable<EventBuffer.Row> rows, ModelResolver models, String options) {
        GroupState group = new GroupState(Variant.SERIALIZE);
        group.resolveWith(models);
        group.options(options);
        for (EventBuffer.Row r : rows) {
            group.add(r.event(), r.orderKey(), r.modelRef());
        }
        return group.text();
    }

    /** Serialized for the bulk job, which embeds many users in one batch itself; null for an empty user. */
    static SerializedHistory serialized(Iterable<EventBuffer.Row> rows, ModelResolver models) {
        UserHistory history = UserHistory.forText();
        history.resolveWith(models);
        fill(history, rows);
        return history.serialize();
    }

    private static void fill(UserHistory history, Iterable<EventBuffer.Row> rows) {
        for (EventBuffer.Row r : rows) {
            history.add(r.event(), r.orderKey(), r.modelRef());
        }
    }
}
