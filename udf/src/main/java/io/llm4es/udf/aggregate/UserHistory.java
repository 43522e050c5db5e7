package io.llm4es.udf.aggregate;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.OrderedEvents;
import io.llm4es.udf.serialize.SerializedHistory;
import io.llm4es.udf.serialize.Truncation;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Clob;
import java.sql.SQLException;
import java.util.Objects;

/**
 * The state of one group of the aggregates: a user's events, each rendered by the model's
 * serializer as it arrives and kept as compactly as the model's text allows. Every SQL binding accumulates through this class. Rows whose event
 * or order key is NULL are skipped, as SUM skips NULL.
 */
public final class UserHistory {
    // one of the two, chosen at the first event: compact lines where the model's text is plain
    // lines, the serializer's events where it needs more (summary, gaps, other renderings)
    private EventLines lines;
    private OrderedEvents events;
    private int added;
    private final boolean batched;
    private ModelResolver resolver = ModelResolver.DIRECTORY;
    private String modelRef;
    private EmbeddingModel model;
    // a result computed in a shared batch, valid while no event has been added since
    private int resultSize = -1;
    private EmbeddingResult result;
    private RuntimeException failure;

    /** A group whose embedding will be asked for: it joins the query's shared inference batches. */
    public UserHistory() {
        this(true);
    }

    private UserHistory(boolean batched) {
        this.batched = batched;
    }

    /** A group only ever serialized (serialize_events): it must not wait in, or be embedded by, a batch. */
    public static UserHistory forText() {
        return new UserHistory(false);
    }

    /** Resolves this group's model reference through {@code resolver} (e.g. a registry) instead of the models directory. */
    public void resolveWith(ModelResolver resolver) {
        this.resolver = resolver;
    }

    /** Adds one row: {@code modelRef} null means the default model. */
    public void add(Object event, Object orderKey, String modelRef) {
        if (model == null) {
            this.modelRef = modelRef;
        } else if (!Objects.equals(this.modelRef, modelRef)) {
            throw Llm4esException.invalid("one group uses two models ('" + this.modelRef + "' and '" + modelRef
                    + "'); the model reference must be the same for every row of a group");
        }
        if (event == null || orderKey == null) {
            return;
        }
        if (model == null) {
            model = resolver.resolve(modelRef);
            if (batched) {
                PendingEmbeddings.register(this);
            }
        }
        try {
            // every allocation of the add is inside: the heap can run out at any of them
            OrderKey key = OrderKey.of(orderKey);
            if (lines == null && events == null) {
                if (batched && model.serializer().plainLines()) {
                    lines = new EventLines(keepChars(model));
                } else {
                    events = new OrderedEvents();
                }
            }
            if (lines != null) {
                lines.add(key, model.serializer().renderEvent(eventText(event)));
            } else {
                events.add(key, model.serializer().event(eventText(event)));
            }
        } catch (OutOfMemoryError e) {
            // what this group held is what the statement needs back
            lines = null;
            events = null;
            throw Llm4esException.outOfMemory("holding the " + added + " events of one user", e);
        }
        added++;
    }

    /** The most characters a text within the model's budget can have (see EventLines); no bound where events are never dropped. */
    private static long keepChars(EmbeddingModel model) {
        int maxTokenChars = model.tokenizer().maxCharsPerToken();
        if (model.serializer().config().truncation() != Truncation.DROP_OLDEST || maxTokenChars == Integer.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return (long) model.manifest().tokenBudget() * maxTokenChars;
    }

    public boolean isEmpty() {
        return added == 0;
    }

    /** The group's events (rows with an event and an order key). */
    public int size() {
        return added;
    }

    /** The events still held: fewer than {@link #size} once old events the budget can never keep are let go. */
    int heldEvents() {
        return lines == null ? (events == null ? 0 : events.size()) : lines.size() - lines.letGo();
    }

    /** The model of this group; null while no event has arrived. */
    public EmbeddingModel model() {
        return model;
    }

    /** The exact text the model sees (after the token budget), or null for an empty group. */
    public SerializedHistory serialize() {
        return serialize(null);
    }

    /** As {@link #serialize()}, in another rendering of the model's serializer (null: the model's own). */
    public SerializedHistory serialize(String rendering) {
        if (added == 0) {
            return null;
        }
        if (lines == null) {
            return model.serializeEvents(events.oldestFirst(), rendering);
        }
        if (rendering != null) {
            throw new IllegalStateException("an embedded group is serialized in its model's own rendering");
        }
        SerializedHistory h = model.serialize(lines.oldestFirst());
        return lines.letGo() == 0
                ? h
                : new SerializedHistory(
                        h.text(), h.tokenIds(), h.totalEvents() + lines.letGo(), h.keptEvents(), h.unknownCodes());
    }

    /**
     * This group's embedding, computed now or in a batch with other groups; null for an empty
     * group. Handed over, it is no longer held: an engine asks once per group, and a GROUP BY over
     * a million users would otherwise keep a million vectors until the query ends. Asked again, it
     * is computed again.
     */
    public EmbeddingResult embedding() {
        if (added == 0) {
            return null;
        }
        if (resultSize != added) {
            PendingEmbeddings.computeWith(this);
        }
        EmbeddingResult r = result;
        RuntimeException f = failure;
        complete(null, null);
        resultSize = -1;
        if (f != null) {
            throw f;
        }
        return r;
    }

    boolean needsResult() {
        return added > 0 && resultSize != added;
    }

    void complete(EmbeddingResult result, RuntimeException failure) {
        this.result = result;
        this.failure = failure;
        this.resultSize = added;
    }

    public static String eventText(Object event) {
        if (event instanceof String s) {
            return s;
        }
        if (event instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        if (event instanceof Clob c) {
            try (Reader r = c.getCharacterStream()) {
                StringBuilder sb = new StringBuilder();
                char[] buf = new char[4096];
                for (int n; (n = r.read(buf)) > 0; ) {
                    sb.append(buf, 0, n);
                }
                return sb.toString();
            } catch (SQLException | IOException e) {
                throw Llm4esException.invalid("cannot read the event value: " + e.getMessage());
            }
        }
        return event.toString();
    }
}
