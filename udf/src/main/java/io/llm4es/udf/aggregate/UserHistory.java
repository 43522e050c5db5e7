package io.llm4es.udf.aggregate;

import io.llm4es.udf.embed.EmbeddingModel;
import io.llm4es.udf.embed.EmbeddingResult;
import io.llm4es.udf.embed.ModelResolver;
import io.llm4es.udf.error.Llm4esException;
import io.llm4es.udf.serialize.OrderKey;
import io.llm4es.udf.serialize.OrderedEvents;
import io.llm4es.udf.serialize.SerializedHistory;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.sql.Clob;
import java.sql.SQLException;
import java.util.Objects;

/**
 * The state of one group of the aggregates: a user's events, each rendered by the model's
 * serializer as it arrives. Every SQL binding accumulates through this class. Rows whose event
 * or order key is NULL are skipped, as SUM skips NULL.
 */
public final class UserHistory {
    private final OrderedEvents entries = new OrderedEvents();
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
            entries.add(OrderKey.of(orderKey), model.serializer().event(eventText(event)));
        } catch (OutOfMemoryError e) {
            int held = entries.size();
            entries.clear(); // what this group held is what the statement needs back
            throw Llm4esException.outOfMemory("holding the " + held + " events of one user", e);
        }
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
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
        if (entries.isEmpty()) {
            return null;
        }
        return model.serializeEvents(entries.oldestFirst(), rendering);
    }

    /** This group's embedding, computed now or in a batch with other groups; null for an empty group. */
    public EmbeddingResult embedding() {
        if (entries.isEmpty()) {
            return null;
        }
        if (resultSize != entries.size()) {
            PendingEmbeddings.computeWith(this);
        }
        if (failure != null) {
            throw failure;
        }
        if (result != null && result.status() == EmbeddingResult.Status.TRUNCATED) {
            TruncationLog.record(result.modelVersion(), result.droppedEvents());
        }
        return result;
    }

    boolean needsResult() {
        return !entries.isEmpty() && resultSize != entries.size();
    }

    void complete(EmbeddingResult result, RuntimeException failure) {
        this.result = result;
        this.failure = failure;
        this.resultSize = entries.size();
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
